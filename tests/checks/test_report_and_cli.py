"""Reports as JSON and as a table, and the command line's handling of input (no network here: the
engine is replaced by a stub that returns a fixed report; the live tests run the real thing)."""
from __future__ import annotations

import json

import pytest

from kindns.conformance import cli as conformance_cli
from kindns.checks import ZONE_CHECKS, TargetReport, format_json, format_table
from kindns.checks.messages import msg
from kindns.checks.runner import judge_zone
from tests.checks.builders import NS1, NS2, server_snapshot, zone_snapshot


def sample_report() -> TargetReport:
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1, axfr="ALLOWED"), server_snapshot(*NS2)])
    return TargetReport("example.test", "2026-01-01T00:00:00Z", 42, [s.run(snapshot) for s in ZONE_CHECKS.values()])


def test_the_json_object_has_exactly_the_documented_keys():
    [obj] = json.loads(format_json([sample_report()]))
    assert set(obj) == {"target", "checked_at", "duration_ms", "software", "unmeasured", "checks"}
    assert obj["target"] == "example.test" and obj["duration_ms"] == 42 and obj["unmeasured"] is None
    assert [c["id"] for c in obj["checks"]] == list(ZONE_CHECKS)
    for check in obj["checks"]:
        assert set(check) == {"id", "verdict", "practices", "title", "summary", "advice", "findings", "more",
                              "advice_codes", "references", "command", "evidence"}
    axfr = next(c for c in obj["checks"] if c["id"] == "axfr-restricted")
    assert axfr["verdict"] == "fail" and axfr["title"] == "Zone transfers are restricted"
    server = {"code": "server", "args": {"name": NS1[0], "address": NS1[1]}}
    assert axfr["findings"] == [{"code": "AXFR_ALLOWED", "args": {"server": server}, "verdict": "fail"}]
    assert axfr["summary"] == f"{NS1[0]} ({NS1[1]}) transferred the zone to us"
    assert axfr["advice_codes"] == ["AXFR_ALLOWED"] and axfr["references"] == ["RFC 5936 §6"]
    assert axfr["command"] == {"kind": "reproduce", "text": f"dig @{NS1[1]} example.test. AXFR +norecurse"}
    assert axfr["advice"].endswith("See RFC 5936 §6. Reproduce with: " + axfr["command"]["text"])
    evidence = axfr["evidence"][0]
    assert evidence["finding"] == "AXFR_ALLOWED" and evidence["message"] == {"code": "AXFR_ALLOWED",
                                                                             "args": {"server": server}}
    probe = evidence["probes"][0]
    assert {"server", "query", "rcode", "flags", "records", "time_ms", "transport"} <= set(probe)


def test_the_table_shows_each_verdict_and_the_advice_for_failures():
    table = format_table([sample_report()])
    lines = table.splitlines()
    assert lines[0].startswith("example.test  (2026-01-01T00:00:00Z, 42 ms; 1 fail, 12 pass)")
    axfr = next(i for i, line in enumerate(lines) if "axfr-restricted" in line)
    assert lines[axfr].split()[0] == "FAIL"
    assert "Restrict zone transfers" in lines[axfr + 1] and "dig @192.0.2.1" in lines[axfr + 1]
    assert sum(1 for line in lines if line.strip().startswith("PASS")) == 12


@pytest.fixture
def fake_engine(monkeypatch):
    """Replace the engine's entry points; record how the CLI called them."""
    calls = {}

    def run_zone_checks(names, config, progress=None):
        calls.update(names=names, config=config)
        return [sample_report() for _ in names]

    def run_resolver_checks(addresses, category, config, progress=None, doh_urls=None):
        calls.update(addresses=addresses, category=category, config=config, doh_urls=doh_urls)
        return []

    monkeypatch.setattr(conformance_cli, "run_zone_checks", run_zone_checks)
    monkeypatch.setattr(conformance_cli, "run_resolver_checks", run_resolver_checks)
    return calls


def test_check_prints_json_and_normalises_names(runner, fake_engine):
    result = runner.invoke(args=["kindns", "check", "Example.TEST.", "bücher.example", "--json", "--concurrency", "3"])
    assert result.exit_code == 0, result.output
    assert fake_engine["names"] == ["example.test", "xn--bcher-kva.example"]
    assert fake_engine["config"].concurrency == 3 and fake_engine["config"].allow_private is False
    assert [r["target"] for r in json.loads(result.stdout)] == ["example.test", "example.test"]


def test_check_prints_a_table_by_default(runner, fake_engine):
    result = runner.invoke(args=["kindns", "check", "example.test"])
    assert result.exit_code == 0
    assert "FAIL   axfr-restricted" in result.output


def unmeasured_report() -> TargetReport:
    snapshot = zone_snapshot()
    snapshot.delegation_error, snapshot.servers = msg("parent-nxdomain", zone="example.test"), []
    return judge_zone(snapshot)


def test_a_zone_that_could_not_be_measured_is_one_line_in_the_table_and_one_finding_in_json():
    table = format_table([unmeasured_report()]).splitlines()
    assert table[0].endswith("13 error)")
    assert table[1].split(None, 1) == ["ERROR", "not delegated: the parent says example.test does not exist "
                                                "(NXDOMAIN)"]
    assert table[2].strip().startswith("-> Make sure the zone is delegated")
    assert not any("dnssec-signed" in line for line in table)
    [obj] = json.loads(format_json([unmeasured_report()]))
    assert obj["unmeasured"]["message"]["code"] == "NO_DELEGATION"
    assert obj["unmeasured"]["summary"] == table[1].split(None, 1)[1]
    assert obj["unmeasured"]["probes"][0]["query"] == "example.test. NS"
    assert {c["verdict"] for c in obj["checks"]} == {"error"}


# A catalogue of the test's own, compiled by Babel as `make translations` compiles the project's: the
# strings the engine's English templates are looked up by, and what a reader of the language sees instead.
SPANISH = {
    "Zone transfers are restricted": "Las transferencias de zona están restringidas",
    "%(server)s transferred the zone to us": "%(server)s nos transfirió la zona",
    "Restrict zone transfers to your secondaries, by address and TSIG key (BIND: allow-transfer { key xfr-key; "
    "}; Knot: an acl with a key).": "Restrinja las transferencias de zona a sus secundarios.",
    "Reproduce with: %(command)s": "Reprodúzcalo con: %(command)s",
    "See %(references)s.": "Véase %(references)s.",
}


@pytest.fixture
def spanish(app, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="es")
    for english, spanish in SPANISH.items():
        catalog.add(english, spanish)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)
    return tmp_path


def test_check_speaks_the_language_asked_for_and_english_where_a_string_is_not_translated(runner, fake_engine,
                                                                                         spanish):
    result = runner.invoke(args=["kindns", "check", "example.test", "--lang", "es"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    axfr = next(i for i, line in enumerate(lines) if "axfr-restricted" in line)
    assert lines[axfr].endswith(f"{NS1[0]} ({NS1[1]}) nos transfirió la zona")
    assert lines[axfr + 1].strip() == (f"-> Restrinja las transferencias de zona a sus secundarios. Véase RFC 5936 "
                                       f"§6. Reprodúzcalo con: dig @{NS1[1]} example.test. AXFR +norecurse")
    signed = next(line for line in lines if "dnssec-signed" in line)
    assert signed.endswith("example.test is signed: DNSKEY and RRSIGs on every nameserver, DS at the parent")


def test_check_json_in_a_language_keeps_the_codes_and_the_english_beside_it(runner, fake_engine, spanish):
    result = runner.invoke(args=["kindns", "check", "example.test", "--json", "--lang", "ES"])
    assert result.exit_code == 0, result.output
    axfr = next(c for c in json.loads(result.stdout)[0]["checks"] if c["id"] == "axfr-restricted")
    assert axfr["title"] == "Zone transfers are restricted" and axfr["findings"][0]["code"] == "AXFR_ALLOWED"
    assert axfr["translated"]["language"] == "es"
    assert axfr["translated"]["title"] == "Las transferencias de zona están restringidas"
    assert axfr["translated"]["summary"] == f"{NS1[0]} ({NS1[1]}) nos transfirió la zona"


def test_a_language_the_registry_does_not_have_is_refused_and_one_without_a_catalogue_prints_english(
        runner, fake_engine, spanish):
    refused = runner.invoke(args=["kindns", "check", "example.test", "--lang", "de"])
    assert refused.exit_code == 2 and "'de' is not one of en, es, pt_BR, fr" in refused.output
    assert "names" not in fake_engine  # refused before measuring anything
    english = runner.invoke(args=["kindns", "check", "example.test", "--lang", "fr"])
    assert english.exit_code == 0 and "No compiled catalogue for fr" in english.stderr
    assert f"{NS1[0]} ({NS1[1]}) transferred the zone to us" in english.stdout


def test_check_reads_root_hints_and_trust_anchor_files(runner, fake_engine, tmp_path):
    hints, anchor = tmp_path / "hints", tmp_path / "anchor"
    hints.write_text(". 3600 NS a.root.lab.\na.root.lab. 3600 A 127.0.0.10\n")
    anchor.write_text(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n")
    result = runner.invoke(args=["kindns", "check", "example.test", "--root-hints", str(hints),
                                 "--trust-anchor", str(anchor), "--allow-private"])
    assert result.exit_code == 0, result.output
    config = fake_engine["config"]
    assert config.root_hints[0].address == "127.0.0.10" and config.allow_private is True
    assert config.trust_anchors[0].key_tag == 20326


@pytest.mark.parametrize("args, message", [
    (["check", "bad..zone"], "Invalid zone name 'bad..zone'"),
    (["check", "ex ample.org"], "cannot contain spaces"),
    (["check", "example.org", "--root-hints", "/nonexistent/hints"], "Cannot read /nonexistent/hints"),
    (["check", "example.org", "--concurrency", "0"], "Invalid value for '--concurrency'"),
    (["check-resolver", "999.1.1.1", "--category", "public"], "is not an IPv4 or IPv6 address"),
    (["check-resolver", "192.0.2.1", "--category", "nonsense"], "Invalid value for '--category'"),
    (["check-resolver", "192.0.2.1"], "Missing option '--category'"),
    (["check-resolver", "192.0.2.1", "--category", "public", "--bogus-name", "a..b"], "Invalid --bogus-name"),
    (["check"], "Missing argument"),
])
def test_bad_input_exits_2_with_a_clear_message(runner, fake_engine, args, message):
    result = runner.invoke(args=["kindns", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "names" not in fake_engine and "addresses" not in fake_engine


def test_an_unusable_trust_anchor_file_exits_2(runner, fake_engine, tmp_path):
    anchor = tmp_path / "anchor"
    anchor.write_text("example. IN NS ns.example.\n")
    result = runner.invoke(args=["kindns", "check", "example.org", "--trust-anchor", str(anchor)])
    assert result.exit_code == 2 and "trust anchor" in result.output.lower()


def test_check_resolver_passes_category_and_test_names(runner, fake_engine):
    result = runner.invoke(args=["kindns", "check-resolver", "192.0.2.1", "2001:DB8::1", "--category", "shared",
                                 "--signed-name", "www.lab.test", "--bogus-name", "bad.lab.test",
                                 "--qname-min-zone", "a.b.qm.test", "--json"])
    assert result.exit_code == 0, result.output
    assert fake_engine["addresses"] == ["192.0.2.1", "2001:db8::1"] and fake_engine["category"] == "shared"
    config = fake_engine["config"]
    assert (config.signed_name, config.bogus_name, config.qname_min_name) == \
        ("www.lab.test", "bad.lab.test", "a.b.qm.test")
    assert json.loads(result.stdout) == []


def test_doh_urls_are_given_per_address(runner, fake_engine):
    result = runner.invoke(args=["kindns", "check-resolver", "192.0.2.53", "2001:db8::53", "--category", "public",
                                 "--doh-url", "2001:DB8::53=https://dns.example.net/dns-query"])
    assert result.exit_code == 0, result.output
    assert fake_engine["doh_urls"] == {"2001:db8::53": "https://dns.example.net/dns-query"}
    one = runner.invoke(args=["kindns", "check-resolver", "192.0.2.53", "--category", "public",
                              "--doh-url", "https://dns.example.net/q"])
    assert one.exit_code == 0 and fake_engine["doh_urls"] == {"192.0.2.53": "https://dns.example.net/q"}


@pytest.mark.parametrize("value, message", [
    ("https://dns.example.net/dns-query", "say which address"),
    ("192.0.2.99=https://dns.example.net/dns-query", "not one of the addresses"),
    ("192.0.2.53=http://dns.example.net/dns-query", "must start with https://"),
    ("nonsense=https://x.example/", "not an IPv4 or IPv6 address"),
])
def test_a_bad_doh_url_option_exits_2_with_the_reason(runner, fake_engine, value, message):
    result = runner.invoke(args=["kindns", "check-resolver", "192.0.2.53", "198.51.100.53", "--category", "public",
                                 "--doh-url", value])
    assert result.exit_code == 2 and message in result.output
