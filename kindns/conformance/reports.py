"""What a report shows of a run, in the reader's language: each check by its title, its verdict, what was
found, how to fix it and the command that shows the fault, why it matters; problems first; and one finding
instead of a page of identical errors when the zone could not be measured at all.

Results stored since the engine speaks in message codes carry them (`CheckResult.messages`) and are
rendered here in the reader's language; older rows keep their English text, which is shown as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext, lazy_gettext as _l, ngettext

from ..checks import RESOLVER_CHECKS, ZONE_CHECKS
from ..checks import SnapshotFormatError, snapshot_from_dict
from ..checks.fixes import chosen_software, fixes_data, how_sure
from ..checks.identify import identify_snapshot
from ..software import software_label, software_options, software_values
from ..checks.policy import ERROR, FAIL, NOT_APPLICABLE, PASS, WARN
from ..practices import practice_title
from .history import Change
from .models import CheckResult, CheckRun

# Problems first, then what could not be measured, then what is fine.
ORDER = {FAIL: 0, WARN: 1, ERROR: 2, PASS: 3, NOT_APPLICABLE: 4}
VERDICT_LABELS = {PASS: _l("pass"), WARN: _l("warning"), FAIL: _l("fail"), ERROR: _l("not measured"),
                  NOT_APPLICABLE: _l("n/a")}
TRIGGER_LABELS = {"declared": _l("declared"), "manual": _l("check now"), "schedule": _l("scheduled")}
RUN_STATUS_LABELS = {"queued": _l("queued"), "running": _l("running"), "done": _l("done"), "failed": _l("failed")}
# How the engine's advice used to end, before commands were stored apart (rows from before).
_COMMAND_LEADS = {"Reproduce with: ": "reproduce", "Check again with: ": "check-again"}


def verdict_label(verdict: str) -> str:
    """A verdict in the reader's words ("not measured" for error: never a failure)."""
    return str(VERDICT_LABELS.get(verdict, verdict))


def trigger_label(trigger: str) -> str:
    return str(TRIGGER_LABELS.get(trigger, trigger))


def run_status_label(status: str) -> str:
    return str(RUN_STATUS_LABELS.get(status, status))


def tally(run: CheckRun) -> list[tuple[str, int]]:
    """(verdict, how many checks have it), problems first, for the report's headline."""
    counts: dict[str, int] = {}
    for result in run.results:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
    return sorted(counts.items(), key=lambda item: ORDER.get(item[0], 9))


def check_spec(check_id: str):
    return ZONE_CHECKS.get(check_id) or RESOLVER_CHECKS.get(check_id)


def render(message) -> str:
    """A stored message ({"code", "args"}) in the reader's language."""
    from ..checks.messages import render as render_message

    return render_message(message, gettext=gettext, ngettext=ngettext)


def _translated(template: str) -> str:
    return gettext(template) if template else ""


@dataclass
class Command:
    kind: str  # "reproduce" or "check-again"
    text: str


@dataclass
class ResultView:
    """One check of a report, ready to show."""

    result: CheckResult
    title: str
    summary: str
    advice: list[str] = field(default_factory=list)
    command: Command | None = None
    references: tuple[str, ...] = ()
    why: str = ""
    practices: list[str] = field(default_factory=list)
    applicable: bool = True
    change: Change | None = None
    fixes: list[dict] = field(default_factory=list)  # the fix-it advice for the software shown (fixes.fixes_data)

    @property
    def id(self) -> str:
        return self.result.check_id

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def needs_action(self) -> bool:
        return self.verdict in (FAIL, WARN)


def _old_advice(text: str) -> tuple[list[str], Command | None]:
    """Advice stored as one English paragraph with the command at its end."""
    for lead, kind in _COMMAND_LEADS.items():
        if lead in text:
            advice, command = text.rsplit(lead, 1)
            return [advice.strip()] if advice.strip() else [], Command(kind, command.strip())
    return ([text] if text else []), None


def result_view(result: CheckResult, applicable: set[str], change: Change | None = None,
                software: str | None = None) -> ResultView:
    spec = check_spec(result.check_id)
    messages = result.messages or {}
    if messages:
        findings = [render(finding) for finding in messages.get("findings", [])]
        if messages.get("more"):
            findings.append(ngettext("and %(num)d more", "and %(num)d more", messages["more"]))
        summary = "; ".join(findings)
        advice = [_translated(spec.advice.get(code, "")) if spec else code for code in messages.get("advice", [])]
        command = Command(**messages["command"]) if messages.get("command") else None
        references = tuple(messages.get("references") or ())
    else:
        summary = result.summary
        advice, command = _old_advice(result.advice)
        references = ()
    zone = result.run.target if result.run is not None and result.run.kind == "zone" else ""
    fixes = fixes_data(messages.get("advice", []), result.verdict, software, zone,
                       command.text if command else "", gettext) if messages else []
    return ResultView(
        fixes=fixes,
        result=result,
        title=_translated(getattr(spec, "title", "")) or result.check_id,
        summary=summary,
        advice=[text for text in advice if text],
        command=command,
        references=references or tuple(getattr(spec, "references", ()) or ()),
        why=_translated(getattr(spec, "why", "")),
        practices=[practice_title(p) for p in result.practices or ()],
        applicable=result.check_id in applicable,
        change=change,
    )


def report_views(run: CheckRun, applicable: set[str], changes: dict[str, Change],
                 software: str | None = None) -> list[ResultView]:
    """The run's checks as a report shows them: problems first, then by the catalogue's order; with the
    fix-it advice for `software` under each that does not pass."""
    views = [result_view(r, applicable, changes.get(r.check_id), software) for r in run.results]
    return sorted(views, key=lambda v: (ORDER.get(v.verdict, 9), not v.applicable))


@dataclass
class Unmeasured:
    """Nothing of the target could be measured: one finding for the whole report."""

    summary: str
    evidence: list = field(default_factory=list)


def unmeasured(run: CheckRun) -> Unmeasured | None:
    """The one finding of a run that measured nothing (the zone is not delegated, no nameserver has an address
    or answers), or None."""
    stored = run.unmeasured
    if stored:
        return Unmeasured(render(stored["message"]), stored.get("probes", []))
    # Rows from before the engine said so itself: every check gave the same error, word for word.
    results = run.results
    if len(results) > 1 and all(r.verdict == ERROR for r in results) and len({r.summary for r in results}) == 1:
        return Unmeasured(results[0].summary, results[0].evidence)
    return None


@dataclass
class SoftwareChoice:
    """Which software a report's fix-it advice is for, and why: asked for on the page (the switcher), declared
    by the operator, seen (what the servers say they run, when nothing is declared), or none (the general
    advice alone)."""

    shown: str | None
    source: str                      # "asked", "declared", "seen" or "none"
    declared: str | None
    seen: dict | None                # identify.Identity.to_dict() of the run, if any
    options: list[tuple[str, str]]   # (value, label) the switcher offers

    @property
    def label(self) -> str:
        return software_label(self.shown) if self.shown else ""

    @property
    def confidence(self) -> str:
        return gettext(how_sure(self.seen))


def seen_software(run: CheckRun | None) -> dict | None:
    """What the run's servers said they run (identify.py), from the run's stored snapshot; None without one."""
    if run is None or not run.snapshot:
        return None
    try:
        return identify_snapshot(snapshot_from_dict(run.snapshot)).to_dict()
    except SnapshotFormatError:
        return None


def software_choice(kind: str, declared: str | None, asked: str | None, seen: dict | None = None) -> SoftwareChoice:
    """The software the advice is for: the one asked for, if it serves such targets ("" asks for none), else
    the declared one, else the one the servers say they run when they say so ("other" gives the general
    advice)."""
    values = software_values(kind)
    options = [(value, label) for value, label in software_options(kind) if value != "other"]
    if asked == "":
        return SoftwareChoice(None, "none", declared, seen, options)
    if asked in values and asked != "other":
        source = "declared" if asked == declared else "asked"
        return SoftwareChoice(asked, source, declared, seen, options)
    if declared in values:
        return SoftwareChoice(declared if declared != "other" else None, "declared", declared, seen, options)
    chosen, source = chosen_software(None, seen)
    if chosen in values:
        return SoftwareChoice(chosen, "seen", declared, seen, options)
    return SoftwareChoice(None, "none", declared, seen, options)
