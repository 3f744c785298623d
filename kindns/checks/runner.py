"""Running checks: many zones or resolvers at once, each under its deadline, then judging each snapshot.

The async functions are the engine's entry points for async callers; `run_zone_checks` and
`run_resolver_checks` are synchronous wrappers for the CLI and the web app's worker.
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
from datetime import datetime, timezone
from typing import AsyncIterator, Callable, Iterator

from . import resolver_checks, zone_checks  # noqa: F401  (importing them fills the catalogue)
from .catalogue import RESOLVER_CHECKS, ZONE_CHECKS
from .collect import Collector, new_zone_snapshot
from .config import CheckConfig
from .report import TargetReport
from .resolver_checks import CATEGORIES
from .snapshot import ResolverSnapshot, ZoneSnapshot

Progress = Callable[[TargetReport], None]


def _now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def _within_deadline(collect, snapshot, deadline: float) -> None:
    """Collect under the deadline; on expiry keep what was collected and say why the rest is missing.

    The collection runs as its own task that is cancelled, not awaited, at the deadline: a
    cancellation that lands while a query completes can be swallowed inside asyncio.wait_for (used by
    dnspython), so waiting for the task to end would not make the deadline hold. The caller judges
    the snapshot at once, before the cancelled task can run again.
    """
    task = asyncio.ensure_future(collect(snapshot))
    try:
        done, _pending = await asyncio.wait({task}, timeout=deadline)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        task.result()  # a bug in collection must not pass silently
        return
    task.cancel()
    snapshot.incomplete = f"the deadline of {deadline:g} s was reached before every answer came"


def judge_zone(snapshot: ZoneSnapshot, checked_at: str, duration_ms: int) -> TargetReport:
    """Every zone check on a snapshot (pure: no queries)."""
    return TargetReport(snapshot.zone, checked_at, duration_ms, [spec.run(snapshot) for spec in ZONE_CHECKS.values()])


def judge_resolver(snapshot: ResolverSnapshot, checked_at: str, duration_ms: int) -> TargetReport:
    """Every resolver check on a snapshot (pure: no queries)."""
    return TargetReport(snapshot.address, checked_at, duration_ms,
                        [spec.run(snapshot) for spec in RESOLVER_CHECKS.values()])


async def iter_zone_checks(names: list[str], config: CheckConfig) -> AsyncIterator[TargetReport]:
    """Check zones and yield each report as soon as it is ready (in completion order).

    At most `config.concurrency` zones are in progress, so memory depends on the concurrency, not on
    how many zones are checked: a caller that stores each report as it comes keeps memory flat.
    """
    collector = Collector(config)
    pending = iter(names)
    running: set[asyncio.Task] = set()

    async def one(name: str) -> TargetReport:
        checked_at, started = _now_iso(), time.perf_counter()
        snapshot = new_zone_snapshot(name, config)
        await _within_deadline(collector.collect_zone, snapshot, config.zone_deadline)
        return judge_zone(snapshot, checked_at, round((time.perf_counter() - started) * 1000))

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


async def check_zones(names: list[str], config: CheckConfig, progress: Progress | None = None) -> list[TargetReport]:
    """Check zones (normalised names, no trailing dot), at most `config.concurrency` at a time.

    Reports come back in the order of `names`; `progress` is called as each zone finishes.
    """
    by_position: dict[int, TargetReport] = {}
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    async for report in iter_zone_checks(names, config):
        by_position[positions[report.target].pop(0)] = report
        if progress is not None:
            progress(report)
    return [by_position[i] for i in range(len(names))]


async def check_resolvers(addresses: list[str], category: str, config: CheckConfig,
                          progress: Progress | None = None) -> list[TargetReport]:
    """Check declared resolver addresses of one operator (the count check looks at them together)."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    collector = Collector(config)
    gate = asyncio.Semaphore(max(1, config.concurrency))
    declared = list(dict.fromkeys(addresses))
    snapshots = [ResolverSnapshot(address, category, declared) for address in declared]
    timings: dict[str, tuple[str, float]] = {}

    async def one(snapshot: ResolverSnapshot) -> None:
        async with gate:
            started = time.perf_counter()
            checked_at = _now_iso()
            await _within_deadline(collector.collect_resolver, snapshot, config.zone_deadline)
            timings[snapshot.address] = (checked_at, time.perf_counter() - started)

    await asyncio.gather(*(one(s) for s in snapshots))
    answering = {s.address: resolver_checks.serves_us(s.access) for s in snapshots}
    reports = []
    for snapshot in snapshots:
        snapshot.peers_answering = answering
        checked_at, seconds = timings[snapshot.address]
        report = judge_resolver(snapshot, checked_at, round(seconds * 1000))
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
    async def send_all() -> None:
        async for report in iter_zone_checks(names, config):
            results.put(("report", report))
    try:
        asyncio.run(send_all())
    except Exception:  # noqa: BLE001 - whatever it is, the parent must hear of it rather than wait
        results.put(("failed", traceback.format_exc()))
    else:
        results.put(("done", None))


def iter_zone_reports(names: list[str], config: CheckConfig) -> Iterator[TargetReport]:
    """Check zones and yield reports as they are ready, for synchronous callers.

    Parsing DNS messages is CPU-bound, so a large run is shared between worker processes (every
    n-th zone to each, with `config.concurrency` divided between them); each streams its reports back
    as they are ready, so memory does not grow with the number of zones. Small runs stay in this process.
    """
    processes = processes_for(len(names), config)
    if processes == 1:
        yield from asyncio.run(check_zones(names, config))
        return
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
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    by_position: dict[int, TargetReport] = {}
    for report in iter_zone_reports(names, config):
        by_position[positions[report.target].pop(0)] = report
        if progress is not None:
            progress(report)
    return [by_position[i] for i in range(len(names))]


def run_resolver_checks(addresses: list[str], category: str, config: CheckConfig,
                        progress: Progress | None = None) -> list[TargetReport]:
    """Synchronous `check_resolvers`, for callers without an event loop."""
    return asyncio.run(check_resolvers(addresses, category, config, progress))
