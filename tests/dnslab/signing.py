"""Keys and signatures, made fresh at every start with BIND's `dnssec-keygen` and `dnssec-signzone`.

One combined key (KSK flag, signing everything) per signed zone keeps the start fast; ECDSA keys take
milliseconds. Inception and expiry come from the zone's `Signing`, which is how the expired and soon
expiring zones are made.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from .errors import LabError, require_binary
from .zones import Signing


@dataclass
class ZoneKey:
    """A key pair on disk (`<base>.key`, `<base>.private`) and its DNSKEY rdata."""

    zone: str  # absolute, with trailing dot
    base: Path
    dnskey: dns.rdata.Rdata

    def dnskey_line(self) -> str:
        return f"{self.zone} 3600 IN DNSKEY {self.dnskey.to_text()}"

    def ds_text(self) -> str:
        """`IN DS ...` (SHA-256 digest) for the parent zone."""
        ds = dns.dnssec.make_ds(dns.name.from_text(self.zone), self.dnskey, "SHA256")
        return f"IN DS {ds.to_text()}"


def generate_key(key_dir: Path, zone: str, signing: Signing) -> ZoneKey:
    """A new KSK-flagged key for `zone` (absolute name) with the zone's algorithm."""
    argv = [require_binary("dnssec-keygen", "bind9-utils"), "-q", "-K", str(key_dir), "-a", signing.algorithm]
    if signing.bits:
        argv += ["-b", str(signing.bits)]
    argv += ["-f", "KSK", "-L", "3600", "-n", "ZONE", zone]
    base = _run(argv, f"dnssec-keygen for {zone}").strip().splitlines()[-1]
    key_file = key_dir / f"{base}.key"
    record = next(line for line in key_file.read_text().splitlines() if line and not line.startswith(";"))
    rdata_text = record.split("DNSKEY", 1)[1]
    dnskey = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, rdata_text)
    return ZoneKey(zone, key_dir / base, dnskey)


def sign_zone(unsigned: Path, signed: Path, zone: str, key: ZoneKey, signing: Signing) -> None:
    """Sign `unsigned` (which must already contain the key's DNSKEY) into `signed`."""
    argv = [
        require_binary("dnssec-signzone", "bind9-utils"),
        "-P",  # no post-signing verification: the expired zone is meant to fail it
        "-z",  # the one key signs every RRset, not only the DNSKEY set
        "-o", zone,
        "-f", str(signed),
        "-d", str(signed.parent),  # its dsset- file goes there, not into the current directory
        "-K", str(key.base.parent),
        "-s", _relative(signing.inception),
        "-e", _relative(signing.expiration),
    ]
    if signing.nsec3:
        salt, iterations = signing.nsec3
        argv += ["-3", salt, "-H", str(iterations)]
    argv += [str(unsigned), f"{key.base}.private"]
    _run(argv, f"dnssec-signzone for {zone}")


def _relative(offset: int) -> str:
    return f"now{offset:+d}"


def _run(argv: list[str], what: str) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LabError(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}")
    return proc.stdout
