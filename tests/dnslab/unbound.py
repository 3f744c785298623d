"""The lab's resolvers: one Unbound per role, each pointed only at the lab's root (root-hints) with the
lab's trust anchor, allowed to query loopback (`do-not-query-localhost: no`) and told that the lab TLD is
not a locally served RFC 6761 name (`local-zone: "<tld>." nodefault`).

Roles: validating (DNSSEC + QNAME minimisation), non-validating (iterator only, no minimisation),
dot (validating, plus DNS over TLS on 853 and DNS over HTTPS on 443 at /dns-query, HTTP/2, with a
certificate for its address and DOH_HOST issued at start by the lab's own CA, `make_ca`),
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
DOH_PORT = 443
DOH_HOST = "dns.lab.test"  # the host name of the lab's DoH URL, https://dns.lab.test/dns-query


def write_config(directory: Path, role: str, address: str, tld: str, root_hints: Path, trust_anchor: Path,
                 ca: tuple | None = None) -> Path:
    """unbound.conf for one resolver role, in its own directory (`ca`: `make_ca`'s, for the dot role)."""
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
        key, cert = make_certificate(directory, address, ca)
        lines += [
            f"    interface: {address}@{DOT_PORT}",
            f"    tls-port: {DOT_PORT}",
            f"    interface: {address}@{DOH_PORT}",
            f"    https-port: {DOH_PORT}",
            '    http-endpoint: "/dns-query"',
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


def make_ca(directory: Path) -> tuple:
    """The lab's own certificate authority: (key, certificate, path of its PEM file for clients)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "KINDNS lab CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = directory / "lab-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def make_certificate(directory: Path, address: str, ca: tuple) -> tuple[Path, Path]:
    """A P-256 certificate for `address` and DOH_HOST (valid a day) issued by the lab CA, for DoT and DoH."""
    ca_key, ca_cert, _path = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOH_HOST)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(DOH_HOST), x509.IPAddress(ipaddress.ip_address(address))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_path = directory / "dot.key"
    cert_path = directory / "dot.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
