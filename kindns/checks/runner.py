"""Running checks: many zones or resolvers at once, each under its deadline, then judging each snapshot.

The async functions are the engine's entry points for async callers; `run_zone_checks` and
`run_resolver_checks` are synchronous wrappers for the CLI and the web app's worker. `rejudge` judges a
stored snapshot again without any query.
"""
from __future__ import annotations

import asyncio
import itertools
import math
import multiprocessing
import os
import queue
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import AsyncIterator, Callable, Iterator, Mapping

from . import resolver_checks, zone_checks  # noqa: F401  (importing them fills the catalogue)
from .catalogue import RESOLVER_CHECKS, ZONE_CHECKS
from .collect import Collector, new_zone_snapshot
from .config import CheckConfig
from .dnssec import ValidationCache, judging_with
from .identify import identify_snapshot
from .messages import msg
from .report import TargetReport
from .resolver_checks import CATEGORIES
from .serialise import snapshot_from_dict, snapshot_to_dict
from .snapshot import ResolverSnapshot, ZoneSnapshot

Progress = Callable[[TargetReport], None]


@dataclass
class RunStats:
    """What a run cost the network: DNS queries sent (every attempt: retries and the TCP repeat of a
    truncated answer count), over all its processes. Filled in as the run ends."""

    queries: int = 0


def _iso(unix_time: float) -> str:
    return datetime.fromtimestamp(unix_time, timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def _within_deadline(collect, snapshot, deadline: float) -> None:
    """Collect under the deadline; on expiry keep what was collected and say why the rest is missing.

    The collection runs as its own task that is cancelled, not awaited, at the deadline: a
    cancellation that lands while a query completes can be swallowed inside asyncio.wait_for (used by
    dnspython), so waiting for the task to end would not make the deadline hold. The caller judges
    the snapshot at once, before the cancelled task can run again.
    """
    started = time.perf_counter()
    task = asyncio.ensure_future(collect(snapshot))
    try:
        done, _pending = await asyncio.wait({task}, timeout=deadline)
    except asyncio.CancelledError:
        task.cancel()
        raise
    snapshot.duration_ms = round((time.perf_counter() - started) * 1000)
    if task in done:
        task.result()  # a bug in collection must not pass silently
        return
    task.cancel()
    snapshot.incomplete = msg("deadline-reached", seconds=int(deadline) if deadline == int(deadline) else deadline)


def judge_zone(snapshot: ZoneSnapshot, cache: ValidationCache | None = None, *,
               keep_snapshot: bool = True) -> TargetReport:
    """Every zone check on a snapshot (pure: no queries). `cache` is the judging run's, if it has one.
    Without `keep_snapshot` the report carries no snapshot (a campaign stores only verdicts and facts)."""
    with judging_with(cache):
        outcomes = [spec.run(snapshot) for spec in ZONE_CHECKS.values()]
    whole = zone_checks.unmeasured(snapshot)
    unmeasured = None if whole is None else {"message": whole.message,
                                             "probes": [p.to_evidence() for p in whole.probes]}
    return TargetReport(snapshot.zone, _iso(snapshot.now), snapshot.duration_ms, outcomes, unmeasured,
                        snapshot=snapshot_to_dict(snapshot) if keep_snapshot else None,
                        software=identify_snapshot(snapshot).to_dict(), facts=zone_checks.zone_facts(snapshot))


def judge_resolver(snapshot: ResolverSnapshot) -> TargetReport:
    """Every resolver check on a snapshot (pure: no queries)."""
    with judging_with(None):
        outcomes = [spec.run(snapshot) for spec in RESOLVER_CHECKS.values()]
    return TargetReport(snapshot.address, _iso(snapshot.now), snapshot.duration_ms, outcomes,
                        snapshot=snapshot_to_dict(snapshot), software=identify_snapshot(snapshot).to_dict())


def rejudge(data: dict) -> TargetReport:
    """Judge a stored snapshot (`TargetReport.snapshot`) again under today's checks and policy.

    Sends no query: the report is made from the stored answers alone, so it shows what the checks say
    now about what the servers said then (its checked_at and duration_ms are the stored run's).
    """
    snapshot = snapshot_from_dict(data)
    if isinstance(snapshot, ZoneSnapshot):
        return judge_zone(snapshot)
    return judge_resolver(snapshot)


async def iter_zone_checks(names: list[str], config: CheckConfig,
                           stats: RunStats | None = None) -> AsyncIterator[TargetReport]:
    """Check zones and yield each report as soon as it is ready (in completion order).

    At most `config.concurrency` zones are in progress, so memory depends on the concurrency, not on
    how many zones are checked: a caller that stores each report as it comes keeps memory flat.
    `stats`, if given, gets the run's query count when it ends.
    """
    collector = Collector(config)
    cache = ValidationCache()
    pending = iter(names)
    running: set[asyncio.Task] = set()

    async def one(name: str) -> TargetReport:
        snapshot = new_zone_snapshot(name, config)
        await _within_deadline(collector.collect_zone, snapshot, config.zone_deadline)
        return judge_zone(snapshot, cache, keep_snapshot=config.keep_snapshots)

    def refill() -> None:
        for name in itertools.islice(pending, max(1, config.concurrency) - len(running)):
            running.add(asyncio.create_task(one(name)))

    refill()
    try:
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            running.difference_update(done)
            refill()
            for task in done:
                yield task.result()
    finally:
        for task in running:
            task.cancel()
        collector.close()
        if stats is not None:
            stats.queries += collector.prober.queries_sent


class _InOrder:
    """Puts reports that arrive in completion order back in the order of the names asked for."""

    def __init__(self, names: list[str], progress: Progress | None):
        self.count = len(names)
        self.progress = progress
        self.positions: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            self.positions.setdefault(name, []).append(index)
        self.by_position: dict[int, TargetReport] = {}

    def add(self, report: TargetReport) -> None:
        self.by_position[self.positions[report.target].pop(0)] = report
        if self.progress is not None:
            self.progress(report)

    def reports(self) -> list[TargetReport]:
        return [self.by_position[i] for i in range(self.count)]


async def check_zones(names: list[str], config: CheckConfig, progress: Progress | None = None) -> list[TargetReport]:
    """Check zones (normalised names, no trailing dot) in this process, for async callers.

    Reports come back in the order of `names`; `progress` is called as each zone finishes.
    """
    ordered = _InOrder(names, progress)
    async for report in iter_zone_checks(names, config):
        ordered.add(report)
    return ordered.reports()


async def check_resolvers(addresses: list[str], category: str, config: CheckConfig,
                          progress: Progress | None = None,
                          doh_urls: Mapping[str, str] | None = None) -> list[TargetReport]:
    """Check declared resolver addresses of one operator (the count check looks at them together).

    `doh_urls` maps an address to the DNS over HTTPS URL declared for it (e.g.
    "https://dns.example.net/dns-query"); that URL is then asked over a connection to the address."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    collector = Collector(config)
    gate = asyncio.Semaphore(max(1, config.concurrency))
    declared = list(dict.fromkeys(addresses))
    urls = dict(doh_urls or {})
    snapshots = [ResolverSnapshot(address, category, declared, doh_url=urls.get(address, "")) for address in declared]

    async def one(snapshot: ResolverSnapshot) -> None:
        async with gate:
            snapshot.now = time.time()
            await _within_deadline(collector.collect_resolver, snapshot, config.zone_deadline)

    try:
        await asyncio.gather(*(one(s) for s in snapshots))
    finally:
        collector.close()
    answering = {s.address: resolver_checks.serves_us(s.access) for s in snapshots}
    reports = []
    for snapshot in snapshots:
        snapshot.peers_answering = answering
        report = judge_resolver(snapshot)
        if progress is not None:
            progress(report)
        reports.append(report)
    return reports


def processes_for(count: int, config: CheckConfig) -> int:
    """How many processes a run of `count` zones uses under `config`."""
    if config.processes == 1 or count < config.processes_from:
        return 1
    wanted = config.processes or min(os.cpu_count() or 1, 8)
    return max(1, min(wanted, count))


def _check_shard(names: list[str], config: CheckConfig, results) -> None:
    """A worker process: check its share of the zones and send each report back as it is ready."""
    stats = RunStats()

    async def send_all() -> None:
        async for report in iter_zone_checks(names, config, stats):
            results.put(("report", report))
    try:
        asyncio.run(send_all())
    except Exception:  # noqa: BLE001 - whatever it is, the parent must hear of it rather than wait
        results.put(("failed", traceback.format_exc()))
    else:
        results.put(("done", stats.queries))


def iter_zone_reports(names: list[str], config: CheckConfig, stats: RunStats | None = None) -> Iterator[TargetReport]:
    """Check zones and yield reports as they are ready (completion order), for synchronous callers.

    Parsing DNS messages is CPU-bound, so a large run is shared between worker processes (every
    n-th zone to each, with `config.concurrency` divided between them); each streams its reports back
    as they are ready. Small runs stream from an event loop in this process. Either way memory does
    not grow with the number of zones. `stats`, if given, gets the run's query count when it ends.
    """
    processes = processes_for(len(names), config)
    if processes == 1:
        yield from _stream_in_process(names, config, stats)
    else:
        yield from _stream_from_processes(names, config, processes, stats)


def _stream_in_process(names: list[str], config: CheckConfig, stats: RunStats | None) -> Iterator[TargetReport]:
    """iter_zone_checks driven step by step from synchronous code (the Runner, like asyncio.run, cancels
    and finishes whatever is left when it closes)."""
    with asyncio.Runner() as runner:
        reports = iter_zone_checks(names, config, stats)
        try:
            while True:
                try:
                    yield runner.run(reports.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            runner.run(reports.aclose())


def _stream_from_processes(names: list[str], config: CheckConfig, processes: int,
                           stats: RunStats | None) -> Iterator[TargetReport]:
    # The bounds hold for the run as a whole, so each process gets its share of them.
    share = config.replace(
        processes=1,
        concurrency=max(1, math.ceil(config.concurrency / processes)),
        max_inflight_queries=max(1, math.ceil(config.max_inflight_queries / processes)),
        max_inflight_tcp=max(1, math.ceil(config.max_inflight_tcp / processes)),
    )
    # "spawn": forking a process that may run threads (a web worker) is unsafe.
    context = multiprocessing.get_context("spawn")
    results = context.Queue(maxsize=4 * config.concurrency)
    workers = [context.Process(target=_check_shard, args=(names[i::processes], share, results), daemon=True)
               for i in range(processes)]
    for worker in workers:
        worker.start()
    try:
        running = processes
        while running:
            try:
                kind, payload = results.get(timeout=1.0)
            except queue.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"a check worker process died (exit code {dead[0].exitcode})") from None
                continue
            if kind == "report":
                yield payload
            elif kind == "done":
                running -= 1
                if stats is not None:
                    stats.queries += payload
            else:
                raise RuntimeError(f"a check worker process failed:\n{payload}")
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def run_zone_checks(names: list[str], config: CheckConfig, progress: Progress | None = None) -> list[TargetReport]:
    """Check zones for callers without an event loop; reports in the order of `names`.

    `progress` is called with each report as it is ready. Large runs use worker processes (see
    `iter_zone_reports`).
    """
    ordered = _InOrder(names, progress)
    for report in iter_zone_reports(names, config):
        ordered.add(report)
    return ordered.reports()


def run_resolver_checks(addresses: list[str], category: str, config: CheckConfig,
                        progress: Progress | None = None,
                        doh_urls: Mapping[str, str] | None = None) -> list[TargetReport]:
    """Synchronous `check_resolvers`, for callers without an event loop."""
    return asyncio.run(check_resolvers(addresses, category, config, progress, doh_urls))
