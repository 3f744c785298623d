"""The lab's resolvers: one Unbound per role, each pointed only at the lab's root (root-hints) with the
lab's trust anchor, allowed to query loopback (`do-not-query-localhost: no`) and told that the lab TLD is
not a locally served RFC 6761 name (`local-zone: "<tld>." nodefault`).

Roles: validating (DNSSEC + QNAME minimisation), non-validating (iterator only, no minimisation),
dot (validating, plus DNS over TLS on 853 with a self-signed certificate made at start),
closed (access-control refuses everyone, like a private resolver seen from outside).
"""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .apparmor import executable_for
from .errors import require_binary
from .process import ServerProcess

DOT_PORT = 853


def write_config(directory: Path, role: str, address: str, tld: str, root_hints: Path, trust_anchor: Path) -> Path:
    """unbound.conf for one resolver role, in its own directory."""
    validating = role in ("validating", "dot", "closed")
    lines = [
        "server:",
        "    verbosity: 1",
        f"    interface: {address}@53",
        "    port: 53",
        "    do-ip4: yes",
        "    do-ip6: no",
        "    do-daemonize: no",
        '    username: ""',
        '    chroot: ""',
        f'    directory: "{directory}"',
        f'    pidfile: "{directory}/unbound.pid"',
        '    logfile: ""',
        "    use-syslog: no",
        "    log-servfail: yes",
        "    num-threads: 1",
        "    so-reuseport: no",
        "    outgoing-range: 512",
        "    num-queries-per-thread: 256",
        "    incoming-num-tcp: 100",
        "    msg-cache-size: 1m",
        "    rrset-cache-size: 1m",
        # Queries leave from a loopback address, which the kernel never routes off the machine.
        f"    outgoing-interface: {address}",
        f'    root-hints: "{root_hints}"',
        "    do-not-query-localhost: no",
        f'    local-zone: "{tld}." nodefault',
        "    trust-anchor-signaling: no",
        "    root-key-sentinel: no",
        "    harden-referral-path: no",
        "    prefetch: no",
        f"    qname-minimisation: {'yes' if validating else 'no'}",
        "    qname-minimisation-strict: no",
    ]
    if validating:
        lines += ['    module-config: "validator iterator"', f'    trust-anchor-file: "{trust_anchor}"']
    else:
        lines += ['    module-config: "iterator"']
    if role == "closed":
        lines += ["    access-control: 0.0.0.0/0 refuse", "    access-control: 127.0.0.0/8 refuse"]
    else:
        lines += ["    access-control: 127.0.0.0/8 allow"]
    if role == "dot":
        key, cert = make_certificate(directory, address)
        lines += [
            f"    interface: {address}@{DOT_PORT}",
            f"    tls-port: {DOT_PORT}",
            f'    tls-service-key: "{key}"',
            f'    tls-service-pem: "{cert}"',
        ]
    lines += ["remote-control:", "    control-enable: no"]
    conf = directory / "unbound.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def unbound_process(directory: Path, role: str, conf: Path) -> ServerProcess:
    unbound = executable_for(require_binary("unbound", "unbound"), directory.parent)
    log = directory / "unbound.log"
    return ServerProcess(f"unbound ({role})", [unbound, "-d", "-c", str(conf)], log, cwd=directory)


def make_certificate(directory: Path, address: str) -> tuple[Path, Path]:
    """A self-signed P-256 certificate for `address` (valid a day), for DNS over TLS."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dot.lab.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("dot.lab.test"), x509.IPAddress(ipaddress.ip_address(address))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_path = directory / "dot.key"
    cert_path = directory / "dot.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
