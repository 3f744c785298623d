"""Benchmark of measurement campaigns on the worker fleet: the DNS lab in scale mode (at least 20,000 well-run
signed zones), PostgreSQL, Redis, and the registry's own worker processes.

    python -m tests.bench_observatory [--zones 20000] [--workers 1 2] [--threads 2] [--batch-size 500]

Starts the lab with `--zones` copies of its good zone (each signed with its own key, DS at the TLD, on the good
zone's BIND and Knot servers), a PostgreSQL database of its own (KINDNS_TEST_DATABASE_URL's server, dropped
at the end) and a Redis queue of its own (KINDNS_TEST_REDIS_URL, default redis://127.0.0.1:6379/0). Then, for
each number of worker processes, records a campaign of every zone with `kindns campaign create`, starts that
many `kindns worker` processes and waits until every zone is measured. Prints per run: seconds, zones a second,
peak memory of each worker process, whether every zone got a well-run zone's verdicts; then the database's
size per 1,000 zones and the hours 1,000,000 zones would take on N hosts.

The per-address politeness limit is off here (KINDNS_CAMPAIGN_SERVER_RATE=0): every bench zone is on the same
two addresses, so the limit would be all that is measured; the ceiling it sets is printed instead. The lab's
servers share this machine's cores with the workers, and so does any other work: the load average is
printed with the figures.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("KINDNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("KINDNS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
QUERIES_PER_ZONE_AND_ADDRESS = 8  # about: 17 probes a zone over its two nameservers' addresses (and their parent)


def _peak_rss_mib(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _flask(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "kindns", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"kindns {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _run(env, engine, zones_file: Path, count: int, processes: int, threads: int, batch_size: int, logs: Path):
    name = f"bench {processes} worker(s) {uuid.uuid4().hex[:6]}"
    print(_flask(env, "campaign", "create", name, "test", str(zones_file), "--batch-size", str(batch_size)).strip(),
          flush=True)
    with engine.connect() as connection:
        campaign_id, slug = connection.execute(text("SELECT id, slug FROM campaign ORDER BY id DESC LIMIT 1")).one()
    workers = []
    for index in range(processes):
        log = open(logs / f"worker-{processes}-{index}.log", "w")
        workers.append((subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "kindns", "worker",
                                          "--workers", str(threads), "--no-periodic"], cwd=PROJECT_ROOT, env=env,
                                         stdout=log, stderr=subprocess.STDOUT), log))
    peaks = [0.0] * processes
    try:
        while True:
            time.sleep(2)
            for index, (process, _log) in enumerate(workers):
                if process.poll() is not None:
                    raise SystemExit(f"worker {index} stopped; see {logs}")
                peaks[index] = max(peaks[index], _peak_rss_mib(process.pid))
            with engine.connect() as connection:
                status, done = connection.execute(text(
                    "SELECT status, (SELECT count(*) FROM campaign_zone WHERE campaign_id = :id "
                    "AND measured_at IS NOT NULL) FROM campaign WHERE id = :id"), {"id": campaign_id}).one()
            print(f"\r  {done}/{count} zones measured", end="", flush=True)
            if status == "done":
                break
    finally:
        for process, log in workers:
            process.terminate()
        for process, log in workers:
            process.wait(30)
            log.close()
    print()
    with engine.connect() as connection:
        seconds = connection.execute(text(
            "SELECT EXTRACT(EPOCH FROM finished_at - started_at) FROM campaign WHERE id = :id"),
            {"id": campaign_id}).scalar()
        well_run = connection.execute(text(
            "SELECT count(*) FROM campaign_zone WHERE campaign_id = :id AND verdicts ~ '^p+$'"),
            {"id": campaign_id}).scalar()
        # The others: with an error (not measured: a timeout, the deadline) or a failure or warning.
        errors, faults = connection.execute(text(
            "SELECT count(*) FILTER (WHERE verdicts LIKE '%e%'), "
            "count(*) FILTER (WHERE verdicts NOT LIKE '%e%' AND verdicts ~ '[fw]') "
            "FROM campaign_zone WHERE campaign_id = :id"), {"id": campaign_id}).one()
    return {"slug": slug, "seconds": float(seconds), "rate": count / float(seconds), "peaks": peaks,
            "well_run": well_run, "errors": errors, "faults": faults}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zones", type=int, default=20000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads", type=int, default=2, help="batches measured at once in a worker process")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50, help="zones in progress at once in a batch")
    args = parser.parse_args(argv)

    from tests.conformance.conftest import registry_environment, write_instance_config
    from tests.dnslab import start_lab
    from tests.dnslab.serve import facts_of

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
          flush=True)
    started = time.monotonic()
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    database = f"kindns_bench_{uuid.uuid4().hex[:8]}"
    queue = f"kindns_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        with start_lab(bench_zones=args.zones) as lab, tempfile.TemporaryDirectory(prefix="kindns-bench-") as tmp:
            folder = Path(tmp)
            print(f"lab with {len(lab.bench_zones)} bench zones started in {time.monotonic() - started:.0f} s",
                  flush=True)
            write_instance_config(folder / "instance", {
                "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "KINDNS_OUTBOX": str(folder / "outbox"),
                "KINDNS_BASE_URL": "https://registry.example.net", **facts_of(lab)["settings"],
                "KINDNS_CAMPAIGN_SERVER_RATE": 0, "KINDNS_CAMPAIGN_PARALLEL_BATCHES": 64,
                "KINDNS_CAMPAIGN_CONCURRENCY": args.concurrency})
            env = registry_environment(folder / "instance", KINDNS_REDIS_URL=REDIS_URL, KINDNS_QUEUE_NAME=queue)
            subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=PROJECT_ROOT,
                           env=env, check=True, capture_output=True)
            zones_file = folder / "zones.txt"
            zones_file.write_text("".join(f"{zone}\n" for zone in lab.bench_zones))
            results = {}
            for processes in args.workers:
                print(f"-- {processes} worker process(es), {args.threads} batches at once each", flush=True)
                results[processes] = _run(env, engine, zones_file, len(lab.bench_zones), processes, args.threads,
                                          args.batch_size, folder)
                r = results[processes]
                print(f"   {r['seconds']:.0f} s, {r['rate']:.1f} zones/s, peak memory per worker "
                      f"{', '.join(f'{p:.0f}' for p in r['peaks'])} MiB, well-run verdicts on {r['well_run']} of "
                      f"{len(lab.bench_zones)} zones ({r['errors']} with a check not measured, {r['faults']} with a failure or "
                      f"warning)", flush=True)
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT count(*) FROM campaign_zone")).scalar()
                size = connection.execute(text(
                    "SELECT pg_total_relation_size('campaign_zone') + pg_total_relation_size('campaign_batch')"
                )).scalar()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"database: {size / rows * 1000 / 1024:.0f} KiB per 1,000 zones (zone rows, indexes and batches; "
          f"{rows} rows); 1,000,000 zones: {size / rows * 1e6 / 2**20:.0f} MiB")
    best = max(results, key=lambda p: results[p]["rate"] / p)
    per_process = results[best]["rate"] / best
    cores = os.cpu_count() or 1
    print(f"per worker process: {per_process:.1f} zones/s (from the {best}-process run); a host runs about one "
          f"worker process per core")
    for hosts in (1, 2, 4, 8, 16):
        hours = 1e6 / (per_process * cores * hosts) / 3600
        print(f"  1,000,000 zones on {hosts:2d} host(s) of {cores} cores: {hours:.1f} h")
    ceiling = float(os.environ.get("KINDNS_CAMPAIGN_SERVER_RATE", "20")) / QUERIES_PER_ZONE_AND_ADDRESS
    print(f"politeness ceiling: with KINDNS_CAMPAIGN_SERVER_RATE=20 (the default), zones that share one operator's "
          f"nameserver addresses go at most ~{ceiling:.1f} zones/s per worker process")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
