"""What the checks measure: a zone or a resolver of an organisation, seen one way wherever runs are asked
for, read or shown (its kind, its label, its report page, and which runs are its own)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..models import Organisation, Resolver, Zone
from .models import CheckRun


@dataclass(frozen=True)
class TargetKind:
    name: str           # "zone" or "resolver": the kind of check the engine runs, and CheckRun.kind
    plural: str         # "zones" or "resolvers": in URLs
    model: type[Zone] | type[Resolver]
    run_column: str     # the CheckRun column that points at such a target

    def label_of(self, row: Zone | Resolver) -> str:
        return row.name if isinstance(row, Zone) else row.address


KINDS: dict[str, TargetKind] = {
    "zone": TargetKind("zone", "zones", Zone, "zone_id"),
    "resolver": TargetKind("resolver", "resolvers", Resolver, "resolver_id"),
}
BY_PLURAL = {kind.plural: kind for kind in KINDS.values()}


def runs_of(kind: str, target_id: int | None):
    """The SQL condition for the runs of one zone or resolver."""
    return getattr(CheckRun, KINDS[kind].run_column) == target_id


@dataclass(frozen=True)
class Target:
    """A declared zone or resolver, as the conformance pages and services handle it."""

    kind: TargetKind
    row: Zone | Resolver

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def organisation_id(self) -> int:
        return self.row.organisation_id

    @property
    def organisation(self) -> Organisation:
        return self.row.organisation

    @property
    def label(self) -> str:
        """The zone's name (A-labels) or the resolver's address, as measured and stored in runs."""
        return self.kind.label_of(self.row)

    @property
    def runs(self):
        """The SQL condition for this target's runs."""
        return runs_of(self.kind.name, self.id)

    def run_columns(self) -> dict[str, int | None]:
        """The CheckRun columns that tie a new run to this target."""
        return {kind.run_column: (self.id if kind is self.kind else None) for kind in KINDS.values()}

    def report_route(self) -> tuple[str, dict]:
        """(endpoint, values) of the target's report page, for url_for or for links in mail."""
        return "conformance.report", {"kinds": self.kind.plural, "target_id": self.id}

    @property
    def report_url(self) -> str:
        endpoint, values = self.report_route()
        return url_for(endpoint, **values)

    @property
    def check_url(self) -> str:
        return url_for("conformance.check_now", kinds=self.kind.plural, target_id=self.id)


def target_of(row: Zone | Resolver) -> Target:
    return Target(KINDS["zone" if isinstance(row, Zone) else "resolver"], row)


def targets_of(organisation: Organisation) -> list[Target]:
    """The organisation's zones, then its resolvers."""
    return [target_of(row) for row in (*organisation.zones, *organisation.resolvers)]


def target_of_run(run: CheckRun) -> Target | None:
    """The zone or resolver a run measured; None once it has been removed (the run keeps its label)."""
    row = run.zone if run.zone_id is not None else run.resolver
    return target_of(row) if row is not None else None


def find_target(kind: TargetKind, target_id: int, organisation_id: int | None = None) -> Target | None:
    """The zone or resolver with this id; with `organisation_id`, only if it belongs to that organisation."""
    query = select(kind.model).where(kind.model.id == target_id)
    if organisation_id is not None:
        query = query.where(kind.model.organisation_id == organisation_id)
    row = db.session.scalar(query)
    return Target(kind, row) if row is not None else None
