"""The catalogue of checks: each check is a small judging function registered by `@check`.

A judge reads a snapshot and returns findings (a code, a sentence, the probes that show it). The
decorator records the check's id, practices, summary, references and the advice for each code it may
emit, and fills ZONE_CHECKS or RESOLVER_CHECKS; nothing else lists the checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .policy import PASS, combine, verdict_for
from .query import Probe
from .report import CheckOutcome


@dataclass(frozen=True)
class Finding:
    """One thing a judge found: a policy code, a sentence for people, and the probes that show it."""

    code: str
    detail: str
    probes: tuple[Probe, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)   # extra evidence (e.g. the AS numbers seen)


@dataclass(frozen=True)
class CheckSpec:
    """A registered check."""

    id: str
    practices: tuple[str, ...]
    summary: str
    references: tuple[str, ...]
    advice: dict[str, str]          # finding code -> what to change (every code the check may emit)
    judge: Callable[[Any], list[Finding]]
    target: str                     # "zone" or "resolver"

    def run(self, snapshot: Any) -> CheckOutcome:
        """Judge a snapshot into a CheckOutcome with verdict, evidence and advice."""
        findings = self.judge(snapshot)
        for finding in findings:
            if finding.code not in self.advice:
                raise KeyError(f"check {self.id} emitted {finding.code}, which it does not declare")
        verdicts = [verdict_for(f.code) for f in findings]
        verdict = combine(verdicts)
        decisive = [f for f, v in zip(findings, verdicts) if v == verdict]
        summary = summarise([f.detail for f in decisive]) or self.summary
        evidence = []
        for finding, level in zip(findings, verdicts):
            entry = {"finding": finding.code, "verdict": level, "detail": finding.detail, **finding.data}
            if finding.probes:
                entry["probes"] = [p.to_evidence() for p in finding.probes]
            evidence.append(entry)
        return CheckOutcome(id=self.id, verdict=verdict, practices=list(self.practices), summary=summary,
                           evidence=evidence, advice=self._advice(decisive, findings, verdict))

    def _advice(self, decisive: list[Finding], findings: list[Finding], verdict: str) -> str:
        lines = list(dict.fromkeys(self.advice[f.code] for f in decisive))
        if self.references:
            lines.append("See " + ", ".join(self.references) + ".")
        dig = next((p.dig() for f in decisive for p in f.probes), None)
        if dig is None:
            dig = next((p.dig() for f in findings for p in f.probes), "")
        if dig:
            # Last, so that the command can be copied whole.
            lines.append(("Check again with: " if verdict == PASS else "Reproduce with: ") + dig)
        return " ".join(lines)


def summarise(details: list[str], limit: int = 3) -> str:
    """One line from the decisive findings' sentences: the first few, and how many more there are."""
    unique = list(dict.fromkeys(details))
    text = "; ".join(unique[:limit])
    if len(unique) > limit:
        text += f"; and {len(unique) - limit} more"
    return text


ZONE_CHECKS: dict[str, CheckSpec] = {}
RESOLVER_CHECKS: dict[str, CheckSpec] = {}


def check(*, id: str, practices: tuple[str, ...], summary: str, advice: dict[str, str],
          references: tuple[str, ...] = (), target: str = "zone") -> Callable:
    """Register the decorated judge as a check of zones (default) or resolvers."""
    registry = {"zone": ZONE_CHECKS, "resolver": RESOLVER_CHECKS}[target]

    def register(judge: Callable[[Any], list[Finding]]) -> Callable[[Any], list[Finding]]:
        if id in registry:
            raise ValueError(f"duplicate check id {id}")
        registry[id] = CheckSpec(id, tuple(practices), summary, tuple(references), dict(advice), judge, target)
        return judge

    return register
