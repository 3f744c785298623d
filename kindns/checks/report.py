"""Results as callers see them: one CheckOutcome per check (the registry stores each as a CheckResult
row), one TargetReport per zone or resolver, and the two ways the command line prints them (a table, JSON)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class CheckOutcome:
    """The verdict of one check on one target, with its evidence and what to do about it."""

    id: str
    verdict: str                 # pass, warn, fail, error or n/a
    practices: list[str]
    summary: str
    evidence: list[dict]
    advice: str                  # what to change, and a dig command that reproduces the finding

    def to_dict(self) -> dict:
        return {"id": self.id, "verdict": self.verdict, "practices": list(self.practices),
                "summary": self.summary, "evidence": self.evidence, "advice": self.advice}


@dataclass
class TargetReport:
    """Every check on one zone or resolver address."""

    target: str
    checked_at: str              # ISO 8601, UTC
    duration_ms: int
    checks: list[CheckOutcome] = field(default_factory=list)
    # What was collected, as JSON-safe data (serialise.snapshot_to_dict): store it with the run and
    # `rejudge` it later without asking the servers again. Not part of to_dict(), which is what people read.
    snapshot: dict | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"target": self.target, "checked_at": self.checked_at, "duration_ms": self.duration_ms,
                "checks": [c.to_dict() for c in self.checks]}

    def verdict(self, check_id: str) -> str:
        """The verdict of one check (KeyError if the report has no such check)."""
        for result in self.checks:
            if result.id == check_id:
                return result.verdict
        raise KeyError(check_id)

    def result(self, check_id: str) -> CheckOutcome:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)


def format_json(reports: list[TargetReport]) -> str:
    """The reports as a JSON array, one object per target."""
    return json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False)


VERDICT_MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "n/a": "n/a"}


def format_table(reports: list[TargetReport], advice: bool = True) -> str:
    """A readable table: per target, one line per check (verdict, id, summary), and the advice under
    every check that did not pass."""
    lines: list[str] = []
    width = max((len(c.id) for r in reports for c in r.checks), default=10)
    for report in reports:
        counts: dict[str, int] = {}
        for result in report.checks:
            counts[result.verdict] = counts.get(result.verdict, 0) + 1
        tally = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        lines.append(f"{report.target}  ({report.checked_at}, {report.duration_ms} ms; {tally})")
        for result in report.checks:
            lines.append(f"  {VERDICT_MARKS.get(result.verdict, result.verdict):<5}  {result.id:<{width}}  "
                         f"{result.summary}")
            if advice and result.verdict not in ("pass", "n/a"):
                lines.append(f"  {'':<5}  {'':<{width}}  -> {result.advice}")
        lines.append("")
    return "\n".join(lines)
