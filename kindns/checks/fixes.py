"""Fix-it advice for the software that serves a zone or a resolver: for a finding code and a software, the
configuration change as data (which file, which block, which statements), the commands that apply it, and
how sure the registry is that it works (proven on a live server by the tests, syntax-checked, or neither).

    fix = fix_for("AXFR_ALLOWED", "bind")
    fix.config({"zone": "example.org"})     # named.conf text to add or replace
    fix.apply                                # ("rndc reconfig",)
    fix.parent_ds                            # a command printing the DS records to give the parent, if any

A fix is declarative: `changes` say, per block of the configuration, which statements to set (every
statement of that name in that block is replaced by the values given, unless `add` asks to keep the others).
The tests apply them mechanically to a server's configuration, reload it with `apply` and check again
(tests/checks/test_fix_proofs.py); the same `render_blocks` writes what the operator reads and what the
tests run. Placeholders (`${zone}`, `${secondaries}`...) are filled from the report (the zone's name) and
otherwise from PLACEHOLDERS, documentation values the prose tells the operator to replace.

The prose is an English template marked for the catalogue (`N_`), translated when shown; configuration
lines and commands are not words and are never translated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from string import Template
from typing import Any, Iterable

from .messages import N_, Gettext

# -- the software an operator may run ----------------------------------------------------------------------

SOFTWARE: dict[str, str] = {
    "bind": N_("BIND 9"),
    "knot": N_("Knot DNS"),
    "nsd": N_("NSD"),
    "powerdns": N_("PowerDNS Authoritative"),
    "unbound": N_("Unbound"),
    "powerdns-recursor": N_("PowerDNS Recursor"),
    "knot-resolver": N_("Knot Resolver"),
    "windows": N_("Windows DNS"),
    "other": N_("Other or unknown"),
}
# Which software serves which kind of target (the forms offer these; "other" gets the generic advice).
AUTHORITATIVE = ("bind", "knot", "nsd", "powerdns", "windows", "other")
RESOLVING = ("bind", "unbound", "powerdns-recursor", "knot-resolver", "windows", "other")

# How sure the registry is that a fix works.
LIVE = "live"          # a test applies it to a real server that fails the check and sees the check pass
SYNTAX = "syntax"      # the software's own configuration checker accepts it; not proven on a live server
UNPROVEN = "none"      # no checker for it on Debian: written from the software's documentation

PROOF_TEXT: dict[str, str] = {
    LIVE: N_("Proven: our tests apply this change to a live server that fails the check, and the check then "
             "passes."),
    SYNTAX: N_("Not proven on a live server: the software's own configuration checker accepts this change."),
    UNPROVEN: N_("Not proven on a live server and not syntax-checked: written from the software's "
                 "documentation."),
}

# How sure the engine is of the software the servers say they run (identify.py), and how a report says it.
CONFIDENCE: dict[str, str] = {"high": N_("every server says so"), "medium": N_("most servers say so"),
                              "low": N_("the servers do not say")}
# The servers hide their version, but their answers are that software's own (identify.behaves_like).
BY_BEHAVIOUR = N_("not in words: their answers behave like it")
ADVICE_FOR_ASKED = N_("Fix-it advice for %(software)s, as asked.")
ADVICE_FOR_SEEN = N_("Fix-it advice for %(software)s, which its servers say they run (%(how)s).")


def chosen_software(asked: str | None, identity: dict | None) -> tuple[str | None, str]:
    """The software the advice is for: the one asked for (declared) wins; else the one the servers name,
    when they do. Returns (software or None, "asked", "seen" or "")."""
    if asked:
        return (asked if asked != "other" else None), "asked"
    seen = (identity or {}).get("software")
    if seen in SOFTWARE and (identity or {}).get("confidence") in ("high", "medium"):
        return seen, "seen"
    return None, ""


def how_sure(identity: dict | None) -> str:
    """How sure the servers' own word (or behaviour) makes the software, as an English template."""
    if (identity or {}).get("basis") == "behaviour":
        return BY_BEHAVIOUR
    return CONFIDENCE.get((identity or {}).get("confidence", ""), CONFIDENCE["low"])


def describe_choice(software: str | None, source: str, identity: dict | None,
                    gettext: Gettext | None = None) -> str:
    """One line saying which software the advice is for and why ("" for none)."""
    if not software:
        return ""
    translate = gettext or (lambda text: text)
    name = translate(SOFTWARE[software])
    if source == "seen":
        how = translate(how_sure(identity))
        return translate(ADVICE_FOR_SEEN) % {"software": name, "how": how}
    return translate(ADVICE_FOR_ASKED) % {"software": name}


# Values the advice uses where the operator's own go; the prose says which to replace.
PLACEHOLDERS: dict[str, str] = {
    "zone": "example.org",
    "secondaries": "192.0.2.53",          # RFC 5737 documentation address: the operator's secondary
    "clients": "192.0.2.0/24",            # the operator's client networks
    "policy": "kindns",
    "root_key": "/var/lib/unbound/root.key",
    "tls_key": "/etc/ssl/private/dns.key",
    "tls_cert": "/etc/ssl/certs/dns.pem",
    "address": "0.0.0.0",                 # the address Unbound listens on for DNS over TLS
    "listen": "any",                      # the addresses BIND listens on for DNS over TLS
    "primary": "127.0.0.1",               # the zone's primary server, asked from itself for its keys
    "parent_ns": "198.51.100.53",         # RFC 5737 documentation address: a server of the parent zone
}


def _placeholders(context: dict[str, Any] | None) -> dict[str, str]:
    """The report's own values (the zone's name) over the documentation values."""
    return {**PLACEHOLDERS, **{k: str(v) for k, v in (context or {}).items() if v}}


# -- configuration as data -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """Set statement `name` to `values` (one statement per value) in `block` (and its `item`, for blocks
    that come in several: BIND's zone "x" or dnssec-policy "x", Knot's list sections, NSD's zone). Every
    existing statement of that name there is replaced, unless `add`, which keeps them and adds the values
    not already present."""

    block: str
    name: str
    values: tuple[str, ...]
    item: str = ""
    add: bool = False

    def filled(self, context: dict[str, str]) -> "Change":
        return Change(self.block, self.name, tuple(Template(v).safe_substitute(context) for v in self.values),
                      Template(self.item).safe_substitute(context), self.add)

    def to_dict(self) -> dict:
        return {"block": self.block, "item": self.item, "name": self.name, "values": list(self.values),
                "add": self.add}


@dataclass
class Block:
    """One block of a configuration file: its statements in order, (name, value) pairs."""

    block: str
    item: str = ""
    statements: list[tuple[str, str]] = field(default_factory=list)

    def apply(self, change: Change) -> None:
        """Set (or, with `add`, add) the change's statements, where the first one of that name stood."""
        if change.add:
            for value in change.values:
                if (change.name, value) not in self.statements:
                    self.statements.append((change.name, value))
            return
        kept = [(n, v) for n, v in self.statements if n != change.name]
        # No statement of that name stands before its first one, so its index is the same in `kept`.
        at = next((i for i, (n, _v) in enumerate(self.statements) if n == change.name), len(kept))
        self.statements = kept[:at] + [(change.name, v) for v in change.values] + kept[at:]


def apply_changes(blocks: list[Block], changes: Iterable[Change]) -> list[Block]:
    """`blocks` with `changes` applied (blocks that do not exist yet are added at the end)."""
    for change in changes:
        block = next((b for b in blocks if b.block == change.block and b.item == change.item), None)
        if block is None:
            block = Block(change.block, change.item)
            blocks.append(block)
        block.apply(change)
    return blocks


def changes_as_blocks(changes: Iterable[Change]) -> list[Block]:
    return apply_changes([], changes)


# What names an item of a Knot list section (`- domain: x`, `- target: x`; `- id: x` for the others). BIND
# names its items in the block's head (`zone "x" {`), NSD in the clause's first line (`name: x`).
_KNOT_ITEM_KEY = {"zone": "domain", "log": "target"}


def render_blocks(syntax: str, blocks: list[Block]) -> str:
    """A configuration file (or the part of one a fix changes) in the software's own syntax."""
    return {"bind": _render_bind, "knot": _render_knot, "unbound": _render_colon, "nsd": _render_colon,
            "ini": _render_ini, "lines": _render_lines}[syntax](blocks)


def _render_bind(blocks: list[Block]) -> str:
    out = []
    for block in blocks:
        if not block.block:  # top-level statements
            out += [f"{name} {value};" if value else f"{name};" for name, value in block.statements]
            continue
        head = f'{block.block} "{block.item}"' if block.item else block.block
        out.append(head + " {")
        out += [f"    {name} {value};" if value else f"    {name};" for name, value in block.statements]
        out.append("};")
    return "\n".join(out) + "\n"


# Knot reads its sections in order and a reference (a zone's acl, its policy) must name something defined
# above it: sections are written in this order whatever order the changes came in.
_KNOT_ORDER = ("server", "log", "control", "database", "key", "remote", "acl", "submission", "policy", "template",
               "zone")


def _render_knot(blocks: list[Block]) -> str:
    out: list[str] = []
    sections: dict[str, list[Block]] = {}
    for block in sorted(blocks, key=lambda b: _KNOT_ORDER.index(b.block) if b.block in _KNOT_ORDER else 99):
        sections.setdefault(block.block, []).append(block)
    for section, items in sections.items():
        out.append(f"{section}:")
        for block in items:
            if block.item:
                out.append(f"  - {_KNOT_ITEM_KEY.get(section, 'id')}: {block.item}")
            out += [f"    {name}: {value}" for name, value in block.statements]
    return "\n".join(out) + "\n"


def _render_colon(blocks: list[Block]) -> str:
    """Unbound's and NSD's clauses: `server:` then `name: value` lines (NSD's zone clause starts with its name)."""
    out: list[str] = []
    for block in blocks:
        out.append(f"{block.block}:")
        if block.item:
            out.append(f"    name: {block.item}")
        out += [f"    {name}: {value}" for name, value in block.statements]
    return "\n".join(out) + "\n"


def _render_ini(blocks: list[Block]) -> str:
    """pdns.conf and recursor.conf: `name=value` lines."""
    return "\n".join(f"{name}={value}" for block in blocks for name, value in block.statements) + "\n"


def _render_lines(blocks: list[Block]) -> str:
    """Knot Resolver's Lua and Windows' PowerShell: each value is a line of its own."""
    return "\n".join(value for block in blocks for _name, value in block.statements) + "\n"


# -- the fixes -------------------------------------------------------------------------------------------------

# When the operator gives the parent the DS records a fix's parent_ds commands print (a label above them).
DS_ONCE_SIGNED = N_("Once the zone is signed (a few seconds later), give the parent zone (through your registrar) "
                    "the DS record this prints:")
DS_IN_ROLLOVER = N_("When this prints a record of the new algorithm (a day or more later), give the parent zone "
                    "(through your registrar) exactly these DS records, in place of the old ones:")


@dataclass(frozen=True)
class Fix:
    """What to change on one software for one finding code."""

    codes: tuple[str, ...]
    software: str
    text: str                       # English template (N_): what to do, and which placeholder to replace
    file: str = ""                  # the configuration file (Debian's path)
    syntax: str = ""                # how `changes` are written: bind, knot, unbound, nsd, ini, lines
    changes: tuple[Change, ...] = ()
    apply: tuple[str, ...] = ()     # commands that make the running server use the change
    proof: str = UNPROVEN
    # A signed zone's chain of trust ends at the parent: commands printing the DS records the operator gives
    # the parent zone (through the registrar), and when to give them.
    parent_ds: tuple[str, ...] = ()
    parent_when: str = DS_ONCE_SIGNED

    def filled_commands(self, commands: Iterable[str], context: dict[str, Any] | None = None) -> list[str]:
        values = _placeholders(context)
        return [Template(command).safe_substitute(values) for command in commands]

    def filled_changes(self, context: dict[str, Any] | None = None) -> tuple[Change, ...]:
        values = _placeholders(context)
        return tuple(change.filled(values) for change in self.changes)

    def config(self, context: dict[str, Any] | None = None) -> str:
        """The configuration text to put in `file` (empty for a fix without a configuration change)."""
        if not self.changes:
            return ""
        return render_blocks(self.syntax, changes_as_blocks(self.filled_changes(context)))

    def to_dict(self, context: dict[str, Any] | None = None, gettext: Gettext | None = None,
                verify: str = "") -> dict:
        translate = gettext or (lambda text: text)
        return {
            "software": self.software, "software_name": translate(SOFTWARE[self.software]),
            "text": translate(self.text), "file": self.file, "syntax": self.syntax,
            "config": self.config(context), "changes": [c.to_dict() for c in self.filled_changes(context)],
            "apply": list(self.apply), "parent_ds": self.filled_commands(self.parent_ds, context),
            "parent_when": translate(self.parent_when) if self.parent_ds else "",
            "verify": verify, "proof": self.proof,
            "proof_text": translate(PROOF_TEXT[self.proof]),
        }


BIND_CONF = "/etc/bind/named.conf.options"
BIND_ZONES = "/etc/bind/named.conf.local"
BIND_BOTH = "/etc/bind/named.conf"  # options and a zone's own statement: named.conf and the files it includes
KNOT_CONF = "/etc/knot/knot.conf"
UNBOUND_CONF = "/etc/unbound/unbound.conf.d/kindns.conf"
NSD_CONF = "/etc/nsd/nsd.conf"
PDNS_CONF = "/etc/powerdns/pdns.conf"
RECURSOR_CONF = "/etc/powerdns/recursor.conf"
KRESD_CONF = "/etc/knot-resolver/kresd.conf"

RNDC = ("rndc reconfig",)
# What a registrar asks for: the DS of the zone's key-signing key, from the keys the server now serves.
BIND_DS = ("dig @${primary} +norecurse +noall +answer ${zone} DNSKEY | dnssec-dsfromkey -2 -f - ${zone}",)
KNOT_DS = ("keymgr ${zone} ds",)
# During a rollover: the DS records the parent should now hold, as the zone itself publishes them (CDS).
CDS = ("dig @${primary} +norecurse +noall +answer ${zone} CDS",)
RNDC_FLUSH = ("rndc reconfig", "rndc flush")  # a resolver's cache keeps what it learnt the old way
KNOTC = ("knotc reload",)
UNBOUND_RELOAD = ("unbound-control reload",)
UNBOUND_RESTART = ("systemctl restart unbound",)  # a reload opens no new port (DNS over TLS)
NSD_RELOAD = ("nsd-control reconfig",)
PDNS_RESTART = ("systemctl restart pdns",)
RECURSOR_RESTART = ("systemctl restart pdns-recursor",)
KRESD_RESTART = ("systemctl restart kresd@1",)

AXFR = ("AXFR_ALLOWED",)
RECURSION = ("RECURSION_AVAILABLE", "RECURSIVE_ANSWER")
NSEC3 = ("NSEC3_ITERATIONS", "NSEC3_SALT")
SIGNING = ("NOT_SIGNED", "NO_DNSKEY", "NO_RRSIG")
ALGORITHM = ("ALGORITHM_DEPRECATED", "ALGORITHM_DISCOURAGED", "ALGORITHM_UNKNOWN")
RESIGNING = ("SIGNATURE_EXPIRING", "SIGNATURE_EXPIRED")
NO_TCP = ("NO_TCP",)
VALIDATION = ("BOGUS_ACCEPTED", "NO_AD_BIT")
QNAME_MIN = ("NOT_MINIMISING",)
OPEN_RESOLVER = ("OPEN_TO_US",)
ENCRYPTED = ("NO_ENCRYPTED_TRANSPORT", "NO_ENCRYPTED_TRANSPORT_RECOMMENDED")

BIND_SIGNING = (Change("zone", "dnssec-policy", ("default",), item="${zone}"),
                Change("zone", "inline-signing", ("yes",), item="${zone}"))
BIND_PARENT_WATCH = Change("zone", "parental-agents", ("{ ${parent_ns}; }",), item="${zone}")
KNOT_PARENT_WATCH = (Change("remote", "address", ("${parent_ns}",), item="parent"),
                     Change("submission", "parent", ("[ parent ]",), item="parent-ds"),
                     Change("policy", "ksk-submission", ("parent-ds",), item="${policy}"))
KNOT_SIGNING = (Change("policy", "algorithm", ("ecdsap256sha256",), item="${policy}"),
                Change("zone", "dnssec-signing", ("on",), item="${zone}"),
                Change("zone", "dnssec-policy", ("${policy}",), item="${zone}"))

FIXES: list[Fix] = [
    # -- zone transfers ------------------------------------------------------------------------------------
    Fix(AXFR, "bind", N_("Refuse zone transfers by default and allow them, in the zone's own statement, only to "
                         "your secondaries: replace 192.0.2.53 with their addresses (better, a TSIG key: key "
                         "\"name\";)."),
        BIND_BOTH, "bind",
        (Change("options", "allow-transfer", ("{ none; }",)),
         Change("zone", "allow-transfer", ("{ ${secondaries}; }",), item="${zone}")),
        RNDC, LIVE),
    Fix(AXFR, "knot", N_("Give the zone an acl that allows transfers only to your secondaries: replace 192.0.2.53 "
                         "with their addresses (better, add a TSIG key to the acl)."),
        KNOT_CONF, "knot",
        (Change("acl", "address", ("${secondaries}",), item="secondaries"),
         Change("acl", "action", ("transfer",), item="secondaries"),
         Change("zone", "acl", ("[ secondaries ]",), item="${zone}")),
        KNOTC, LIVE),
    Fix(AXFR, "nsd", N_("Allow transfers of the zone only to your secondaries: replace 192.0.2.53 with their "
                        "addresses (better, a TSIG key name instead of NOKEY) and remove any provide-xfr for "
                        "0.0.0.0/0."),
        NSD_CONF, "nsd",
        (Change("zone", "provide-xfr", ("${secondaries} NOKEY",), item="${zone}"),),
        NSD_RELOAD, SYNTAX),
    Fix(AXFR, "powerdns", N_("Allow AXFR only to your secondaries: replace 192.0.2.53 with their addresses."),
        PDNS_CONF, "ini",
        (Change("", "allow-axfr-ips", ("${secondaries}",)), Change("", "disable-axfr", ("no",))),
        PDNS_RESTART, SYNTAX),
    Fix(AXFR, "windows", N_("Allow zone transfers only to the servers listed on the zone's Name Servers tab "
                            "(or none), in PowerShell:"),
        "", "lines",
        (Change("", "powershell", ("Set-DnsServerPrimaryZone -Name \"${zone}\" -SecureSecondaries "
                                   "TransferToZoneNameServer",)),),
        (), UNPROVEN),

    # -- recursion on authoritative servers --------------------------------------------------------------------
    Fix(RECURSION, "bind", N_("Turn recursion off on the authoritative server, and run your resolvers on other "
                              "addresses."),
        BIND_CONF, "bind", (Change("options", "recursion", ("no",)),), RNDC, LIVE),
    Fix(RECURSION, "knot", N_("Knot DNS never resolves names for others: the recursive answers come from another "
                              "server on that address (a resolver sharing it, or a load balancer). Move the "
                              "resolver to an address of its own."),
        proof=UNPROVEN),
    Fix(RECURSION, "nsd", N_("NSD never resolves names for others: the recursive answers come from another server "
                             "on that address. Move the resolver to an address of its own."), proof=UNPROVEN),
    Fix(RECURSION, "powerdns", N_("PowerDNS Authoritative has not resolved names for others since version 4.1: "
                                  "the recursive answers come from another server on that address (a recursor "
                                  "or dnsdist in front of it, or an older version's recursor setting). Move the "
                                  "resolver to an address of its own."), proof=UNPROVEN),
    Fix(RECURSION, "windows", N_("Turn recursion off on the authoritative server, in PowerShell:"), "", "lines",
        (Change("", "powershell", ("Set-DnsServerRecursion -Enable $$false",)),), (), UNPROVEN),

    # -- signing and automatic re-signing -------------------------------------------------------------------------
    Fix(SIGNING, "bind", N_("Let BIND sign the zone and re-sign it automatically with an allowed algorithm "
                            "(the default policy: ECDSAP256SHA256), then publish its DS record at the parent."),
        BIND_ZONES, "bind", BIND_SIGNING, RNDC, LIVE, BIND_DS),
    Fix(SIGNING, "knot", N_("Let Knot sign the zone and re-sign it automatically with an allowed algorithm "
                            "(ECDSAP256SHA256), then publish its DS record at the parent."),
        KNOT_CONF, "knot", KNOT_SIGNING, KNOTC, LIVE, KNOT_DS),
    # An algorithm rollover keeps the zone valid throughout by waiting out TTLs and safety margins: days with
    # these policies. The server says when the parent may take the new DS by publishing it as CDS (RFC 7344),
    # and learns that the parent has it by asking the parent's server itself.
    Fix(ALGORITHM, "bind", N_("Move the zone to an allowed algorithm (the default policy: ECDSAP256SHA256) and "
                              "let BIND ask a server of the parent zone (replace 198.51.100.53 with its address) "
                              "for the zone's DS records. BIND rolls the keys over by itself, signing with both "
                              "algorithms first, publishes the new DS as a CDS record when the parent may take "
                              "it, and retires the old keys once the parent serves the new DS."),
        BIND_ZONES, "bind", BIND_SIGNING + (BIND_PARENT_WATCH,), RNDC, LIVE, CDS, DS_IN_ROLLOVER),
    Fix(ALGORITHM, "knot", N_("Move the zone's policy to an allowed algorithm (ECDSAP256SHA256) and let Knot ask "
                              "a server of the parent zone (replace 198.51.100.53 with its address) for the zone's "
                              "DS records. Knot rolls the keys over by itself, signing with both algorithms "
                              "first, publishes the new DS as a CDS record when the parent may take it, and "
                              "retires the old keys once the parent serves the new DS."),
        KNOT_CONF, "knot", KNOT_SIGNING + KNOT_PARENT_WATCH, KNOTC, LIVE, CDS, DS_IN_ROLLOVER),
    Fix(RESIGNING, "bind", N_("Let BIND re-sign the zone automatically: the default policy keeps every signature "
                              "valid for two weeks and renews it five days before it ends."),
        BIND_ZONES, "bind", BIND_SIGNING, RNDC, LIVE),
    Fix(RESIGNING, "knot", N_("Let Knot re-sign the zone automatically, with signatures valid for two weeks and "
                              "renewed a week before they end."),
        KNOT_CONF, "knot",
        (Change("policy", "rrsig-lifetime", ("14d",), item="${policy}"),
         Change("policy", "rrsig-refresh", ("7d",), item="${policy}"),
         Change("zone", "dnssec-signing", ("on",), item="${zone}"),
         Change("zone", "dnssec-policy", ("${policy}",), item="${zone}")),
        KNOTC, LIVE),
    Fix(RESIGNING, "powerdns", N_("PowerDNS signs answers as it serves them and re-signs by itself: make sure the "
                                  "zone is secured and that every secondary transfers it."), "", "lines",
        (Change("", "command", ("pdnsutil show-zone ${zone}", "pdnsutil rectify-zone ${zone}")),), (), UNPROVEN),
    Fix(RESIGNING, "nsd", N_("NSD serves the zone as it was signed: the signer (a hidden primary) must re-sign "
                             "it automatically and notify NSD, which transfers it."), proof=UNPROVEN),
    Fix(SIGNING + ALGORITHM, "powerdns", N_("Sign the zone with an allowed algorithm (PowerDNS re-signs it automatically), "
                                "then publish the DS record at the parent:"),
        "", "lines",
        (Change("", "command", ("pdnsutil secure-zone ${zone}", "pdnsutil rectify-zone ${zone}",
                                "pdnsutil show-zone ${zone}")),), (), UNPROVEN),
    Fix(SIGNING + ALGORITHM, "nsd", N_("NSD serves zones signed elsewhere: sign the zone on a signer that re-signs "
                           "automatically (BIND or Knot as a hidden primary, or OpenDNSSEC) with an allowed "
                           "algorithm, and let NSD transfer it."), proof=UNPROVEN),
    Fix(SIGNING + ALGORITHM, "windows", N_("Sign the zone with an allowed algorithm and automatic re-signing, in "
                               "PowerShell:"), "", "lines",
        (Change("", "powershell", ("Invoke-DnsServerZoneSign -ZoneName \"${zone}\" -SignWithDefault",)),),
        (), UNPROVEN),

    # -- NSEC3 parameters (RFC 9276) --------------------------------------------------------------------------
    Fix(NSEC3, "bind", N_("Use NSEC3 with no extra iterations and no salt (RFC 9276) in the zone's "
                          "dnssec-policy."),
        BIND_BOTH, "bind",
        (Change("dnssec-policy", "nsec3param", ("iterations 0 optout no salt-length 0",), item="${policy}"),),
        RNDC, LIVE),
    Fix(NSEC3, "knot", N_("Use NSEC3 with no extra iterations and no salt (RFC 9276) in the zone's policy."),
        KNOT_CONF, "knot",
        (Change("policy", "nsec3-iterations", ("0",), item="${policy}"),
         Change("policy", "nsec3-salt-length", ("0",), item="${policy}")),
        KNOTC, LIVE),
    Fix(NSEC3, "powerdns", N_("Use NSEC3 with no extra iterations and no salt (RFC 9276):"), "", "lines",
        (Change("", "command", ("pdnsutil set-nsec3 ${zone} '1 0 0 -'", "pdnsutil rectify-zone ${zone}")),),
        (), UNPROVEN),
    Fix(NSEC3, "windows", N_("Use NSEC3 with no extra iterations and no salt (RFC 9276), in PowerShell:"), "",
        "lines",
        (Change("", "powershell", ("Set-DnsServerDnsSecZoneSetting -ZoneName \"${zone}\" -NSec3Iterations 0 "
                                   "-NSec3RandomSaltLength 0",)),), (), UNPROVEN),

    # -- TCP --------------------------------------------------------------------------------------------------
    Fix(NO_TCP, "bind", N_("BIND answers over TCP on every address it listens on, as many clients at once as "
                           "tcp-clients allows: keep it at its default (150) or above, and let TCP port 53 "
                           "through the firewall in front of it."),
        BIND_CONF, "bind", (Change("options", "tcp-clients", ("150",)),), RNDC, SYNTAX),
    Fix(NO_TCP, "knot", N_("Knot DNS answers over TCP with its TCP workers: let TCP port 53 through the firewall "
                           "in front of it, and keep at least one TCP worker."),
        KNOT_CONF, "knot", (Change("server", "tcp-workers", ("2",)),), ("systemctl restart knot",), SYNTAX),
    Fix(NO_TCP, "nsd", N_("NSD answers over TCP on every address it listens on: let TCP port 53 through the "
                          "firewall in front of it, and keep TCP connections allowed."),
        NSD_CONF, "nsd", (Change("server", "tcp-count", ("100",)),), ("systemctl restart nsd",), SYNTAX),
    Fix(NO_TCP, "powerdns", N_("PowerDNS answers over TCP on every address it listens on: let TCP port 53 "
                               "through the firewall in front of it."), proof=UNPROVEN),
    Fix(NO_TCP, "windows", N_("Windows DNS answers over TCP: allow TCP port 53 in Windows Firewall, in "
                              "PowerShell:"), "", "lines",
        (Change("", "powershell", ("New-NetFirewallRule -DisplayName \"DNS TCP 53\" -Direction Inbound "
                                   "-Protocol TCP -LocalPort 53 -Action Allow",)),), (), UNPROVEN),

    # -- resolver DNSSEC validation ---------------------------------------------------------------------------
    Fix(VALIDATION, "bind", N_("Turn DNSSEC validation on, with the root's trust anchor kept up to date "
                               "(auto)."),
        BIND_CONF, "bind", (Change("options", "dnssec-validation", ("auto",)),), RNDC_FLUSH, LIVE),
    Fix(VALIDATION, "unbound", N_("Load the validator module with the root's trust anchor, kept up to date "
                                  "(RFC 5011); Debian's unbound-anchor fills that file."),
        UNBOUND_CONF, "unbound",
        (Change("server", "module-config", ('"validator iterator"',)),
         Change("server", "auto-trust-anchor-file", ('"${root_key}"',))),
        UNBOUND_RELOAD, LIVE),
    Fix(VALIDATION, "powerdns-recursor", N_("Turn DNSSEC validation on."), RECURSOR_CONF, "ini",
        (Change("", "dnssec", ("validate",)),), RECURSOR_RESTART, SYNTAX),
    Fix(VALIDATION, "knot-resolver", N_("Knot Resolver validates by default: remove the lines that turn it off "
                                        "(trust_anchors.remove('.') or a negative trust anchor on '.'), and "
                                        "keep the root's trust anchor managed:"), KRESD_CONF, "lines",
        (Change("", "lua", ("trust_anchors.add_file('/usr/share/dns/root.key')",)),), KRESD_RESTART, UNPROVEN),
    Fix(VALIDATION, "windows", N_("Turn DNSSEC validation on, in PowerShell:"), "", "lines",
        (Change("", "powershell", ("Set-DnsServerSetting -EnableDnsSec 1 -PassThru",)),), (), UNPROVEN),

    # -- QNAME minimisation ----------------------------------------------------------------------------------
    Fix(QNAME_MIN, "bind", N_("Turn QNAME minimisation on (relaxed falls back for servers that answer it "
                              "wrongly)."),
        BIND_CONF, "bind", (Change("options", "qname-minimization", ("relaxed",)),), RNDC_FLUSH, LIVE),
    Fix(QNAME_MIN, "unbound", N_("Turn QNAME minimisation on."), UNBOUND_CONF, "unbound",
        (Change("server", "qname-minimisation", ("yes",)),), UNBOUND_RELOAD, LIVE),
    Fix(QNAME_MIN, "powerdns-recursor", N_("Turn QNAME minimisation on."), RECURSOR_CONF, "ini",
        (Change("", "qname-minimization", ("yes",)),), RECURSOR_RESTART, SYNTAX),
    Fix(QNAME_MIN, "knot-resolver", N_("Knot Resolver minimises query names unless told not to: remove the "
                                       "NO_MINIMIZE option from kresd.conf:"), KRESD_CONF, "lines",
        (Change("", "lua", ("option('NO_MINIMIZE', false)",)),), KRESD_RESTART, UNPROVEN),

    # -- access control on a private or shared resolver -------------------------------------------------------
    Fix(OPEN_RESOLVER, "bind", N_("Resolve only for your own networks: replace 192.0.2.0/24 with them (add "
                                  "localhost; if the server itself uses the resolver)."),
        BIND_CONF, "bind",
        (Change("options", "allow-recursion", ("{ ${clients}; }",)),
         Change("options", "allow-query-cache", ("{ ${clients}; }",))),
        RNDC, LIVE),
    Fix(OPEN_RESOLVER, "unbound", N_("Refuse everyone but your own networks: replace 192.0.2.0/24 with them, "
                                     "and remove every other access-control line that allows more."),
        UNBOUND_CONF, "unbound",
        (Change("server", "access-control", ("0.0.0.0/0 refuse", "::0/0 refuse", "${clients} allow")),),
        UNBOUND_RELOAD, LIVE),
    Fix(OPEN_RESOLVER, "powerdns-recursor", N_("Resolve only for your own networks: replace 192.0.2.0/24 with "
                                               "them."), RECURSOR_CONF, "ini",
        (Change("", "allow-from", ("127.0.0.0/8, ::1/128, ${clients}",)),), RECURSOR_RESTART, SYNTAX),
    Fix(OPEN_RESOLVER, "knot-resolver", N_("Refuse everyone but your own networks: replace 192.0.2.0/24 with "
                                           "them."), KRESD_CONF, "lines",
        (Change("", "lua", ("modules.load('view')", "view:addr('127.0.0.0/8', policy.all(policy.PASS))",
                            "view:addr('${clients}', policy.all(policy.PASS))",
                            "view:addr('0.0.0.0/0', policy.all(policy.REFUSE))",
                            "view:addr('::/0', policy.all(policy.REFUSE))")),), KRESD_RESTART, UNPROVEN),
    Fix(OPEN_RESOLVER, "windows", N_("Answer recursive queries only from your own networks: a recursion scope "
                                     "and a query resolution policy, in PowerShell (replace 192.0.2.0/24):"),
        "", "lines",
        (Change("", "powershell", (
            "Set-DnsServerRecursionScope -Name . -EnableRecursion $$false",
            "Add-DnsServerRecursionScope -Name InternalClients -EnableRecursion $$true",
            "Add-DnsServerClientSubnet -Name Internal -IPv4Subnet ${clients}",
            "Add-DnsServerQueryResolutionPolicy -Name RecursionInternal -Action ALLOW -ApplyOnRecursion "
            "-RecursionScope InternalClients -ClientSubnet \"EQ,Internal\"")),), (), UNPROVEN),

    # -- DNS over TLS --------------------------------------------------------------------------------------
    Fix(ENCRYPTED, "bind", N_("Answer DNS over TLS on port 853 with a certificate clients can verify (from a "
                              "public CA, naming the resolver's address or host name): replace the key and "
                              "certificate paths with yours."),
        BIND_BOTH, "bind",
        (Change("tls", "key-file", ('"${tls_key}"',), item="dot"),
         Change("tls", "cert-file", ('"${tls_cert}"',), item="dot"),
         Change("options", "listen-on", ("port 853 tls dot { ${listen}; }",), add=True)),
        ("rndc reload",), LIVE),
    Fix(ENCRYPTED, "unbound", N_("Answer DNS over TLS on port 853 with a certificate clients can verify (from a "
                                 "public CA, naming the resolver's address or host name): replace 0.0.0.0 with "
                                 "the address to listen on and the paths with your key and certificate."),
        UNBOUND_CONF, "unbound",
        (Change("server", "interface", ("${address}@853",), add=True),
         Change("server", "tls-port", ("853",)),
         Change("server", "tls-service-key", ('"${tls_key}"',)),
         Change("server", "tls-service-pem", ('"${tls_cert}"',))),
        UNBOUND_RESTART, LIVE),
    Fix(ENCRYPTED, "powerdns-recursor", N_("PowerDNS Recursor answers DNS over TLS through dnsdist in front of "
                                           "it: a TLS listener on port 853 with a certificate clients can "
                                           "verify, in /etc/dnsdist/dnsdist.conf:"), "/etc/dnsdist/dnsdist.conf",
        "lines",
        (Change("", "lua", ("addTLSLocal('0.0.0.0:853', '${tls_cert}', '${tls_key}')",
                            "newServer({address='127.0.0.1:53'})")),), ("systemctl restart dnsdist",), UNPROVEN),
    Fix(ENCRYPTED, "knot-resolver", N_("Answer DNS over TLS on port 853 with a certificate clients can verify: "
                                       "replace the paths with your key and certificate."), KRESD_CONF, "lines",
        (Change("", "lua", ("net.listen('0.0.0.0', 853, { kind = 'tls' })",
                            "net.tls('${tls_cert}', '${tls_key}')")),), KRESD_RESTART, UNPROVEN),
]

_BY_KEY: dict[tuple[str, str], Fix] = {}
for _fix in FIXES:
    for _code in _fix.codes:
        if (_code, _fix.software) in _BY_KEY:
            raise ValueError(f"two fixes for {_code} on {_fix.software}")
        _BY_KEY[(_code, _fix.software)] = _fix


def fix_for(code: str, software: str) -> Fix | None:
    """The fix of a finding code on a software, or None (the generic advice then stands alone)."""
    return _BY_KEY.get((code, software))


def fixes_for(codes: Iterable[str], software: str) -> list[Fix]:
    """The fixes of the given finding codes on a software, each once, in order."""
    found: list[Fix] = []
    for code in codes:
        fix = fix_for(code, software)
        if fix is not None and fix not in found:
            found.append(fix)
    return found


def software_name(software: str, gettext: Gettext | None = None) -> str:
    name = SOFTWARE.get(software, SOFTWARE["other"])
    return gettext(name) if gettext else name


def fixes_data(codes: Iterable[str], verdict: str, software: str | None, zone: str = "", verify: str = "",
               gettext: Gettext | None = None) -> list[dict]:
    """The fixes for a result's advice codes on `software`, as data for a page, a mail, the CLI or the API;
    none for a check that passes or does not apply. `verify` is the result's own reproduce command."""
    if not software or verdict in ("pass", "n/a"):
        return []
    context = {"zone": zone} if zone else {}
    return [fix.to_dict(context, gettext, verify) for fix in fixes_for(codes, software)]


def outcome_fixes(outcome: Any, software: str | None, zone: str = "", gettext: Gettext | None = None) -> list[dict]:
    """`fixes_data` for an engine outcome (CheckOutcome)."""
    return fixes_data(outcome.advice_codes, outcome.verdict, software, zone,
                      (outcome.command or {}).get("text", ""), gettext)


def format_fix(fix: dict, gettext: Gettext | None = None, indent: str = "") -> list[str]:
    """A fix as plain-text lines (the CLI and mail): what to do, the configuration, the commands, the proof."""
    translate = gettext or (lambda text: text)
    # The templates are marked outside the f-strings: the catalogue's extractor does not look inside them.
    heading, in_file = N_("For %(software)s:"), N_("In %(file)s:")
    apply_with, check_with = N_("Then apply it with:"), N_("Check again with:")
    lines = [indent + translate(heading) % {"software": fix["software_name"]} + " " + fix["text"]]
    if fix["config"]:
        if fix["file"]:
            lines.append(indent + "  " + translate(in_file) % {"file": fix["file"]})
        lines += [f"{indent}    {line}" for line in fix["config"].rstrip("\n").split("\n")]
    if fix["apply"]:
        lines.append(f"{indent}  {translate(apply_with)} {'; '.join(fix['apply'])}")
    if fix["parent_ds"]:
        lines.append(f"{indent}  {fix['parent_when']} {'; '.join(fix['parent_ds'])}")
    if fix["verify"]:
        lines.append(f"{indent}  {translate(check_with)} {fix['verify']}")
    lines.append(f"{indent}  {fix['proof_text']}")
    return lines
