"""Keys and signatures, made fresh at every start: keys in BIND's file format, zones signed by BIND's
`dnssec-signzone`.

One combined key (KSK flag, signing everything) per signed zone keeps the start fast. Inception and
expiry come from the zone's `Signing`, which is how the expired and soon expiring zones are made.
"""
from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dns.dnssec
import dns.name
import dns.rdata
from cryptography.hazmat.primitives.asymmetric import ec, rsa

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


# DNSSEC algorithm numbers and the names BIND's key files use for them.
ALGORITHMS = {"RSASHA1": 5, "RSASHA256": 8, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14}
_CURVES = {13: (ec.SECP256R1, 32), 14: (ec.SECP384R1, 48)}


def generate_key(key_dir: Path, zone: str, signing: Signing) -> ZoneKey:
    """A new KSK-flagged key for `zone` (absolute name), written as BIND's `K<zone>+<alg>+<tag>` files.

    Made in-process with `cryptography` rather than by dnssec-keygen: an RSA key costs dnssec-keygen up to
    seconds on a busy machine, and a dozen ECDSA keys are a dozen processes; the file format is BIND's own.
    """
    number = ALGORITHMS[signing.algorithm]
    if number in _CURVES:
        curve, size = _CURVES[number]
        private = ec.generate_private_key(curve())
        fields = [("PrivateKey", private.private_numbers().private_value.to_bytes(size, "big"))]
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=signing.bits or 2048)
        numbers = private.private_numbers()
        public = numbers.public_numbers
        fields = [
            ("Modulus", public.n),
            ("PublicExponent", public.e),
            ("PrivateExponent", numbers.d),
            ("Prime1", numbers.p),
            ("Prime2", numbers.q),
            ("Exponent1", numbers.dmp1),
            ("Exponent2", numbers.dmq1),
            ("Coefficient", numbers.iqmp),
        ]
        fields = [(label, _unsigned_bytes(value)) for label, value in fields]
    dnskey = dns.dnssec.make_dnskey(private.public_key(), number, flags=257)
    tag = dns.dnssec.key_id(dnskey)
    base = key_dir / f"K{zone}+{number:03d}+{tag:05d}"
    Path(f"{base}.key").write_text(
        f"; key-signing key, keyid {tag}, for {zone}\n{zone} 3600 IN DNSKEY {dnskey.to_text()}\n"
    )
    lines = ["Private-key-format: v1.3", f"Algorithm: {number} ({signing.algorithm})"]
    lines += [f"{label}: {base64.b64encode(value).decode()}" for label, value in fields]
    private_path = Path(f"{base}.private")
    private_path.write_text("\n".join(lines) + "\n")
    private_path.chmod(0o600)
    return ZoneKey(zone, base, dnskey)


def _unsigned_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


def sign_zone(unsigned: Path, signed: Path, zone: str, keys: list[ZoneKey], signing: Signing) -> None:
    """Sign `unsigned` (which must already contain the keys' DNSKEYs) into `signed`, every RRset by every key."""
    argv = [
        require_binary("dnssec-signzone", "bind9-utils"),
        "-n", "1",  # one worker thread: the zones are tiny and the lab signs several at once
        "-P",  # no post-signing verification: the expired zone is meant to fail it
        "-z",  # the one key signs every RRset, not only the DNSKEY set
        "-o", zone,
        "-f", str(signed),
        "-d", str(signed.parent),  # its dsset- file goes there, not into the current directory
        "-K", str(keys[0].base.parent),
        "-s", _relative(signing.inception),
        "-e", _relative(signing.expiration),
    ]
    if signing.nsec3:
        salt, iterations = signing.nsec3
        argv += ["-3", salt, "-H", str(iterations)]
    argv += [str(unsigned)] + [f"{key.base}.private" for key in keys]
    _run(argv, f"dnssec-signzone for {zone}")


def _relative(offset: int) -> str:
    return f"now{offset:+d}"


def _run(argv: list[str], what: str) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LabError(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}")
    return proc.stdout
