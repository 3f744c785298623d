"""What every message of the engine must be: known codes with the arguments their templates need, no English
in the arguments, and no word a reader sees that does not come from a template (the catalogue) or from raw
DNS data. Used by the engine's tests on every outcome they judge (conftest.py) and on the lab's reports."""
from __future__ import annotations

import re
from typing import Any

from kindns.checks.messages import is_message, problems, render

# Arguments that are text from outside: TXT records as a server sent them, English stored before messages.
RAW_TEXT_KEYS = {"texts", "text"}
# Arguments that hold DNS names, which may be a single lower-case label (a TLD: "test").
NAME_KEYS = {"zone", "name", "names", "owner", "parent", "signed", "bogus"}
A_WORD = re.compile(r"[a-z]+(-[a-z]+)*")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def english_in_args(message: Any, key: str = "") -> list[str]:
    """Argument values that look like English: text with spaces, a lone lower-case word, a boolean."""
    found: list[str] = []
    if is_message(message):
        if message["code"] == "untranslated":
            return found
        for name, value in (message.get("args") or {}).items():
            found += english_in_args(value, name)
    elif isinstance(message, (list, tuple)):
        for item in message:
            found += english_in_args(item, key)
    elif isinstance(message, bool):
        found.append(f"{key}={message!r} (a template cannot say yes or no)")
    elif isinstance(message, str) and key not in RAW_TEXT_KEYS:
        if re.search(r"\s", message) or (key not in NAME_KEYS and A_WORD.fullmatch(message)):
            found.append(f"{key}={message!r}")
    return found


def _pseudo(template: str) -> str:
    """A 'translation' with every letter of the template turned into x, placeholders kept."""
    parts = PLACEHOLDER.split(template)
    holders = PLACEHOLDER.findall(template)
    out = [re.sub(r"[A-Za-z]", "x", part) for part in parts]
    return "".join(piece for pair in zip(out, holders + [""]) for piece in pair)


def pseudo_gettext(template: str) -> str:
    return _pseudo(template)


def pseudo_ngettext(singular: str, plural: str, num: int) -> str:
    return _pseudo(singular if num == 1 else plural)


def raw_values(value: Any) -> list[str]:
    """Every leaf value of a message's arguments, as text."""
    if is_message(value):
        return [text for item in (value.get("args") or {}).values() for text in raw_values(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in raw_values(item)]
    return [] if value is None else [str(value)]


def words_outside_catalogue(text: str, raw: list[str]) -> str:
    """What is left of `text`, rendered in the pseudo language, once the raw values are taken out: letters
    other than x there came from somewhere else than a template."""
    for value in sorted(set(raw), key=len, reverse=True):
        if value:
            text = text.replace(value, "")
    return "".join(re.findall(r"[A-Za-wyz]+", text))


def message_faults(message: Any) -> list[str]:
    faults = problems(message) + english_in_args(message)
    leftover = words_outside_catalogue(render(message, pseudo_gettext, pseudo_ngettext), raw_values(message))
    if leftover:
        faults.append(f"words from outside the catalogue: {leftover!r}")
    return faults


def outcome_faults(outcome) -> list[str]:
    """Faults of an outcome's findings, evidence messages and rendered advice."""
    faults = []
    for message in [*outcome.findings, *(e["message"] for e in outcome.evidence)]:
        faults += [f"{outcome.id}: {message['code']}: {fault}" for fault in message_faults(
            {"code": message["code"], "args": message["args"]})]
    advice = outcome.render_advice(pseudo_gettext, pseudo_ngettext)
    raw = list(outcome.references) + ([outcome.command["text"]] if outcome.command else [])
    leftover = words_outside_catalogue(advice, raw)
    if leftover:
        faults.append(f"{outcome.id}: advice words from outside the catalogue: {leftover!r}")
    return faults
