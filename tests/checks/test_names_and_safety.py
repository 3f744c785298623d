"""Canonical zone names, and addresses the engine never probes however they are written."""
from __future__ import annotations

import pytest

from kindns.checks.names import InvalidName, normalise_ip_address, normalise_zone_name, require_public_name
from kindns.checks.safety import address_refusal


@pytest.mark.parametrize("typed, canonical", [
    ("Example.ORG.", "example.org"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER。example", "xn--bcher-kva.example"),  # ideographic full stop, upper case: UTS 46 mapping
    ("xn--Bcher-KVA.example", "xn--bcher-kva.example"),
    ("_dmarc.example.org", "_dmarc.example.org"),
    ("10.in-addr.arpa.", "10.in-addr.arpa"),
])
def test_names_have_one_canonical_form(typed, canonical):
    assert normalise_zone_name(typed) == canonical


@pytest.mark.parametrize("typed", [
    "bravo.test..", ".bravo.test", "bravo..test", ".", "", "xn--zz.test", "xn--.test", "xn--ls8h.test",
    "xn--abc-.test", "127.0.0.1", "::1", "1.2.3", "localhost", "a.localhost", "invalid", "x.local", "x.onion",
    "a\u202eb.test",
])
def test_names_that_cannot_be_a_zone_are_refused(typed):
    with pytest.raises(InvalidName):
        normalise_zone_name(typed)


def test_a_refusal_can_be_translated_and_reads_the_same_untranslated():
    with pytest.raises(InvalidName) as caught:
        normalise_zone_name("xn--zz.test")
    assert caught.value.template % caught.value.params == str(caught.value)
    assert "%(label)s" in caught.value.template


@pytest.mark.parametrize("name", ["test", "a.test", "a.example", "home.arpa", "a.alt", "a.internal",
                                  "10.in-addr.arpa", "16.172.in-addr.arpa", "1.168.192.in-addr.arpa",
                                  "2.0.192.in-addr.arpa", "d.f.ip6.arpa", "8.e.f.ip6.arpa"])
def test_names_never_delegated_in_the_public_dns(name):
    with pytest.raises(InvalidName, match="never delegated in the public DNS"):
        require_public_name(name)


@pytest.mark.parametrize("name", ["example.org", "example.com", "in-addr.arpa", "172.in-addr.arpa",
                                  "8.8.8.in-addr.arpa", "0.0.2.ip6.arpa", "testing.org", "contest"])
def test_public_names_pass(name):
    require_public_name(name)


@pytest.mark.parametrize("typed, stored", [("::ffff:192.0.2.1", "192.0.2.1"), ("::FFFF:7F00:1", "127.0.0.1"),
                                           ("2001:DB8::1", "2001:db8::1")])
def test_ipv4_mapped_addresses_are_their_ipv4_address(typed, stored):
    assert normalise_ip_address(typed) == stored


@pytest.mark.parametrize("address", [
    "::ffff:127.0.0.1", "::ffff:10.1.2.3",
    "2002:7f00:1::", "2002:a01:203::53", "2002:c0a8:101::1",  # 6to4 of 127.0.0.1, 10.1.2.3, 192.168.1.1
    "64:ff9b::7f00:1", "64:ff9b::10.0.0.53",  # NAT64 of loopback and private space
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo whose client is 192.0.2.45
    "fec0::1", "fec0:1234::53",  # site-local, deprecated
])
def test_addresses_that_lead_to_private_space_are_refused(address):
    assert address_refusal(address, allow_private=False)
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["::ffff:8.8.8.8", "2002:808:808::1"])
def test_addresses_that_lead_to_public_space_are_probed(address):
    assert address_refusal(address, allow_private=False) is None
