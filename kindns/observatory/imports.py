"""Reading a campaign's upload: a list of zones (one a line, optionally followed by the operator's country) or a
zone file whose delegations (NS records below the apex) are the zones. Everything is read and checked before
anything is stored: one bad line and nothing is imported, and every bad line is reported by its number."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone
from flask_babel import gettext as _

from ..checks.names import InvalidName, normalise_zone_name
from ..regions import is_country

MAX_ZONES = 1_000_000
MAX_ERRORS_SHOWN = 50
# dnspython's syntax errors start with where they are: "<string>:12: ..." (the line number).
_WHERE = re.compile(r"^.*?:(\d+): ?")


@dataclass
class Upload:
    """The zones an upload names, in their order (name -> the operator's country, "" when unknown), and one
    message per bad line."""

    zones: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def fail(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(message)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.zones)

    def messages(self) -> list[str]:
        """The errors to show: the first ones, and how many more there are."""
        more = self.error_count - len(self.errors)
        return self.errors + ([_("… and %(n)d more bad lines.", n=more)] if more > 0 else [])


def namespace_of(text: str) -> str:
    """A namespace as typed (".py", "com.br.", "." for every zone) in its stored form ("py", "com.br", "")."""
    text = text.strip().strip(".").strip()
    if not text:
        return ""
    try:
        return normalise_zone_name(text)
    except InvalidName as exc:
        raise ValueError(_(exc.template, **exc.params)) from None


def _below(name: str, namespace: str) -> bool:
    return not namespace or name.endswith("." + namespace)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _add(upload: Upload, number: int, name: str, country: str, namespace: str, first_line: dict[str, int]) -> None:
    if not _below(name, namespace):
        upload.fail(_("line %(n)d: '%(name)s' is not below the namespace %(namespace)s.",
                      n=number, name=name, namespace=namespace or "."))
    elif name in first_line:
        upload.fail(_("line %(n)d: '%(name)s' repeats line %(first)d.", n=number, name=name, first=first_line[name]))
    elif len(upload.zones) >= MAX_ZONES:
        upload.fail(_("line %(n)d: a campaign measures at most %(max)d zones.", n=number, max=MAX_ZONES))
    else:
        first_line[name] = number
        upload.zones[name] = country


def read_zone_list(text: str, namespace: str) -> Upload:
    """Zones one a line: `zone` or `zone CC` (ISO 3166-1 country of its operator); empty lines and lines
    starting with # are skipped."""
    upload = Upload()
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.replace(",", " ").replace(";", " ").split()
        country = ""
        if len(words) == 2:
            country = words[1].upper()
            if not is_country(country):
                upload.fail(_("line %(n)d: '%(text)s' is not an ISO 3166 country code (two letters).",
                              n=number, text=_shorten(words[1])))
                continue
        elif len(words) > 2:
            upload.fail(_("line %(n)d: '%(text)s': write one zone a line, optionally followed by its "
                          "operator's country code.", n=number, text=_shorten(line)))
            continue
        try:
            name = normalise_zone_name(words[0])
        except InvalidName as exc:
            upload.fail(_("line %(n)d: '%(text)s': %(reason)s", n=number, text=_shorten(words[0]),
                          reason=_(exc.template, **exc.params)))
            continue
        _add(upload, number, name, country, namespace, first_line)
    if not upload.zones and not upload.error_count:
        upload.fail(_("The file names no zone."))
    return upload


def read_zone_file(text: str, namespace: str) -> Upload:
    """The delegations of a zone file of the namespace: every owner name below the apex with NS records.
    The parser stops at the first bad line, which is reported by its number."""
    upload = Upload()
    origin = dns.name.from_text(namespace or ".")
    try:
        zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    except dns.exception.DNSException as exc:
        detail = str(exc)
        where = _WHERE.match(detail)
        if where:
            upload.fail(_("line %(n)d: %(reason)s", n=int(where.group(1)), reason=detail[where.end():]))
        else:
            upload.fail(_("The zone file cannot be read: %(reason)s", reason=detail))
        return upload
    for owner, node in zone.nodes.items():
        if owner == origin or node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS) is None:
            continue
        try:
            name = normalise_zone_name(owner.to_text(omit_final_dot=True))
        except InvalidName as exc:
            upload.fail(_("'%(text)s': %(reason)s", text=_shorten(owner.to_text()),
                          reason=_(exc.template, **exc.params)))
            continue
        if len(upload.zones) >= MAX_ZONES:
            upload.fail(_("A campaign measures at most %(max)d zones.", max=MAX_ZONES))
            break
        upload.zones[name] = ""
    if not upload.zones and not upload.error_count:
        upload.fail(_("The zone file delegates no zone below %(namespace)s.", namespace=namespace or "."))
    return upload


def looks_like_zone_file(text: str) -> bool:
    """A zone file has a $ORIGIN/$TTL directive or an SOA record; a list of zones has neither."""
    head = text[:20000]
    return bool(re.search(r"^\s*\$(ORIGIN|TTL)\b", head, re.M | re.I) or re.search(r"\sSOA\s", head, re.I))


def read_upload(data: bytes, namespace: str) -> Upload:
    """Either kind of upload, told apart by its content."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        upload = Upload()
        upload.fail(_("The file is not UTF-8 text."))
        return upload
    return read_zone_file(text, namespace) if looks_like_zone_file(text) else read_zone_list(text, namespace)
