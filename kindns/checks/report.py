"""Results as callers see them: one CheckOutcome per check (the registry stores each as a CheckResult
row), one TargetReport per zone or resolver, and the two ways the command line prints them (a table, JSON).

Outcomes hold messages (codes with arguments, see messages.py), not sentences: `render_summary` and
`render_advice` put them in the reader's language; `summary` and `advice` are the English text.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field

from .messages import Gettext, Ngettext, advice_template, msg, render

SUMMARY_LIMIT = 3   # decisive findings a summary lists; the rest are counted ("and 2 more")


@dataclass
class CheckOutcome:
    """The verdict of one check on one target, with its findings, evidence and what to do about it."""

    id: str
    verdict: str                 # pass, warn, fail, error or n/a
    practices: list[str]
    title: str                   # the check's title (English template)
    findings: list[dict]         # the decisive findings, distinct: {"code", "args", "verdict"}, at most SUMMARY_LIMIT
    more: int                    # how many more distinct decisive findings there are
    advice_codes: list[str]      # the decisive codes whose advice applies (one per distinct advice), in order
    references: list[str]
    command: dict | None         # {"kind": "reproduce" or "check-again", "text": "dig ..."}: shows the verdict
    evidence: list[dict]         # per finding: {"finding", "verdict", "message", "probes", ...extra data}

    def render_title(self, gettext: Gettext | None = None) -> str:
        return gettext(self.title) if gettext else self.title

    def render_summary(self, gettext: Gettext | None = None, ngettext: Ngettext | None = None) -> str:
        """The decisive findings on one line: the first few, and how many more there are."""
        parts = [render(finding, gettext, ngettext) for finding in self.findings]
        if self.more:
            parts.append(render(msg("and-more", num=self.more), gettext, ngettext))
        return "; ".join(parts) or self.render_title(gettext)

    def render_advice(self, gettext: Gettext | None = None, ngettext: Ngettext | None = None) -> str:
        """What to change, the references, and last (so that it can be copied whole) the command."""
        translate = gettext or (lambda text: text)
        lines = [translate(advice_template(code)) for code in self.advice_codes if advice_template(code)]
        if self.references:
            lines.append(render(msg("see-references", references=list(self.references)), gettext, ngettext))
        if self.command:
            frame = "check-again-with" if self.command["kind"] == "check-again" else "reproduce-with"
            lines.append(render(msg(frame, command=self.command["text"]), gettext, ngettext))
        return " ".join(lines)

    @property
    def summary(self) -> str:
        """The findings in English."""
        return self.render_summary()

    @property
    def advice(self) -> str:
        """The advice in English, the command last."""
        return self.render_advice()

    def to_dict(self) -> dict:
        return {"id": self.id, "verdict": self.verdict, "practices": list(self.practices), "title": self.title,
                "summary": self.summary, "advice": self.advice, "findings": self.findings, "more": self.more,
                "advice_codes": self.advice_codes, "references": self.references, "command": self.command,
                "evidence": self.evidence}


@dataclass
class TargetReport:
    """Every check on one zone or resolver address."""

    target: str
    checked_at: str              # ISO 8601, UTC
    duration_ms: int
    checks: list[CheckOutcome] = field(default_factory=list)
    # When the zone could not be measured at all (not delegated, no nameserver address, no nameserver
    # answering): {"message": {"code", "args"}, "probes": [...]}, the one finding every check's error
    # comes from. None otherwise.
    unmeasured: dict | None = None
    # What was collected, as JSON-safe data (serialise.snapshot_to_dict): store it with the run and
    # `rejudge` it later without asking the servers again. Not part of to_dict(), which is what people read.
    snapshot: dict | None = field(default=None, repr=False, compare=False)
    # The software the servers say they run (identify.Identity.to_dict): {"software", "confidence", "said",
    # "basis"}.
    software: dict | None = None
    # A zone's few facts for statistics (zone_checks.zone_facts): its signing algorithms, how many
    # nameservers the parent delegates to and in how many networks their addresses are.
    facts: dict | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        unmeasured = self.unmeasured and {**self.unmeasured, "summary": render(self.unmeasured["message"])}
        return {"target": self.target, "checked_at": self.checked_at, "duration_ms": self.duration_ms,
                "software": self.software, "unmeasured": unmeasured, "checks": [c.to_dict() for c in self.checks]}

    def verdict(self, check_id: str) -> str:
        """The verdict of one check (KeyError if the report has no such check)."""
        return self.result(check_id).verdict

    def result(self, check_id: str) -> CheckOutcome:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)


def zone_of(report: TargetReport) -> str:
    """The zone a report is about ("" for a resolver, whose target is an address)."""
    try:
        ipaddress.ip_address(report.target)
    except ValueError:
        return report.target
    return ""


def format_json(reports: list[TargetReport], gettext: Gettext | None = None, ngettext: Ngettext | None = None,
                language: str | None = None, software: str | None = None) -> str:
    """The reports as a JSON array, one object per target (English text beside the codes and arguments;
    with `gettext`, each check also carries its title, summary and advice in `language`; with `software`,
    each check that does not pass carries the fixes for that software, `fixes`; without it, for the software
    the servers say they run, when they say so: `fixes_for` names the software and why)."""
    from .fixes import chosen_software, outcome_fixes

    out = []
    for report in reports:
        data = report.to_dict()
        chosen, source = chosen_software(software, report.software)
        if chosen:
            data["fixes_for"] = {"software": chosen, "because": source}
            for check, outcome in zip(data["checks"], report.checks):
                check["fixes"] = outcome_fixes(outcome, chosen, zone_of(report), gettext)
        if gettext is not None:
            for check, outcome in zip(data["checks"], report.checks):
                check["translated"] = {"language": language, "title": outcome.render_title(gettext),
                                       "summary": outcome.render_summary(gettext, ngettext),
                                       "advice": outcome.render_advice(gettext, ngettext)}
            if data["unmeasured"]:
                data["unmeasured"]["translated"] = {
                    "language": language, "summary": render(report.unmeasured["message"], gettext, ngettext)}
        out.append(data)
    return json.dumps(out, indent=2, ensure_ascii=False)


VERDICT_MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "n/a": "n/a"}


def format_table(reports: list[TargetReport], advice: bool = True, gettext: Gettext | None = None,
                 ngettext: Ngettext | None = None, software: str | None = None) -> str:
    """A readable table: per target, one line per check (verdict, id, summary), and the advice under
    every check that did not pass (with `software`, the fix for it as well). A zone that could not be
    measured at all gets one line that says why."""
    from .fixes import chosen_software, describe_choice, format_fix, outcome_fixes

    lines: list[str] = []
    width = max((len(c.id) for r in reports for c in r.checks), default=10)
    for report in reports:
        counts: dict[str, int] = {}
        for result in report.checks:
            counts[result.verdict] = counts.get(result.verdict, 0) + 1
        tally = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        lines.append(f"{report.target}  ({report.checked_at}, {report.duration_ms} ms; {tally})")
        chosen, source = chosen_software(software, report.software)
        if advice and chosen:
            lines.append(f"  {describe_choice(chosen, source, report.software, gettext)}")
        if report.unmeasured and report.checks:
            lines.append(f"  {VERDICT_MARKS['error']:<5}  {render(report.unmeasured['message'], gettext, ngettext)}")
            if advice:
                lines.append(f"  {'':<5}  -> {report.checks[0].render_advice(gettext, ngettext)}")
            lines.append("")
            continue
        for result in report.checks:
            lines.append(f"  {VERDICT_MARKS.get(result.verdict, result.verdict):<5}  {result.id:<{width}}  "
                         f"{result.render_summary(gettext, ngettext)}")
            if advice and result.verdict not in ("pass", "n/a"):
                lines.append(f"  {'':<5}  {'':<{width}}  -> {result.render_advice(gettext, ngettext)}")
                for fix in outcome_fixes(result, chosen, zone_of(report), gettext):
                    lines += format_fix(fix, gettext, f"  {'':<5}  {'':<{width}}     ")
        lines.append("")
    return "\n".join(lines)
