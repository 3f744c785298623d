"""Loading root hints and trust anchors, settings, and which addresses may be probed."""
from __future__ import annotations

import pytest

from kindns.checks import CheckConfig, ConfigError, RootServer, load_root_hints, load_trust_anchors
from kindns.checks.safety import address_refusal

HINTS = """\
.                     3600000  NS  a.root.lab.
a.root.lab.           3600000  A   127.0.0.10
a.root.lab.           3600000  AAAA ::1
.                     3600000  NS  b.root.lab.
b.root.lab.           3600000  A   127.0.0.11
"""


def test_root_hints_are_read_from_zone_file_format(tmp_path):
    path = tmp_path / "root.hints"
    path.write_text(HINTS)
    assert load_root_hints(path) == (RootServer("a.root.lab.", "127.0.0.10"), RootServer("a.root.lab.", "::1"),
                                     RootServer("b.root.lab.", "127.0.0.11"))


@pytest.mark.parametrize("text, message", [
    ("this is not a zone file\n", "not in zone-file format"),
    (". 3600 NS a.root.lab.\n", "names no root server with an address"),
])
def test_bad_root_hints_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "hints"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_root_hints(path)


def test_an_unreadable_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read"):
        load_root_hints(tmp_path / "missing")


def test_trust_anchors_accept_ds_and_dnskey_for_the_root_only(tmp_path):
    path = tmp_path / "anchor"
    path.write_text(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
                    ". 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n")
    anchors = load_trust_anchors(path)
    assert [a.rdtype.name for a in anchors] == ["DS", "DNSKEY"]
    path.write_text("example. IN DS 1 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n")
    with pytest.raises(ConfigError, match="for the root"):
        load_trust_anchors(path)
    path.write_text(". 3600 IN NS a.root.lab.\n")
    with pytest.raises(ConfigError, match="only DS or DNSKEY"):
        load_trust_anchors(path)


def test_the_defaults_are_the_iana_root_servers_and_ksks():
    config = CheckConfig()
    assert {s.name for s in config.root_hints} == {f"{letter}.root-servers.net." for letter in "abcdefghijklm"}
    assert {a.key_tag for a in config.trust_anchors} == {20326, 38696}
    assert config.allow_private is False


def test_settings_override_defaults_with_types_and_files(tmp_path):
    hints = tmp_path / "hints"
    hints.write_text(HINTS)
    config = CheckConfig.from_settings({
        "KINDNS_CHECK_ROOT_HINTS": str(hints), "KINDNS_CHECK_ALLOW_PRIVATE": "1",
        "KINDNS_CHECK_TIMEOUT": "0.5", "KINDNS_CHECK_SIGNED_NAME": "www.lab.", "UNRELATED": "x",
    }, concurrency=7, bogus_name=None)
    assert config.root_hints[0].address == "127.0.0.10"
    assert config.allow_private is True and config.timeout == 0.5 and config.concurrency == 7
    assert config.signed_name == "www.lab." and config.bogus_name == "dnssec-failed.org"


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.1.1",
                                     "::1", "fe80::1", "fc00::1", "100.64.0.1", "240.0.0.1", "192.0.2.1"])
def test_private_and_special_addresses_are_refused_unless_allowed(address):
    assert address_refusal(address, allow_private=False)
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["224.0.0.251", "ff02::fb", "0.0.0.0", "::"])
def test_multicast_and_unspecified_are_always_refused(address):
    assert address_refusal(address, allow_private=True)


@pytest.mark.parametrize("address", ["198.41.0.4", "2001:503:ba3e::2:30", "8.8.8.8"])
def test_public_unicast_is_allowed(address):
    assert address_refusal(address, allow_private=False) is None


def test_large_runs_use_worker_processes_and_small_ones_do_not(monkeypatch):
    from kindns.checks.runner import processes_for

    monkeypatch.setattr("os.cpu_count", lambda: 4)
    config = CheckConfig(root_hints=(), trust_anchors=())
    assert processes_for(199, config) == 1
    assert processes_for(1000, config) == 4
    assert processes_for(1000, config.replace(processes=1)) == 1
    assert processes_for(3, config.replace(processes=2, processes_from=2)) == 2


def test_a_tls_ca_file_that_cannot_be_read_is_a_config_error(tmp_path):
    import pytest

    from kindns.checks import ConfigError
    from kindns.checks.query import tls_contexts

    with pytest.raises(ConfigError, match="TLS CA file"):
        tls_contexts(str(tmp_path / "missing.pem"))
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="junk.pem"):
        tls_contexts(str(tmp_path / "junk.pem"))
