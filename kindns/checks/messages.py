"""The engine's words: every finding is a message, a code with named arguments, rendered at display time.

    message = msg("AXFR_ALLOWED", server=msg("server", name="ns1.example.org.", address="192.0.2.1"))
    render(message)                                    # English
    render(message, t.gettext, t.ngettext)             # in the language of a Babel Translations object

A message is JSON-safe data, `{"code": "<code>", "args": {...}}`; argument values are numbers, raw DNS
tokens (names, addresses, rcodes, flags, record types), lists of those, or nested messages (rendered
first). No English travels in the arguments: every word is in a template below, so that the catalogue
(`make messages`) can translate it. Finding codes (UPPER_SNAKE, one per verdict in policy.POLICY) name
what a check found; lower-case codes are the small vocabulary nested inside them (why a question got
no answer, why an address is not probed, why a signature does not verify...).

Templates use gettext's named placeholders (`%(name)s`); a template that counts something is a
plural pair whose count argument is `num`. `N_` and `NP_` mark them for extraction and do nothing else
(extract with the keywords `N_` and `NP_:1,2`).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple


class Plural(NamedTuple):
    """A template with a singular and a plural form, chosen by the message's `num` argument."""

    singular: str
    plural: str


def N_(text: str) -> str:
    """Mark a template for extraction; translated when rendered, not here."""
    return text


def NP_(singular: str, plural: str) -> Plural:
    """Mark a plural template (`num` counts) for extraction."""
    return Plural(singular, plural)


TEMPLATES: dict[str, str | Plural] = {
    # -- findings of the zone checks ---------------------------------------------------------------
    # a zone that cannot be measured at all
    "NO_DELEGATION": N_("not delegated: %(reason)s"),
    "PARENT_UNREACHABLE": N_("not measured: %(reason)s"),
    "NO_NAMESERVER_ADDRESS": N_("not measured: no nameserver of %(zone)s has an address to ask"),
    "NO_SERVER_ANSWERED": N_("not measured: no nameserver of %(zone)s answered any question (%(reasons)s)"),
    "NO_SERVER_PROBED": N_("not measured: no nameserver address of %(zone)s may be probed (%(reasons)s)"),
    "COLLECTION_INCOMPLETE": N_("not measured: %(reason)s"),
    # one server, one question
    "SERVER_NOT_MEASURED": N_("%(server)s: %(qtype)s not measured (%(reason)s)"),
    "SERVER_NOT_PROBED": N_("%(server)s: not measured: %(reason)s"),
    "NOT_AUTHORITATIVE": N_("%(server)s does not answer authoritatively (%(rcode)s); its answers are left out"),
    "NOT_HEARD": N_("judged on the nameservers that answered; left out: %(servers)s, which gave no answer over "
                    "UDP with EDNS (see transport and ns-authoritative)"),
    "NO_ANSWER": N_("%(server)s did not answer any of our questions (%(reasons)s) while the zone's other "
                    "nameservers did"),
    # dnssec-signed
    "SIGNED": N_("%(zone)s is signed: DNSKEY and RRSIGs on every nameserver, DS at the parent"),
    "NOT_SIGNED": N_("%(zone)s is not signed (no DNSKEY at the apex, no DS at the parent)"),
    "NO_DNSKEY": N_("%(server)s serves no DNSKEY at the apex"),
    "NO_RRSIG": N_("%(server)s serves %(type)s without RRSIG"),
    "NO_DS": N_("the parent %(parent)s has no DS for %(zone)s"),
    "DS_NOT_MEASURED": N_("not measured: the parent's answer about the DS set of %(zone)s could not be read "
                          "(%(reason)s)"),
    # dnssec-valid
    "UNSIGNED": N_("%(zone)s is not signed (no DNSKEY at the apex, no DS at the parent)"),
    "INSECURE_DELEGATION": N_("%(zone)s is not signed (no DNSKEY at the apex, no DS at the parent); %(proof)s"),
    "CHAIN_VALID": N_("the chain validates from the trust anchor to %(zone)s"),
    "CHAIN_BOGUS": N_("the chain of trust is broken: %(reason)s"),
    "CHAIN_INSECURE": N_("the chain of trust stops: %(reason)s"),
    "ANCHOR_UNUSABLE": N_("the trust anchor does not validate the root: %(reason)s"),
    "NO_DS_PROOF": N_("the parent %(parent)s answered %(rcode)s without a DS for %(zone)s but with no signed "
                      "NSEC or NSEC3 record proving it has none: validating resolvers cannot tell this from a "
                      "stripped DS"),
    "DS_PROOF_INVALID": N_("the parent's %(kind)s record for the delegation of %(zone)s is not validly signed: "
                           "%(problem)s"),
    # dnssec-algorithm
    "ALGORITHMS_OK": N_("DNSKEY algorithms %(algorithms)s; DS digest types %(digests)s"),
    "ALGORITHM_DEPRECATED": N_("a DNSKEY uses algorithm %(algorithm)s (%(mnemonic)s)"),
    "ALGORITHM_DISCOURAGED": N_("a DNSKEY uses algorithm %(algorithm)s (%(mnemonic)s)"),
    "ALGORITHM_UNKNOWN": N_("a DNSKEY uses algorithm %(algorithm)s"),
    "DIGEST_DEPRECATED": NP_("the parent's DS records use only digest type %(digests)s (no SHA-256 or SHA-384)",
                             "the parent's DS records use only digest types %(digests)s (no SHA-256 or "
                             "SHA-384)"),
    # dnssec-nsec3-params
    "NSEC_USED": N_("denial of existence uses NSEC (no NSEC3PARAM at the apex)"),
    "NO_DENIAL_SEEN": N_("not measured: no NSEC3PARAM at the apex and no NSEC record in the denial"),
    "NSEC3_OK": N_("NSEC3 with 0 iterations and no salt"),
    "NSEC3_ITERATIONS": NP_("NSEC3 uses %(num)s extra iteration (0 expected)",
                            "NSEC3 uses %(num)s extra iterations (0 expected)"),
    "NSEC3_SALT": N_("NSEC3 uses a salt (%(salt)s)"),
    # dnssec-signature-expiry
    "SIGNATURES_FRESH": NP_("the earliest RRSIG expiry is in %(num)s day",
                            "the earliest RRSIG expiry is in %(num)s days"),
    "SIGNATURE_EXPIRING": N_("%(server)s: the RRSIG over %(owner)s %(type)s expires in %(days)s days"),
    "SIGNATURE_EXPIRED": N_("%(server)s: the RRSIG over %(owner)s %(type)s expired %(days)s days ago"),
    "SIGNATURE_NOT_YET_VALID": N_("%(server)s: the RRSIG over %(owner)s %(type)s is not valid until its "
                                  "inception, %(days)s days from now"),
    "NO_RRSIG_SEEN": N_("not measured: no RRSIG signed by the zone was seen"),
    # axfr-restricted
    "AXFR_REFUSED": N_("%(server)s refused the transfer (%(rcode)s)"),
    "AXFR_NOT_GIVEN": N_("%(server)s gave no transfer (%(reason)s)"),
    "AXFR_ALLOWED": N_("%(server)s transferred the zone to us"),
    # soa-serial-consistency
    "SERIALS_EQUAL": NP_("the %(num)s nameserver address answering serves serial %(serial)s",
                         "all %(num)s nameserver addresses answering serve serial %(serial)s"),
    "SERIALS_DIFFER": N_("the serials differ: %(serials)s"),
    "SOA_MISSING": N_("not measured: %(server)s gave no SOA (%(rcode)s)"),
    # no-open-recursion
    "NO_RECURSION": N_("%(server)s did not recurse for %(name)s (%(rcode)s)"),
    "RECURSION_AVAILABLE": N_("%(server)s sets RA (recursion available)"),
    "RECURSIVE_ANSWER": N_("%(server)s answered %(name)s recursively"),
    # ns-count
    "ENOUGH_NAMESERVERS": N_("%(names)s nameservers on %(addresses)s addresses"),
    "TOO_FEW_NAMES": NP_("the parent delegates to %(num)s nameserver name: %(names)s",
                         "the parent delegates to %(num)s nameserver names: %(names)s"),
    "TOO_FEW_ADDRESSES": NP_("the nameservers have %(num)s distinct address: %(addresses)s",
                             "the nameservers have %(num)s distinct addresses: %(addresses)s"),
    # ns-authoritative
    "AUTHORITATIVE": N_("%(server)s answers authoritatively"),
    "LAME": N_("%(server)s is lame: %(rcode)s, flags %(flags)s"),
    "NO_ADDRESS": N_("%(name)s has no address: %(reason)s"),
    # ns-consistency
    "NS_SETS_EQUAL": N_("parent and zone both list %(names)s"),
    "NS_SETS_DIFFER": N_("the NS sets differ (%(differences)s) as served by %(servers)s"),
    "NS_SET_NOT_MEASURED": N_("not measured: no nameserver gave the zone's NS set authoritatively"),
    # ns-diversity
    "PREFIXES_DIVERSE": N_("addresses in %(num)s prefixes: %(prefixes)s"),
    "SAME_PREFIX": N_("all addresses are in %(prefixes)s"),
    "ASNS_DIVERSE": N_("addresses in %(num)s ASes: %(asns)s"),
    "SAME_ASN": N_("all addresses are in %(asn)s"),
    "ASN_UNAVAILABLE": NP_("no AS data for %(num)s address (%(reasons)s); judged on prefixes alone",
                           "no AS data for %(num)s addresses (%(reasons)s); judged on prefixes alone"),
    # transport
    "TRANSPORT_OK": N_("%(server)s answers over UDP with EDNS and over TCP"),
    "TRANSPORT_OK_TRUNCATED": N_("%(server)s answers over UDP with EDNS and over TCP (truncated over UDP, so "
                                 "asked again over TCP)"),
    "NO_EDNS": N_("%(server)s answered without EDNS(0) (%(rcode)s)"),
    "BREAKS_ON_EDNS": NP_("%(server)s answered only queries without EDNS (with EDNS: %(reason)s, %(num)s "
                          "attempt; without: %(rcode)s)",
                          "%(server)s answered only queries without EDNS (with EDNS: %(reason)s, %(num)s "
                          "attempts; without: %(rcode)s)"),
    "NO_UDP": N_("%(server)s answered over TCP only (UDP: %(reason)s)"),
    "NO_TCP": N_("%(server)s answered over UDP only (TCP: %(reason)s)"),

    # -- findings of the resolver checks -----------------------------------------------------------
    "ADDRESS_NOT_PROBED": N_("not measured: %(reason)s"),
    "NOT_SERVED": N_("not measured: the resolver did not resolve for us (%(reason)s)"),
    "RESOLVER_NOT_MEASURED": N_("not measured (%(reason)s)"),
    "TEST_NAME_MISSING": N_("not measured: the test name %(name)s does not exist (%(rcode)s)"),
    "TEST_NAME_EMPTY": N_("not measured: the test name %(name)s has no %(qtype)s record (%(rcode)s)"),
    "DECLARED_ONLY": N_("the resolver does not serve us, so this practice cannot be measured from outside"),
    "PRACTICE_NOT_APPLICABLE": N_("encrypted transport is not a practice of private resolvers"),
    # resolver-access-control
    "CLOSED_TO_US": N_("it refused to resolve for us (%(rcode)s, flags %(flags)s)"),
    "SILENT_TO_US": N_("no answer to us (%(reason)s): filtered or closed"),
    "OPEN_TO_US": N_("it answered our recursive query for %(name)s (%(rcode)s, RA set)"),
    "PUBLIC_BY_DESIGN": N_("a public resolver is meant to answer everyone"),
    # resolver-dnssec-validation
    "VALIDATES": N_("SERVFAIL for %(bogus)s, AD for %(signed)s"),
    "BOGUS_ACCEPTED": N_("%(name)s, whose signature is broken, resolved (%(rcode)s) instead of SERVFAIL"),
    "BOGUS_NOT_MEASURED": N_("not measured: no answer for the broken name %(name)s (%(reason)s)"),
    "NO_AD_BIT": N_("the answer for the signed name %(name)s has no AD bit"),
    # resolver-qname-minimisation
    "MINIMISES": N_("the test name's answer contains '%(marker)s'"),
    "NOT_MINIMISING": N_("the test name's answer lacks '%(marker)s' (%(rcode)s: %(texts)s)"),
    # resolver-encrypted-transport
    "DOT_AVAILABLE": N_("it answered over DNS over TLS on port %(port)s (%(rcode)s; %(certificate)s)"),
    "DOH_AVAILABLE": N_("it answered over DNS over HTTPS at %(url)s (%(rcode)s; %(certificate)s)"),
    "CERTIFICATE_INVALID": N_("a verifying client refuses its %(service)s: %(reason)s"),
    "DOH_UNAVAILABLE": N_("no DNS over HTTPS answer at %(url)s (%(reason)s)"),
    "NO_ENCRYPTED_TRANSPORT": N_("no DNS over TLS on port %(port)s (%(reason)s); %(doh)s"),
    "NO_ENCRYPTED_TRANSPORT_RECOMMENDED": N_("no DNS over TLS on port %(port)s (%(reason)s); %(doh)s"),
    # resolver-count
    "ENOUGH_RESOLVERS": NP_("%(answering)s of %(num)s declared address answers",
                            "%(answering)s of %(num)s declared addresses answer"),
    "ENOUGH_RESOLVERS_DECLARED": NP_("%(num)s distinct address declared (a closed resolver's answers cannot be "
                                     "counted from outside)",
                                     "%(num)s distinct addresses declared (a closed resolver's answers cannot "
                                     "be counted from outside)"),
    "TOO_FEW_RESOLVERS": NP_("%(answering)s of %(num)s declared address answers (two needed)",
                             "%(answering)s of %(num)s declared addresses answer (two needed)"),
    "TOO_FEW_RESOLVERS_DECLARED": NP_("%(num)s address declared (two needed)",
                                      "%(num)s addresses declared (two needed)"),

    # -- the vocabulary nested in findings ---------------------------------------------------------
    "server": N_("%(name)s (%(address)s)"),
    "at-server": N_("%(server)s: %(problem)s"),
    "none": N_("none"),
    "not-asked": N_("not asked"),
    "answer-rcode": N_("rcode %(rcode)s"),
    "answer-flags": N_("%(rcode)s, flags %(flags)s"),
    "deadline-reached": N_("the deadline of %(seconds)s s was reached before every answer came"),
    # why a question got no answer (a probe's error code)
    "timeout": N_("timed out"),
    "connection-refused": N_("%(transport)s port %(port)s refused the connection"),
    "connection-closed": N_("the server closed the connection"),
    "tls-error": N_("the TLS handshake failed"),
    "https-status": N_("the HTTPS server answered with status %(status)s"),
    "https-error": N_("the HTTPS exchange failed"),
    "bad-response": N_("the answer does not match the question"),
    "malformed": N_("the answer cannot be parsed"),
    "too-large": N_("the answer is too large (%(size)s bytes)"),
    "network-error": N_("a network error"),
    "probe-error": N_("failed (%(error)s)"),
    # why an address is not probed (safety.py)
    "address-loopback": N_("the address is a loopback address"),
    "address-link-local": N_("the address is link-local"),
    "address-private": N_("the address is private"),
    "address-not-public": N_("the address is not a public address"),
    "address-multicast": N_("the address is a multicast address"),
    "address-unspecified": N_("the address is the unspecified address"),
    "address-invalid": N_("it is not an IP address"),
    "address-leads-to": N_("the address leads to %(address)s: %(reason)s"),
    # TLS certificates (a probe's tls-certificate error)
    "certificate-self-signed": N_("the certificate is self-signed"),
    "certificate-expired": N_("the certificate has expired"),
    "certificate-not-yet-valid": N_("the certificate is not valid yet"),
    "certificate-name-mismatch": N_("the certificate does not name the address asked"),
    "certificate-untrusted": N_("the certificate's issuer is not trusted"),
    "certificate-invalid": N_("the certificate does not verify"),
    "certificate-verified": N_("certificate verified"),
    "certificate-not-verified": N_("certificate not verified"),
    "dns-over-tls": N_("DNS over TLS"),
    "dns-over-https": N_("DNS over HTTPS"),
    "no-doh-declared": N_("no DNS over HTTPS URL declared"),
    # why there is no delegation (collect.py, resolve.py)
    "parent-nxdomain": N_("the parent says %(zone)s does not exist (NXDOMAIN)"),
    "parent-rcode": N_("the parent answered %(rcode)s for %(zone)s"),
    "parent-no-ns": N_("the parent has no delegation (NS records) for %(zone)s"),
    "parent-silent": N_("no server of the parent zone answered for %(zone)s"),
    "cut-no-address": N_("no nameserver of %(zone)s has a usable address"),
    "cut-no-answer": N_("no nameserver of %(zone)s answered"),
    "too-many-referrals": N_("more than %(num)s referrals"),
    "no-address-record": N_("no A or AAAA record found"),
    # AS numbers
    "asn-no-txt": N_("no TXT answer (%(reason)s)"),
    "asn-no-number": N_("TXT answer without an AS number"),
    "asn-missing": N_("%(address)s: %(reason)s"),
    "not-looked-up": N_("not looked up"),
    # DNSSEC (dnssec.py)
    "no-dnskey-set": N_("%(owner)s returned no DNSKEY set (%(reason)s)"),
    "no-key-matches": N_("no DNSKEY of %(owner)s (key tags %(tags)s) matches %(anchor)s (key tags %(anchor_tags)s)"),
    "trust-anchor": N_("the trust anchor"),
    "parent-ds-set": N_("the parent's DS set"),
    "no-rrsig": N_("no RRSIG over %(owner)s %(type)s"),
    "no-valid-rrsig": N_("no valid RRSIG over %(owner)s %(type)s (%(reasons)s)"),
    "rrsig-failure": N_("key %(key_tag)s alg %(algorithm)s: %(reason)s"),
    "signature-expired": N_("expired"),
    "signature-not-yet-valid": N_("not yet valid"),
    "signature-verify-failure": N_("verify failure"),
    "signature-unknown-key": N_("unknown key"),
    "signature-invalid": N_("invalid"),
    "algorithm-unsupported": N_("unsupported algorithm"),
    "ds-unreadable": N_("the DS set of %(owner)s could not be read (%(reason)s)"),
    "ds-signature": N_("the DS set of %(owner)s: %(problem)s"),
    "chain-no-ds": N_("the parent has no DS for %(zone)s"),
    "root-keys-missing": N_("the root zone's keys were not collected"),
    "ds-absence-proven": N_("the parent proves there is no DS with a signed %(kind)s record (types %(types)s)"),
    "ds-absence-opt-out": N_("the parent covers the delegation with an opt-out NSEC3 record (an insecure "
                             "delegation by design)"),
    "parent-insecure": N_("no DS to prove absent: %(reason)s"),
    # pieces of findings
    "algorithm": N_("%(number)s (%(mnemonic)s)"),
    "serial-on": N_("%(serial)s on %(servers)s"),
    "only-at-parent": N_("only at the parent: %(names)s"),
    "only-in-zone": N_("only in the zone: %(names)s"),
    "transport-failure": N_("%(transport)s: %(reason)s"),
    # how an outcome reads as a line (CheckOutcome.summary and .advice)
    "and-more": NP_("and %(num)s more", "and %(num)s more"),
    "see-references": N_("See %(references)s."),
    "reproduce-with": N_("Reproduce with: %(command)s"),
    "check-again-with": N_("Check again with: %(command)s"),
    # stored before the engine spoke in messages: English, as it was stored
    "untranslated": N_("%(text)s"),
}

# What to do about each finding code (English templates): filled by the catalogue's `check` decorator from
# each check's advice, one text per code across the catalogue, so a stored code reads the same everywhere.
ADVICE: dict[str, str] = {}

Message = dict
Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def msg(code: str, **args: Any) -> Message:
    """A message: its code and its arguments (JSON-safe values or nested messages)."""
    return {"code": code, "args": args}


def advice_template(code: str) -> str:
    """The advice for a finding code (English template; "" for a code no check declares)."""
    return ADVICE.get(code, "")


def is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("code"), str)


def _english_plural(singular: str, plural: str, num: int) -> str:
    return singular if num == 1 else plural


def render(message: Any, gettext: Gettext | None = None, ngettext: Ngettext | None = None) -> str:
    """The message as text in the language of `gettext`/`ngettext` (English without them).

    Nested messages are rendered first, lists joined with ", ". Never raises: an unknown code, missing
    arguments or a broken translation still give readable text (the English template, else the code and
    its arguments)."""
    try:
        return _render(message, gettext, ngettext)
    except Exception:  # noqa: BLE001 - a page must show something, whatever a stored message holds
        return _raw(message)


def _render(message: Any, gettext: Gettext | None, ngettext: Ngettext | None) -> str:
    if not is_message(message):
        return str(_value(message, gettext, ngettext))
    code, args = message["code"], message.get("args") or {}
    template = TEMPLATES.get(code)
    if template is None or not isinstance(args, dict):
        return _raw(message)
    values = {str(name): _value(value, gettext, ngettext) for name, value in args.items()}
    if not isinstance(template, Plural):
        english = template % values
        if gettext is None:
            return english
        return _formatted(lambda: gettext(template), values, english)
    num = args.get("num")
    count = num if isinstance(num, int) and not isinstance(num, bool) else 2
    english = _english_plural(template.singular, template.plural, count) % values
    if ngettext is None:
        return english
    translated = _formatted(lambda: ngettext(template.singular, template.plural, count), values, None)
    if translated is not None:
        return translated
    try:
        # Flask-Babel's ngettext formats the text itself (with `num` alone unless given the rest).
        rest = {name: value for name, value in values.items() if name != "num"}
        return str(ngettext(template.singular, template.plural, count, **rest))  # type: ignore[call-arg]
    except Exception:  # noqa: BLE001
        return english


def _formatted(translate: Callable[[], str], values: dict, fallback: str | None) -> str | None:
    """The translated text with the values in it; `fallback` when the translation does not fit them."""
    try:
        return str(translate()) % values
    except (KeyError, ValueError, TypeError):
        return fallback


def _value(value: Any, gettext: Gettext | None, ngettext: Ngettext | None) -> Any:
    """An argument as its template takes it: nested messages rendered, lists joined, numbers kept (so that a
    translation may format them with %(num)d)."""
    if is_message(value):
        return render(value, gettext, ngettext)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_value(item, gettext, ngettext)) for item in value)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def _raw(message: Any) -> str:
    """An unknown message as its code and arguments, so that nothing is lost."""
    try:
        if is_message(message):
            args = message.get("args") or {}
            inner = ", ".join(f"{name}={_raw(value)}" for name, value in dict(args).items())
            return f"{message['code']}({inner})" if inner else message["code"]
        if isinstance(message, (list, tuple)):
            return ", ".join(_raw(item) for item in message)
        return str(message)
    except Exception:  # noqa: BLE001
        return repr(message)


def problems(message: Any) -> list[str]:
    """What is wrong with a message (unknown codes, arguments its template needs and lacks), nested ones
    included; empty when it renders as written. For tests and for checking stored data."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
            return
        if not is_message(value):
            return
        code, args = value["code"], value.get("args") or {}
        template = TEMPLATES.get(code)
        if template is None:
            found.append(f"unknown code {code}")
        else:
            forms = template if isinstance(template, Plural) else (template,)
            for form in forms:
                try:
                    form % {name: "" for name in args}
                except KeyError as exc:
                    found.append(f"{code} lacks the argument {exc.args[0]}")
                except (ValueError, TypeError) as exc:
                    found.append(f"{code}: {exc}")
            if isinstance(template, Plural) and not isinstance(args.get("num"), int):
                found.append(f"{code} counts with num, which is not an integer")
        for item in args.values():
            visit(item)

    visit(message)
    return found
