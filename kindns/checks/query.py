"""The one place that sends a DNS query: timeout, retry, size limit, address policy, and a record of it all.

Every query yields a `Probe`, whether an answer came back or not: failures (a timeout, a refused
connection, a malformed answer, an address we may not probe) are data in the probe, so judges can turn
them into findings and reports can show them as evidence.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import ssl
import struct
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field

import dns.asyncquery
import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from .config import CheckConfig, ConfigError
from .messages import msg, render
from .safety import address_refusal
from .udp import UdpChannel, UdpTimeout, message_id

DEFAULT_PORTS = {"udp": 53, "tcp": 53, "tls": 853, "https": 443}
MAX_EVIDENCE_RECORDS = 12   # records listed per probe in a report; the judges see them all
MAX_RECORD_TEXT = 160
PARSED_ANSWERS = 256        # parsed UDP answers a run keeps for answers that come again byte for byte


@dataclass(eq=False)
class Probe:
    """One question asked of one server, and what happened. Compared by identity: one probe may stand
    for several questions (an SOA answer that also showed the apex NS set).

    `message` holds the parsed answer for the judges; it is not part of the evidence dict, which
    carries the records that matter as text.
    """

    server: str
    server_name: str | None
    transport: str            # "udp", "tcp", "tls" or "https"
    port: int
    qname: str
    qtype: str
    recursion_desired: bool
    dnssec_ok: bool
    edns: bool
    qclass: str = "IN"              # "CH" for the server's identity (version.bind), which also asks for NSID
    message: dns.message.Message | None = None
    error: str | None = None        # a short code: timeout, refused-by-policy, malformed, ...
    error_detail: str = ""
    elapsed_ms: float = 0.0
    size: int = 0
    attempts: int = 0
    truncated_retry: bool = False   # UDP answer had TC set and the query was repeated over TCP
    tls_verified: bool | None = None  # TLS and HTTPS: whether the certificate was verified (None: not TLS)
    url: str = ""                   # HTTPS: the DoH URL asked (`server` is the address connected to)
    # The additional section, but for its OPT record, was not parsed (nothing a judge reads is there);
    # `wire` keeps the answer exactly as received, for storing.
    trimmed: bool = False
    wire: bytes | None = field(default=None, repr=False)
    _evidence: dict | None = field(default=None, repr=False, compare=False)

    @property
    def answered(self) -> bool:
        return self.message is not None

    @property
    def rcode(self) -> str | None:
        return dns.rcode.to_text(self.message.rcode()) if self.message is not None else None

    def has_flag(self, flag: str) -> bool:
        return self.message is not None and bool(self.message.flags & dns.flags.Flag[flag])

    @property
    def flags(self) -> list[str]:
        if self.message is None:
            return []
        return dns.flags.to_text(self.message.flags).split()

    def section(self, name: str) -> list[dns.rrset.RRset]:
        """The rrsets of the 'answer', 'authority' or 'additional' section (empty without an answer)."""
        if self.message is None:
            return []
        return {"answer": self.message.answer, "authority": self.message.authority,
                "additional": self.message.additional}[name]

    def find(self, section: str, rdtype: str, owner: str | None = None,
             covers: str | None = None) -> dns.rrset.RRset | None:
        """The rrset of that type (and owner, and covered type for RRSIGs) in a section, if present."""
        wanted = _rdtype(rdtype)
        covered = _rdtype(covers) if covers else dns.rdatatype.NONE
        owner_name = dns_name(owner) if owner is not None else None
        for rrset in self.section(section):
            if rrset.rdtype == wanted and (owner_name is None or rrset.name == owner_name) \
                    and (covers is None or rrset.covers == covered):
                return rrset
        return None

    @property
    def nsid(self) -> str:
        """The server's NSID (RFC 5001) in its answer, as text ("" when it gave none)."""
        if self.message is None:
            return ""
        for option in self.message.options:
            if option.otype == dns.edns.NSID:
                data = option.to_wire() if not hasattr(option, "data") else option.data
                return bytes(data).decode("utf-8", "replace")
        return ""

    def dig(self, multi: bool = False, verify: bool = False) -> str:
        """A dig command that asks the same question of the same server (`multi`: records one field a line,
        with DNSKEY key tags and RRSIG dates spelt out; `verify`: TLS certificates verified)."""
        return dig_command(self.server, self.qname, self.qtype, port=self.port, transport=self.transport,
                           recurse=self.recursion_desired, dnssec=self.dnssec_ok, edns=self.edns, url=self.url,
                           multi=multi, verify=verify, qclass=self.qclass)

    def failure(self) -> dict | None:
        """Why this question got no answer, as a message of the vocabulary (messages.py); None when it
        got one. The raw detail stays in `error_detail`, for the evidence."""
        if self.answered:
            return None
        error = self.error
        if error is None:
            return msg("not-asked")
        if error == "refused-by-policy":
            return address_refusal(self.server, allow_private=False) or msg("probe-error", error=error)
        if error == "connection-refused":
            return msg(error, transport=self.transport.upper(), port=self.port)
        if error == "tls-certificate":
            return certificate_problem(self.error_detail)
        if error == "https-status":
            status = re.search(r"status code (\d+)", self.error_detail)
            return msg(error, status=int(status.group(1))) if status else msg("https-error")
        if error == "too-large":
            return msg(error, size=self.size)
        if error in ("timeout", "connection-closed", "tls-error", "https-error", "bad-response", "malformed",
                     "network-error"):
            return msg(error)
        return msg("probe-error", error=error)

    def to_evidence(self) -> dict:
        """The probe as a report shows it: who was asked what, how, and what came back.

        Computed once per probe (several checks cite the same probe); callers must not modify it."""
        if self._evidence is None:
            self._evidence = self._make_evidence()
        return self._evidence

    def _make_evidence(self) -> dict:
        records: list[str] = []
        total = 0
        for section in ("answer", "authority"):
            for rrset in self.section(section):
                total += len(rrset)
                if len(records) >= MAX_EVIDENCE_RECORDS:
                    continue
                start = (f"{rrset.name} {rrset.ttl} {dns.rdataclass.to_text(rrset.rdclass)} "
                         f"{dns.rdatatype.to_text(rrset.rdtype)} ")
                for rdata in rrset:
                    if len(records) < MAX_EVIDENCE_RECORDS:
                        records.append((start + rdata.to_text())[:MAX_RECORD_TEXT])
        evidence = {
            "server": self.server,
            "server_name": self.server_name,
            "query": f"{self.qname} {self.qtype}" if self.qclass == "IN" else f"{self.qname} {self.qclass} {self.qtype}",
            "transport": self.transport + ("+tcp" if self.truncated_retry else ""),
            "rd": self.recursion_desired,
            "do": self.dnssec_ok,
            "rcode": self.rcode,
            "flags": self.flags,
            "records": records,
            "time_ms": round(self.elapsed_ms, 1),
            "dig": self.dig(),
        }
        if total > len(records):
            evidence["records_omitted"] = total - len(records)
        if self.truncated_retry:
            evidence["note"] = "the UDP answer was truncated (TC bit set), so the query was asked again over TCP"
        if self.tls_verified is not None:
            evidence["certificate"] = "verified" if self.tls_verified else "not verified"
        if self.url:
            evidence["url"] = self.url
        if self.nsid:
            evidence["nsid"] = self.nsid
        if self.error:
            evidence["error"] = self.error
            evidence["error_detail"] = self.error_detail
        return evidence


def dig_command(server: str, qname: str, qtype: str, *, port: int | None = None, transport: str = "udp",
                recurse: bool = False, dnssec: bool = False, edns: bool = True, url: str = "", multi: bool = False,
                verify: bool = False, qclass: str = "IN") -> str:
    """The dig command that asks `server` this question the way a probe does."""
    parts = ["dig", f"@{server}"]
    if port is not None and port != DEFAULT_PORTS[transport]:
        parts.append(f"-p {port}")
    parts += [qname, qtype] if qclass == "IN" else [qname, qclass, qtype, "+nsid"]
    parts.append("+recurse" if recurse else "+norecurse")
    if dnssec:
        parts.append("+dnssec")
    if not edns:
        parts.append("+noedns")
    if multi:
        parts.append("+multi")
    if transport == "tcp":
        parts.append("+tcp")
    if transport == "tls":
        parts.append("+tls")
    if transport == "https":
        parts.append(f"+https={urllib.parse.urlsplit(url).path or '/dns-query'}")
    if verify and transport in ("tls", "https"):
        parts.append("+tls-ca")
    return " ".join(parts)


# OpenSSL's words for why a certificate does not verify, as the vocabulary's codes.
CERTIFICATE_PROBLEMS = (
    ("self-signed", "certificate-self-signed"), ("self signed", "certificate-self-signed"),
    ("has expired", "certificate-expired"), ("not yet valid", "certificate-not-yet-valid"),
    ("mismatch", "certificate-name-mismatch"), ("local issuer", "certificate-untrusted"),
    ("unable to get issuer", "certificate-untrusted"),
)


def certificate_problem(detail: str) -> dict:
    """The message for a certificate that did not verify, from the TLS library's reason."""
    text = detail.lower()
    return msg(next((code for words, code in CERTIFICATE_PROBLEMS if words in text), "certificate-invalid"))


@functools.lru_cache(maxsize=4096)
def dns_name(text: str) -> dns.name.Name:
    """A name from its text, parsed once per run of the process (names repeat across zones)."""
    return dns.name.from_text(text)


@functools.lru_cache(maxsize=256)
def _rdtype(text: str) -> dns.rdatatype.RdataType:
    return dns.rdatatype.from_text(text)


@functools.lru_cache(maxsize=8192)
def _udp_query(qname: str, qtype: str, recursion_desired: bool, dnssec_ok: bool, edns: bool,
               payload: int, qclass: str = "IN") -> tuple[bytes, bytes]:
    """(query wire, its question section) for a UDP query; made once, only the id changes per query."""
    wire = query_wire(qname, qtype, recursion_desired, dnssec_ok, edns, payload, qclass)
    return wire, wire[12:12 + len(dns_name(qname).to_wire()) + 4]


# The EDNS option of a CHAOS question: NSID (RFC 5001), empty in a query.
NSID_REQUEST = struct.pack("!HH", dns.edns.NSID, 0)


def query_wire(qname: str, qtype: str, recursion_desired: bool, dnssec_ok: bool, edns: bool,
               payload: int, qclass: str = "IN") -> bytes:
    """The wire form of the query `_make_query` builds (id 0), written directly: a header, one
    question, and an OPT record when `edns` (with the NSID option for a CHAOS question). Building it
    through a dnspython Message cost as much CPU as parsing a small answer, and almost every query
    names a new zone."""
    header = struct.pack("!HHHHHH", 0, dns.flags.RD if recursion_desired else 0, 1, 0, 0, 1 if edns else 0)
    question = dns_name(qname).to_wire() + struct.pack("!HH", _rdtype(qtype), _rdclass(qclass))
    if not edns:
        return header + question
    options = NSID_REQUEST if qclass != "IN" else b""
    # OPT: root owner, class = payload size, TTL = extended rcode 0, version 0, DO flag; then its options.
    opt = b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, payload, dns.flags.DO if dnssec_ok else 0,
                                len(options))
    return header + question + opt + options


@functools.lru_cache(maxsize=16)
def _rdclass(text: str) -> dns.rdataclass.RdataClass:
    return dns.rdataclass.from_text(text)


def _make_query(qname: str, qtype: str, recursion_desired: bool, dnssec_ok: bool, edns: bool,
                payload: int, qclass: str = "IN") -> dns.message.Message:
    # A CHAOS question is about the server itself: it asks for its NSID (RFC 5001) as well.
    options = [dns.edns.GenericOption(dns.edns.NSID, b"")] if qclass != "IN" and edns else None
    query = dns.message.make_query(dns_name(qname), _rdtype(qtype), dns.rdataclass.from_text(qclass),
                                   use_edns=0 if edns else False, payload=payload, want_dnssec=dnssec_ok and edns,
                                   options=options)
    if not recursion_desired:
        query.flags &= ~dns.flags.RD
    return query


def tls_contexts(ca_file: str = "") -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(verifying, not verifying) TLS contexts. The first checks the chain against `ca_file` (or the
    system's store when empty) and the name or IP address asked; the second is for seeing whether a
    server speaks DNS over TLS at all once its certificate has failed (the evidence says so)."""
    try:
        verifying = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot use {ca_file} as the TLS CA file: {exc}") from None
    lenient = ssl.create_default_context()
    lenient.check_hostname = False
    lenient.verify_mode = ssl.CERT_NONE
    return verifying, lenient


class ServerBuckets:
    """A token bucket per server address: at most `rate` queries a second to one address, in bursts of at
    most `burst`. Shared by the coroutines of one event loop (no lock needed: nothing awaits between
    reading and taking a token)."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}  # address -> (tokens, when counted)
        self.waited = 0.0  # seconds spent waiting, over every query (for benchmarks)

    def delay(self, address: str) -> float:
        """Take a token for one query to `address`; returns how long to wait before sending it (the token
        is spent at that moment: later callers queue behind it)."""
        now = self.clock()
        tokens, then = self._state.get(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate) - 1.0
        self._state[address] = (tokens, now)
        wait = 0.0 if tokens >= 0 else -tokens / self.rate
        self.waited += wait
        return wait

    async def take(self, address: str) -> None:
        wait = self.delay(address)
        if wait > 0:
            await asyncio.sleep(wait)


class Prober:
    """Sends queries for one run, under one config, with a bound on queries in flight.

    UDP goes through the run's shared sockets (udp.py); call `close()` when the run is over."""

    def __init__(self, config: CheckConfig):
        self.config = config
        self._inflight = asyncio.Semaphore(config.max_inflight_queries)
        self._inflight_tcp = asyncio.Semaphore(config.max_inflight_tcp)
        self._verifying, self._lenient = tls_contexts(config.tls_ca_file)
        self._udp = UdpChannel()
        self.queries_sent = 0
        self.buckets = ServerBuckets(config.server_rate, config.server_burst) if config.server_rate > 0 else None
        # The run's latest UDP answers as parsed, by their bytes after the message id: a zone's servers
        # often send the same answer byte for byte (one program serving both, or keys and signatures
        # copied as they are), and parsing is most of a query's CPU. Read-only for every probe sharing it.
        self._parsed: OrderedDict[tuple[bool, bytes], dns.message.Message] = OrderedDict()

    def close(self) -> None:
        self._udp.close()

    async def ask(self, server: str, qname: str, qtype: str, *, server_name: str | None = None,
                  transport: str = "udp", recursion_desired: bool = False, dnssec_ok: bool = True,
                  edns: bool = True, verify: bool = True, url: str = "", trim: bool = False,
                  qclass: str = "IN") -> Probe:
        """Ask `server` for `qname`/`qtype`; never raises for anything the network or the server does.

        A UDP answer with TC set is asked again over TCP (RFC 7766), and the probe says so. For "tls"
        and "https" the certificate is verified unless `verify` is false; "https" posts to `url`
        (RFC 8484) on a connection to `server`. With `trim`, a UDP answer's additional section (glue and
        its signatures: half the parsing of a typical answer) is not parsed, except for its OPT record."""
        port = DEFAULT_PORTS["https"] if transport == "https" else \
            self.config.dot_port if transport == "tls" else self.config.dns_port
        if transport == "https":
            port = urllib.parse.urlsplit(url).port or port
        qname = dns_name(qname).to_text()  # absolute, so evidence and dig commands read the same everywhere
        probe = Probe(server=server, server_name=server_name, transport=transport, port=port,
                      qname=qname, qtype=qtype, recursion_desired=recursion_desired,
                      dnssec_ok=dnssec_ok and edns, edns=edns, qclass=qclass, url=url,
                      trimmed=trim and transport == "udp",
                      tls_verified=verify if transport in ("tls", "https") else None)
        refusal = address_refusal(server, self.config.allow_private)
        if refusal:
            probe.error, probe.error_detail = "refused-by-policy", f"{server}: {render(refusal)}"
            return probe
        if self.buckets is not None:  # wait for the address's turn before taking a slot others could use
            await self.buckets.take(server)
        connection_gate = self._inflight_tcp if transport != "udp" else contextlib.nullcontext()
        async with connection_gate, self._inflight:
            started = time.perf_counter()  # the query's own time, not its wait for a slot
            for attempt in range(1 + max(0, self.config.retries)):
                probe.attempts = attempt + 1
                await self._exchange(probe, transport, verify)
                if probe.error != "timeout":
                    break
        if probe.message is not None and transport == "udp" and probe.message.flags & dns.flags.TC:
            probe.truncated_retry = True
            async with self._inflight_tcp, self._inflight:  # the order every TCP query takes them in
                await self._exchange(probe, "tcp", verify)
        probe.elapsed_ms = (time.perf_counter() - started) * 1000
        return probe

    def _parse(self, data: bytes, trimmed: bool) -> dns.message.Message:
        """`parse_answer`, once for answers identical but for their id (the message keeps the first one's)."""
        key = (trimmed, data[2:])
        message = self._parsed.get(key)
        if message is None:
            message = self._parsed[key] = parse_answer(data, trimmed)
            if len(self._parsed) > PARSED_ANSWERS:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(key)
        return message

    async def _exchange(self, probe: Probe, transport: str, verify: bool) -> None:
        """One attempt; fills the probe's message or its error."""
        self.queries_sent += 1
        timeout = self.config.timeout
        probe.message, probe.error, probe.error_detail, probe.wire = None, None, "", None
        shape = (probe.qname, probe.qtype, probe.recursion_desired, probe.dnssec_ok, probe.edns,
                 self.config.edns_payload, probe.qclass)
        try:
            if transport == "udp":
                wire, question = _udp_query(*shape)
                data = await self._udp.exchange(wire, probe.server, probe.port, timeout)
                response = self._parse(data, probe.trimmed)
                if not UdpChannel.answers_question(data, question):
                    raise dns.query.BadResponse()
                probe.wire = data
            elif transport == "tcp":
                query_id = message_id()
                data = await tcp_exchange(query_id.to_bytes(2, "big") + query_wire(*shape)[2:], probe.server,
                                          probe.port, timeout)
                response = parse_answer(data)
                if not _is_response(response, query_id, probe.qname, probe.qtype, probe.qclass):
                    raise dns.query.BadResponse()
                probe.wire = data
            elif transport == "tls":
                response = await dns.asyncquery.tls(
                    _make_query(*shape), probe.server, timeout=timeout, port=probe.port,
                    ssl_context=self._verifying if verify else self._lenient,
                    server_hostname=probe.server if verify else None)
            else:
                response = await _https(_make_query(*shape), probe, timeout,
                                        self._verifying if verify else self._lenient)
        except (dns.exception.Timeout, UdpTimeout, TimeoutError):
            probe.error, probe.error_detail = "timeout", f"no answer within {timeout:g} s"
        except ConnectionRefusedError:
            probe.error, probe.error_detail = "connection-refused", f"{transport.upper()} port {probe.port} refused the connection"
        except (ConnectionResetError, EOFError, asyncio.IncompleteReadError) as exc:
            probe.error, probe.error_detail = "connection-closed", f"the server closed the connection ({type(exc).__name__})"
        except ssl.SSLCertVerificationError as exc:
            probe.error, probe.error_detail = "tls-certificate", f"certificate not valid: {exc.verify_message or exc}"
        except ssl.SSLError as exc:
            probe.error, probe.error_detail = "tls-error", f"TLS handshake failed: {exc.reason or exc}"
        except HttpsFailure as exc:
            probe.error, probe.error_detail = exc.code, exc.detail
        except dns.query.BadResponse:
            probe.error, probe.error_detail = "bad-response", "the answer does not match the question"
        except dns.message.ShortHeader:
            probe.error, probe.error_detail = "malformed", "the answer is shorter than a DNS header"
        except dns.message.TrailingJunk:
            probe.error, probe.error_detail = "malformed", "the answer has bytes after its last record"
        except dns.exception.FormError as exc:
            probe.error, probe.error_detail = "malformed", f"the answer cannot be parsed: {exc}"
        except dns.exception.DNSException as exc:
            probe.error, probe.error_detail = "malformed", f"{type(exc).__name__}: {exc}"
        except ValueError as exc:
            # dnspython raises ValueError for some impossible rdata (bad lengths inside a record).
            probe.error, probe.error_detail = "malformed", f"invalid record data: {exc}"
        except OSError as exc:
            probe.error, probe.error_detail = "network-error", exc.strerror or str(exc)
        else:
            if transport != "udp":
                probe.trimmed = False  # TCP, TLS and HTTPS answers are parsed whole
            probe.size = len(probe.wire or response.wire or b"")
            if probe.size > self.config.max_response_size:
                probe.error = "too-large"
                probe.error_detail = f"{probe.size} bytes, over the {self.config.max_response_size}-byte limit"
            else:
                probe.message = response


async def tcp_exchange(wire: bytes, server: str, port: int, timeout: float) -> bytes:
    """Send one query over a new TCP connection (two-byte length framing, RFC 1035 4.2.2) and return the
    first message back, all within `timeout`. Raises TimeoutError, EOFError when the server closes the
    connection early, or the OSError of the connection."""
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(server, port)
        try:
            writer.write(len(wire).to_bytes(2, "big") + wire)
            length = int.from_bytes(await reader.readexactly(2), "big")
            return await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            raise EOFError() from None
        finally:
            writer.close()


def _is_response(response: dns.message.Message, query_id: int, qname: str, qtype: str, qclass: str = "IN") -> bool:
    """dnspython's test that a message answers our query (Message.is_response), without building the
    query: the QR bit, the id, the opcode, and the question asked (which an error answer may leave out)."""
    if not response.flags & dns.flags.QR or response.id != query_id \
            or dns.opcode.from_flags(response.flags) != dns.opcode.QUERY:
        return False
    if not response.question:
        return response.rcode() in (dns.rcode.FORMERR, dns.rcode.SERVFAIL, dns.rcode.NOTIMP, dns.rcode.REFUSED)
    asked = (dns_name(qname), _rdclass(qclass), _rdtype(qtype))
    return all((q.name, q.rdclass, q.rdtype) == asked for q in response.question)


def parse_answer(wire: bytes, trimmed: bool = False) -> dns.message.Message:
    """An answer's message; `trimmed`: without the additional records other than OPT (see without_glue)."""
    return dns.message.from_wire(without_glue(wire) if trimmed else wire)


def without_glue(wire: bytes) -> bytes:
    """The message with its additional section cut down to its OPT record (EDNS), or unchanged when its
    records cannot be walked (then the parser says what is wrong with it)."""
    try:
        counts = [int.from_bytes(wire[i:i + 2], "big") for i in (4, 6, 8, 10)]
        position = 12
        for _ in range(counts[0]):
            position = _skip_name(wire, position) + 4
        for _ in range(counts[1] + counts[2]):
            position = _skip_record(wire, position)
        kept, start = [], position
        for _ in range(counts[3]):
            end = _skip_record(wire, position)
            name_end = _skip_name(wire, position)
            if wire[name_end:name_end + 2] == b"\x00\x29":  # OPT
                kept.append(wire[position:end])
            position = end
    except IndexError:
        return wire
    if position > len(wire) or len(kept) == counts[3]:
        return wire
    return wire[:10] + len(kept).to_bytes(2, "big") + wire[12:start] + b"".join(kept) + wire[position:]


def _skip_name(wire: bytes, position: int) -> int:
    while True:
        length = wire[position]
        if length & 0xC0 == 0xC0:
            return position + 2
        if length & 0xC0:
            raise IndexError("bad label type")
        position += 1 + length
        if length == 0:
            return position


def _skip_record(wire: bytes, position: int) -> int:
    position = _skip_name(wire, position) + 8
    return position + 2 + int.from_bytes(wire[position:position + 2], "big")


class HttpsFailure(Exception):
    """A DNS over HTTPS exchange that gave no DNS answer, as a probe error code and a sentence."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


async def _https(query: dns.message.Message, probe: Probe, timeout: float,
                 context: ssl.SSLContext) -> dns.message.Message:
    """RFC 8484 POST of `query` to the probe's URL over a connection to the probe's address."""
    import httpx2  # the DoH client dnspython uses; imported here as only DoH probes need it

    try:
        return await dns.asyncquery.https(query, probe.url, timeout=timeout, bootstrap_address=probe.server,
                                          verify=context, http_version=dns.query.HTTPVersion.H2)
    except httpx2.TimeoutException:
        raise HttpsFailure("timeout", f"no answer within {timeout:g} s") from None
    except ValueError as exc:  # a status other than 2xx, or a URL dnspython cannot use
        code = "https-status" if "status code" in str(exc) else "https-error"
        raise HttpsFailure(code, f"HTTPS: {exc}"[:300]) from None
    except httpx2.HTTPError as exc:
        cause = exc.__cause__ or exc.__context__
        while cause is not None and not isinstance(cause, ssl.SSLError):
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise HttpsFailure("tls-certificate", f"certificate not valid: {cause.verify_message or cause}") from None
        if isinstance(cause, ssl.SSLError):
            raise HttpsFailure("tls-error", f"TLS handshake failed: {cause.reason or cause}") from None
        text = str(exc) or type(exc).__name__
        code = "connection-refused" if "refused" in text.lower() else "https-error"
        raise HttpsFailure(code, f"HTTPS: {text}"[:300]) from None
