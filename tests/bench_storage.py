"""The PostgreSQL storage of a year of daily checks, kept as the registry keeps them.

    python -m tests.bench_storage [--participants 10000] [--days 365] [--postgres-url URL]

A database of its own: `kindns seed-scale --days 365` (runs older than KINDNS_HISTORY_FULL_DAYS written as
compaction leaves them), VACUUM ANALYZE, then the database's size and its largest tables, indexes included.
Never part of `make test`.
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

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 5 * 1024**3


def measure_year(admin_url: str, participants: int = 10_000, days: int = 365) -> dict:
    import psycopg

    name = f"kindns_year_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rpartition("/")[0]
    url = f"{base}/{name}"
    env = {**os.environ, "KINDNS_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
           "KINDNS_INSTANCE_PATH": tempfile.mkdtemp(prefix="kindns-year-")}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    try:
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        began = time.monotonic()
        seeded = subprocess.run([*flask, "kindns", "seed-scale", "--participants", str(participants),
                                 "--days", str(days)], cwd=ROOT, env=env, capture_output=True, text=True)
        if seeded.returncode != 0:
            sys.exit(f"seed-scale failed:\n{seeded.stdout}\n{seeded.stderr[-3000:]}")
        seconds = time.monotonic() - began
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
            total = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            tables = connection.execute(
                "SELECT relname, pg_total_relation_size(oid), pg_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                "ORDER BY pg_total_relation_size(oid) DESC LIMIT 6").fetchall()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nA year of daily checks on PostgreSQL: {participants:,} participants, {days} days "
          f"({seeded.stdout.strip()})")
    print(f"  database size  {total / 1024**3:.2f} GB (limit {LIMIT_BYTES / 1024**3:.0f} GB), "
          f"written in {seconds:.0f} s")
    for relname, with_indexes, heap in tables:
        print(f"  {relname:<22} {with_indexes / 1024**2:>8.0f} MB ({heap / 1024**2:.0f} MB of rows)")
    return {"participants": participants, "days": days, "bytes": total, "seed": seeded.stdout.strip(),
            "tables": {relname: with_indexes for relname, with_indexes, _heap in tables}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--postgres-url", default=os.environ.get("KINDNS_TEST_DATABASE_URL",
                                                                  "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    figures = measure_year(args.postgres_url, args.participants, args.days)
    return 0 if figures["bytes"] < LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
