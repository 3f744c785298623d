"""The lab itself: every role zone is broken exactly the intended way (and only that way), and every
resolver role behaves as its name says. Plain dnspython queries against the servers the lab started."""
from __future__ import annotations

import re
import ssl
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from . import LabError, start_lab
from .errors import require_binary
from .fixture import dns_lab  # noqa: F401  (the fixture)
from .proof import proof_server
from .probes import ask, asn_of, chain_validates, rrset, zone_problems
from .zones import EXPECTED_VERDICTS, IPV6_ROLES, MUTABLE_ROLES, MUTABLE_VERDICTS, must_not_pass, skip_without

pytestmark = pytest.mark.dns


def test_every_role_has_an_expectation(dns_lab):
    assert set(EXPECTED_VERDICTS) == set(dns_lab.expected_verdicts)
    assert set(dns_lab.zones) == set(EXPECTED_VERDICTS) - (set() if dns_lab.ipv6 else IPV6_ROLES)
    assert set(dns_lab.mutable_zones) == set(MUTABLE_ROLES) == set(MUTABLE_VERDICTS) == set(dns_lab.mutable_verdicts)
    assert not set(dns_lab.zones) & set(dns_lab.mutable_zones)


@pytest.mark.parametrize("role", sorted(EXPECTED_VERDICTS))
def test_role_zone_is_broken_exactly_as_intended(dns_lab, role):
    skip_without(dns_lab, role)
    assert zone_problems(dns_lab, role) == must_not_pass(EXPECTED_VERDICTS[role])


def _soa_serials(lab, role):
    zone = lab.zone_of(role)
    return [rrset(ask(address, zone, "SOA"), f"{zone}.", "SOA")[0].serial for address in lab.nameservers_of(zone)]


@pytest.mark.parametrize("role", sorted(MUTABLE_ROLES))
def test_mutable_zone_is_fixed_and_broken_again_by_real_reloads(dns_lab, role):
    """Starts broken; fix() and break_() return only when the servers answer with the new zone, which
    stays signed and valid; serials only grow. Left broken, as the lab starts it."""
    assert dns_lab.state(role) == "broken"
    assert zone_problems(dns_lab, role) == MUTABLE_VERDICTS[role]["broken"]
    first = _soa_serials(dns_lab, role)
    try:
        started = time.monotonic()
        dns_lab.fix(role)
        assert time.monotonic() - started < 5
        fixed = _soa_serials(dns_lab, role)
        assert dns_lab.state(role) == "fixed" and len(set(fixed)) == 1 and fixed[0] > max(first)
        assert list(dns_lab.serials(role).values()) == fixed
        assert zone_problems(dns_lab, role) == MUTABLE_VERDICTS[role]["fixed"] == {}
        assert chain_validates(dns_lab, dns_lab.zone_of(role))
        dns_lab.fix(role)  # again: one more new serial, still consistent
        again = _soa_serials(dns_lab, role)
        assert len(set(again)) == 1 and again[0] > fixed[0]
    finally:
        dns_lab.break_(role)
    broken = _soa_serials(dns_lab, role)
    assert dns_lab.state(role) == "broken" and broken[0] > again[0] and broken[1:] == again[1:]
    assert zone_problems(dns_lab, role) == MUTABLE_VERDICTS[role]["broken"]
    assert chain_validates(dns_lab, dns_lab.zone_of(role))


def test_the_tld_publishes_a_ds_set_as_a_registry_does_and_withdraws_it(dns_lab):
    zone = dns_lab.proof_zones["bind"]
    ds = "IN DS 12345 13 2 " + "ab" * 32
    assert rrset(ask(dns_lab.tld_server, zone, "DS"), zone, "DS") is None
    try:
        dns_lab.publish_ds(zone, [ds])
        answer = ask(dns_lab.tld_server, zone, "DS")
        published = rrset(answer, zone, "DS")
        assert published is not None and published[0].key_tag == 12345
        assert rrset(answer, zone, "RRSIG", covers="DS") is not None  # signed by the TLD
        assert chain_validates(dns_lab, dns_lab.zone_of("good"))      # the TLD's other data as before
    finally:
        dns_lab.publish_ds(zone, [])
    assert rrset(ask(dns_lab.tld_server, zone, "DS"), zone, "DS") is None


def test_root_hints_and_trust_anchor_are_zone_files_of_the_lab(dns_lab):
    hints = dns_lab.root_hints.read_text()
    assert ". 3600000 IN NS a.root-servers.test." in hints
    assert dns_lab.root_server in hints
    assert " IN DS " in dns_lab.trust_anchor.read_text()


def test_good_zone_validates_from_the_trust_anchor_and_runs_two_programs(dns_lab):
    zone = dns_lab.zones["good"]
    assert chain_validates(dns_lab, zone)
    keys = rrset(ask(dns_lab.nameservers_of(zone)[0], zone, "DNSKEY"), f"{zone}.", "DNSKEY")
    assert {k.algorithm for k in keys} == {13}
    # Software diversity: BIND ("9.18...") and Knot ("Knot DNS 3...") tell their versions in CH TXT.
    versions = []
    for address in dns_lab.nameservers_of(zone):
        response = dns.query.udp(dns.message.make_query("version.bind.", "TXT", "CH"), address, timeout=2)
        versions.append(b"".join(response.answer[0][0].strings).decode())
    assert versions[0].startswith("9.") and versions[1].startswith("Knot DNS"), versions


def test_signed_zone_uses_nsec_and_nsec3_zone_has_salt_and_iterations(dns_lab):
    good = dns_lab.zones["good"]
    missing = ask(dns_lab.nameservers_of(good)[0], f"nothing-here.{good}", "A")
    assert any(r.rdtype == dns.rdatatype.NSEC for r in missing.authority)
    nsec3 = dns_lab.zones["nsec3-iterations"]
    param = rrset(ask(dns_lab.nameservers_of(nsec3)[0], nsec3, "NSEC3PARAM"), f"{nsec3}.", "NSEC3PARAM")
    assert param[0].iterations > 0 and param[0].salt


def test_signature_windows(dns_lab):
    now = time.time()
    for role, low, high in (("expired-sigs", -40 * 86400, 0), ("expiring-sigs", 2 * 86400, 4 * 86400),
                            ("good", 20 * 86400, 40 * 86400)):
        zone = dns_lab.zones[role]
        sigs = rrset(ask(dns_lab.nameservers_of(zone)[0], zone, "SOA"), f"{zone}.", "SOA", covers="SOA")
        assert low < sigs[0].expiration - now < high, role


def test_open_axfr_zone_transfers_to_anyone(dns_lab):
    zone = dns_lab.zones["open-axfr"]
    for address in dns_lab.nameservers(role="open-axfr").values():
        axfr = dns.query.tcp(dns.message.make_query(zone, "AXFR"), address, timeout=2)
        assert axfr.rcode() == dns.rcode.NOERROR and len(axfr.answer) > 3


def test_open_recursion_server_resolves_other_names_inside_the_lab(dns_lab):
    ns1 = dns_lab.nameservers("open-recursion")[f"ns1.{dns_lab.zones['open-recursion']}"]
    response = ask(ns1, dns_lab.signed_name, "A", rd=True)
    assert response.flags & dns.flags.RA and response.answer


def test_no_tcp_server_answers_udp_only(dns_lab):
    ns1, ns2 = dns_lab.nameservers("no-tcp").values()
    zone = dns_lab.zones["no-tcp"]
    assert ask(ns2, zone, "SOA").flags & dns.flags.AA
    with pytest.raises(OSError):
        ask(ns2, zone, "SOA", tcp=True)
    assert ask(ns1, zone, "SOA", tcp=True).flags & dns.flags.AA


def test_the_ipv6_role_is_served_on_ipv6_loopback_with_aaaa_glue(dns_lab):
    skip_without(dns_lab, "ipv6")
    zone = dns_lab.zones["ipv6"]
    assert "::1" in dns_lab.nameservers("ipv6").values()
    referral = ask(dns_lab.tld_server, zone, "NS")
    assert any(r.rdtype == dns.rdatatype.AAAA and r[0].address == "::1" for r in referral.additional)
    assert ask("::1", zone, "SOA").flags & dns.flags.AA and ask("::1", zone, "SOA", tcp=True).flags & dns.flags.AA


def test_lame_server_refuses(dns_lab):
    ns2 = list(dns_lab.nameservers("lame").values())[1]
    assert ask(ns2, dns_lab.zones["lame"], "SOA").rcode() == dns.rcode.REFUSED


def test_asn_zone_gives_two_ases_to_good_and_one_to_same_subnet(dns_lab):
    good = {asn_of(dns_lab, a) for a in dns_lab.nameservers("good").values()}
    same = {asn_of(dns_lab, a) for a in dns_lab.nameservers("same-subnet").values()}
    assert len(good) == 2 and len(same) == 1 and None not in good | same
    address = dns_lab.root_server
    name = ".".join(reversed(address.split("."))) + f".{dns_lab.asn_zone_v4}."
    txt = rrset(ask(dns_lab.resolvers["validating"], name, "TXT", rd=True), name, "TXT")
    assert b"".join(txt[0].strings).decode().count("|") == 4


def test_validating_resolver_sets_ad_and_servfails_bogus(dns_lab):
    resolver = dns_lab.resolvers["validating"]
    good = ask(resolver, dns_lab.signed_name, "A", rd=True)
    assert good.rcode() == dns.rcode.NOERROR and good.flags & dns.flags.AD and good.answer
    assert ask(resolver, dns_lab.bogus_name, "A", rd=True).rcode() == dns.rcode.SERVFAIL
    expired = f"www.{dns_lab.zones['expired-sigs']}"
    assert ask(resolver, expired, "A", rd=True).rcode() == dns.rcode.SERVFAIL


def test_non_validating_resolver_answers_bogus_without_ad(dns_lab):
    resolver = dns_lab.resolvers["non-validating"]
    good = ask(resolver, dns_lab.signed_name, "A", rd=True)
    assert good.answer and not good.flags & dns.flags.AD
    bogus = ask(resolver, dns_lab.bogus_name, "A", rd=True)
    assert bogus.rcode() == dns.rcode.NOERROR and bogus.answer


def _qname_min_answer(address: str, lab) -> str:
    response = ask(address, lab.qname_min_name, "TXT", rd=True)
    txt = rrset(response, f"{lab.qname_min_name}.", "TXT")
    return b"".join(txt[0].strings).decode()


def test_qname_minimisation_marker(dns_lab):
    assert dns_lab.qname_min_marker in _qname_min_answer(dns_lab.resolvers["validating"], dns_lab)
    assert dns_lab.qname_min_marker in _qname_min_answer(dns_lab.resolvers["dot"], dns_lab)
    assert dns_lab.qname_min_marker not in _qname_min_answer(dns_lab.resolvers["non-validating"], dns_lab)


def test_closed_resolver_refuses(dns_lab):
    response = ask(dns_lab.resolvers["closed"], dns_lab.signed_name, "A", rd=True)
    assert response.rcode() == dns.rcode.REFUSED and not response.answer


def test_dot_resolver_answers_over_tls(dns_lab):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab's certificate is self-signed
    query = dns.message.make_query(dns_lab.signed_name, "A", want_dnssec=True)
    response = dns.query.tls(query, dns_lab.resolvers["dot"], timeout=3, ssl_context=context)
    assert response.answer and response.flags & dns.flags.AD


def test_every_lab_address_is_loopback(dns_lab):
    assert dns_lab.addresses_in_use()
    assert all(a.startswith("127.") for a in dns_lab.addresses_in_use())


def test_nothing_in_the_lab_points_outside_loopback(dns_lab):
    """Every IPv4 address in every configuration, zone and hints file is in 127.0.0.0/8; no forwarders;
    recursion only in the one deliberately open view."""
    suffixes = (".conf", ".zone", ".signed", ".hints")
    files = [p for p in dns_lab.workdir.rglob("*") if p.is_file() and p.suffix in suffixes]
    assert len(files) > 20
    for path in files:
        text = path.read_text()
        for address in re.findall(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])", text):
            # 0.0.0.0 only appears in the closed resolver's "refuse everyone" access-control.
            assert address.startswith("127.") or address == "0.0.0.0", (path.name, address)
        for address in re.findall(r"\bIN\s+AAAA\s+(\S+)", text):
            assert address == "::1", (path.name, address)
        assert "forward" not in text, path.name
    named_conf = (dns_lab.workdir / "bind" / "named.conf").read_text()
    assert named_conf.count("recursion yes;") == 1
    for conf in dns_lab.workdir.glob("unbound-*/unbound.conf"):
        assert f'root-hints: "{dns_lab.root_hints}"' in conf.read_text()


@pytest.mark.parametrize("software,role", [("bind", "zone"), ("bind", "resolver"), ("knot", "zone"),
                                           ("unbound", "resolver")])
def test_a_proof_server_talks_to_the_lab_only(dns_lab, software, role):
    """A throwaway server of the fix proofs, once it has started and been asked for a name of the lab, has
    tried no address outside loopback: no root server of the Internet primed or asked for its key."""
    with proof_server(dns_lab, software, role, []) as server:
        name = f"{server.zone}." if role == "zone" else f"{dns_lab.tld}."
        assert ask(server.address, name, "SOA", rd=role == "resolver").answer
        time.sleep(0.5)  # what a server does at start-up (priming, trust anchor refresh) is logged by now
        log = server.process.log_path.read_text()
    addresses = re.findall(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])", log)
    assert log and all(a.startswith("127.") or a == "0.0.0.0" for a in addresses), log


def test_a_server_that_fails_to_start_is_reported_with_its_log_and_everything_is_undone(monkeypatch, dns_lab):
    from . import addresses, bind, lab

    write_config = bind.write_config
    reserved = []

    def broken_config(directory, views, root_hints):
        conf = write_config(directory, views, root_hints)
        conf.write_text(conf.read_text() + "no-such-statement yes;\n")
        return conf

    def recording_reserve_block(*args, **kwargs):
        reserved.append(addresses.reserve_block(*args, **kwargs))
        return reserved[-1]

    monkeypatch.setattr(lab.bind, "write_config", broken_config)
    monkeypatch.setattr(lab, "reserve_block", recording_reserve_block)
    with pytest.raises(LabError) as failure:
        with start_lab():
            pass
    assert "named exited" in str(failure.value) and "no-such-statement" in str(failure.value)
    prefix = f"127.{reserved[0].octet}."
    assert not [a for a, _label in addresses._loopback_addresses() if a.startswith(prefix)]
    assert not reserved[0].added


def test_a_missing_program_names_its_debian_package():
    with pytest.raises(LabError, match="Debian package bind9-nonexistent"):
        require_binary("named-that-does-not-exist", "bind9-nonexistent")


def test_binaries_confined_by_apparmor_run_from_a_copy(tmp_path, monkeypatch):
    from . import apparmor

    enabled, profiles = tmp_path / "enabled", tmp_path / "profiles"
    monkeypatch.setattr(apparmor, "_ENABLED", enabled)
    monkeypatch.setattr(apparmor, "_PROFILES", profiles)
    binary = tmp_path / "sbin" / "named"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\n")
    assert apparmor.executable_for(str(binary), tmp_path) == str(binary)  # no AppArmor at all
    enabled.write_text("Y\n")
    profiles.write_text("named (complain)\nunbound (enforce)\n")
    assert apparmor.executable_for(str(binary), tmp_path) == str(binary)
    profiles.write_text("named (enforce)\n")
    copy = apparmor.executable_for(str(binary), tmp_path)
    assert copy == str(tmp_path / "bin" / "named") and (tmp_path / "bin" / "named").exists()
