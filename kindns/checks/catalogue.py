"""The catalogue of checks: each check is a small judging function registered by `@check`.

A judge reads a snapshot and returns findings (a code with its arguments: a message, see messages.py;
the probes that show it). The decorator records the check's id, practices, title, why it matters,
references and the advice for each code it may emit, and fills ZONE_CHECKS or RESOLVER_CHECKS; nothing
else lists the checks. Titles, explanations and advice are English templates marked for the catalogue
(`N_`), translated when shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .messages import ADVICE, msg
from .policy import PASS, combine, verdict_for
from .query import Probe
from .report import SUMMARY_LIMIT, CheckOutcome


@dataclass(frozen=True)
class Finding:
    """One thing a judge found: a code (its policy verdict and its message template), the message's
    arguments, the probes that show it, extra evidence, and, when the first probe's own question is not
    the one that shows the fault best, the dig command that does."""

    code: str
    args: dict[str, Any] = field(default_factory=dict)
    probes: tuple[Probe, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)   # extra evidence (e.g. the AS numbers seen)
    command: str = ""

    @property
    def message(self) -> dict:
        return msg(self.code, **self.args)

    def dig(self) -> str:
        """The command that shows this finding: its own, else its first probe's question."""
        return self.command or (self.probes[0].dig() if self.probes else "")


@dataclass(frozen=True)
class CheckSpec:
    """A registered check."""

    id: str
    practices: tuple[str, ...]
    title: str                      # a few words: what passes ("Signatures are valid")
    why: str                        # why it matters, in a paragraph
    passes_when: str                # what is measured and when it passes, in a sentence
    references: tuple[str, ...]
    advice: dict[str, str]          # finding code -> what to change (every code the check may emit)
    judge: Callable[[Any], list[Finding]]
    target: str                     # "zone" or "resolver"

    @property
    def codes(self) -> tuple[str, ...]:
        """Every finding code the check may emit."""
        return tuple(self.advice)

    def run(self, snapshot: Any) -> CheckOutcome:
        """Judge a snapshot into a CheckOutcome with verdict, findings, evidence, advice and a command."""
        findings = self.judge(snapshot)
        for finding in findings:
            if finding.code not in self.advice:
                raise KeyError(f"check {self.id} emitted {finding.code}, which it does not declare")
        verdicts = [verdict_for(f.code) for f in findings]
        verdict = combine(verdicts)
        decisive = [f for f, v in zip(findings, verdicts) if v == verdict]
        shown: dict[str, dict] = {}
        for finding in decisive:
            message = finding.message
            shown.setdefault(_key(message), {**message, "verdict": verdict})
        unique = list(shown.values())
        evidence = [{"finding": f.code, "verdict": level, "message": f.message,
                     "probes": [p.to_evidence() for p in f.probes], **f.data}
                    for f, level in zip(findings, verdicts)]
        return CheckOutcome(
            id=self.id, verdict=verdict, practices=list(self.practices), title=self.title,
            findings=unique[:SUMMARY_LIMIT], more=max(0, len(unique) - SUMMARY_LIMIT),
            advice_codes=_advice_codes(decisive),
            references=list(self.references), command=_command(decisive, findings, verdict), evidence=evidence)


def _key(message: dict) -> str:
    return repr(message)


def _advice_codes(decisive: list[Finding]) -> list[str]:
    """The decisive findings' codes, one per distinct advice, in order."""
    seen: dict[str, str] = {}
    for finding in decisive:
        seen.setdefault(ADVICE[finding.code], finding.code)
    return list(seen.values())


def _command(decisive: list[Finding], findings: list[Finding], verdict: str) -> dict | None:
    """The dig command that shows the verdict: a decisive finding's, else any finding's."""
    text = next((f.dig() for f in decisive if f.dig()), "") or next((f.dig() for f in findings if f.dig()), "")
    if not text:
        return None
    return {"kind": "check-again" if verdict == PASS else "reproduce", "text": text}


ZONE_CHECKS: dict[str, CheckSpec] = {}
RESOLVER_CHECKS: dict[str, CheckSpec] = {}


def check(*, id: str, practices: tuple[str, ...], title: str, why: str, passes_when: str,
          advice: dict[str, str], references: tuple[str, ...] = (), target: str = "zone") -> Callable:
    """Register the decorated judge as a check of zones (default) or resolvers."""
    registry = {"zone": ZONE_CHECKS, "resolver": RESOLVER_CHECKS}[target]

    def register(judge: Callable[[Any], list[Finding]]) -> Callable[[Any], list[Finding]]:
        if id in registry:
            raise ValueError(f"duplicate check id {id}")
        for code, text in advice.items():
            if ADVICE.setdefault(code, text) != text:
                raise ValueError(f"check {id} gives {code} other advice than another check does")
        registry[id] = CheckSpec(id, tuple(practices), title, why, passes_when, tuple(references), dict(advice),
                                 judge, target)
        return judge

    return register

