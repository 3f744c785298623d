"""What each public page costs, beside a hello-world page served the same way, with 28 and with 10,000
participants, on SQLite and on PostgreSQL; then a soak of every page at once on a freshly started server.

    python -m tests.bench_web [--sizes 28 10000] [--databases sqlite postgresql] [--duration 2] [--rounds 3]
                              [--soak 150] [--postgres-url postgresql://postgres@127.0.0.1:5432/test] [--year]

For each database and size: a registry of its own (`kindns seed-scale`, three daily runs of every zone and
resolver), `gunicorn -w 2 -k gthread --threads 2 --worker-connections 25` on a loopback port (each worker
serves half of the connections), and `wrk -t 2 -c 50` on each page in turn: --rounds times --duration
seconds, each just after as long on a hello-world Flask app started the same way. Prints, from the round
whose ratio is the median (the machine's other load moves a single round), requests per second, p50 and p99
latency and the ratio to hello-world. Rate limits are off (the pages' cost
is measured, not the limiter's). With --year, also the PostgreSQL storage of a year of daily checks of the
largest size, compacted as the registry keeps it (kindns.conformance.compaction).

Sends nothing anywhere but 127.0.0.1; never part of `make test`. Figures depend on what else the machine is
doing: the load average is printed first.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 50
# gunicorn's gthread worker accepts keep-alive connections while it has room for them (1,000 by default), so
# one of the two workers may hold all of wrk's connections while the other idles: a page then measures at
# about a third of its rate, hello-world too, by chance. Each worker takes at most its half of them here.
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "2", "--worker-connections", str(CONNECTIONS // 2)]
HELLO_APP = '''
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv: list[str], env: dict[str, str], timeout: int = 900) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


class Server:
    """gunicorn serving `app` from `cwd` on a free loopback port, until stopped."""

    def __init__(self, app: str, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{self.port}", "--no-control-socket",
             "--backlog", "2048", app], cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(self.base + "/")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def wrk(url: str, duration: int, connections: int = CONNECTIONS, script: Path | None = None) -> dict:
    argv = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s", "--latency"]
    if script:
        argv += ["-s", str(script)]
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=duration + 120)
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if done.returncode != 0 or rate is None:
        sys.exit(f"wrk failed on {url}:\n{out}\n{done.stderr}")

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    maximum = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", out)
    max_ms = float(maximum.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[maximum.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rate.group(1)), "p50": latency("50"), "p99": latency("99"), "max": max_ms,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "errors": errors.group(1) if errors else ""}


def _pages(base: str) -> dict[str, str]:
    """The public pages and API lists to measure, with a participant and a deep page of this registry."""
    listing = json.loads(_get(base + "/api/v1/participants"))
    slug = listing["items"][0]["slug"]
    deep = listing["pages"] // 2 or 1
    # A deep page as its links reach it: the API's next link carries the cursor; follow one from the middle.
    middle = json.loads(_get(f"{base}/api/v1/participants?page={deep}"))
    last_id = middle["next"].split("after=")[1] if middle.get("next") else ""
    deep_url = f"/participants?page={deep + 1}&after={last_id}" if last_id else "/participants?page=1"
    return {
        "home": "/", "participants": "/participants", "participants LAC": "/participants?region=LAC",
        "participants search": "/participants?q=andes", "participants deep page": deep_url,
        "participant": f"/participants/{slug}", "champions": "/champions", "leaderboard": "/leaderboard",
        "badge": f"/badge/{slug}.svg", "api participants": "/api/v1/participants",
        "api participant checks": f"/api/v1/participants/{slug}/checks", "api champions": "/api/v1/champions",
        "api leaderboard": "/api/v1/leaderboard",
    }


def _postgres_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _slash, _db = admin_url.rpartition("/")
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _soak(server: Server, pages: dict[str, str], seconds: int, folder: Path) -> dict:
    script = folder / "soak.lua"
    paths = ", ".join(json.dumps(p) for p in pages.values())
    script.write_text(f"local paths = {{{paths}}}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
                      f"  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n")
    return wrk(server.base, seconds, script=script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[28, 10_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=2, help="seconds of wrk per round (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of hello-world then page (default 3)")
    parser.add_argument("--soak", type=int, default=150,
                        help="seconds of every page at once on a fresh server at the largest size (0: none)")
    parser.add_argument("--postgres-url", default=os.environ.get("KINDNS_TEST_DATABASE_URL",
                                                                  "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--year", action="store_true", help="also measure a year of checks' storage")
    args = parser.parse_args(argv)
    # The registry's own form of the address (SQLAlchemy's driver name) is the test suite's; psycopg wants it plain.
    args.postgres_url = args.postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/install-system-deps.sh --bench installs it (make bench-web does).")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    folder = Path(tempfile.mkdtemp(prefix="kindns-bench-web-"))
    (folder / "hello").mkdir()
    (folder / "hello" / "hello_app.py").write_text(HELLO_APP)
    results: dict = {"pages": [], "soak": [], "storage": None}
    rows = []
    try:
        for database in args.databases:
            for size in args.sizes:
                name = f"kindns_bench_{uuid.uuid4().hex[:8]}"
                url = (_postgres_database(args.postgres_url, name) if database == "postgresql"
                       else f"sqlite:///{folder / (name + '.sqlite3')}")
                env = {**os.environ, "KINDNS_INSTANCE_PATH": str(folder / "instance"), "KINDNS_DATABASE_URL": url,
                       "KINDNS_RATELIMIT_ENABLED": "0", "PYTHONUNBUFFERED": "1", "KINDNS_REDIS_URL": ""}
                flask = [sys.executable, "-m", "flask", "--app", "app"]
                _run([*flask, "db", "upgrade"], env)
                began = time.monotonic()
                _run([*flask, "kindns", "seed-scale", "--participants", str(size)], env)
                seeded = time.monotonic() - began
                print(f"\n{database}, {size:,} participants (seed-scale: {seeded:.0f} s)")
                hello = Server("hello_app:app", env, folder / "hello", folder / "hello.log")
                app = Server("app:app", env, ROOT, folder / "app.log")
                try:
                    pages = _pages(app.base)
                    csv_began = time.monotonic()
                    csv_bytes = len(_get(app.base + "/api/v1/participants.csv"))
                    csv_seconds = time.monotonic() - csv_began
                    for label, path in pages.items():
                        # Hello-world just before each round of the page: the machine's other load changes
                        # by the second; the round with the median ratio stands for the page.
                        measured = []
                        for _round in range(args.rounds):
                            base_rate = wrk(hello.base + "/", args.duration)
                            figures = wrk(app.base + path, args.duration)
                            measured.append((figures["rps"] / base_rate["rps"], figures, base_rate))
                        measured.sort(key=lambda item: item[0])
                        ratio, figures, base_rate = measured[len(measured) // 2]
                        figures = {**figures, "non2xx": sum(f["non2xx"] for _r, f, _b in measured),
                                   "errors": "; ".join(f["errors"] for _r, f, _b in measured if f["errors"])}
                        row = {"database": database, "participants": size, "page": label, "path": path,
                               **figures, "ratio": round(ratio, 3), "hello_rps": base_rate["rps"]}
                        rows.append(row)
                        flag = "" if figures["non2xx"] == 0 and not figures["errors"] else \
                            f"  non-2xx {figures['non2xx']} {figures['errors']}"
                        print(f"  {label:<24} {figures['rps']:>8.0f} req/s  p50 {figures['p50']:>7.1f} ms  "
                              f"p99 {figures['p99']:>7.1f} ms  ratio {ratio:.2f} (hello-world "
                              f"{base_rate['rps']:.0f} req/s){flag}")
                    print(f"  {'csv (one download)':<24} {csv_seconds:.2f} s, {csv_bytes / 1e6:.1f} MB")
                    results["pages"].append({"database": database, "participants": size, "csv_seconds": csv_seconds,
                                             "csv_bytes": csv_bytes})
                finally:
                    app.stop()
                    hello.stop()
                if args.soak and size == max(args.sizes):
                    fresh = Server("app:app", env, ROOT, folder / "soak.log")
                    try:
                        soak = _soak(fresh, pages, args.soak, folder)
                    finally:
                        fresh.stop()
                    results["soak"].append({"database": database, "participants": size, **soak})
                    print(f"  soak {args.soak} s, every page, fresh server: {soak['rps']:.0f} req/s, p50 "
                          f"{soak['p50']:.1f} ms, p99 {soak['p99']:.1f} ms, slowest {soak['max']:.0f} ms, "
                          f"non-2xx {soak['non2xx']}")
                if database == "postgresql":
                    _drop_postgres(args.postgres_url, name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results["rows"] = rows
    _print_table(rows, args.sizes)
    if args.year:
        from tests.bench_storage import measure_year

        results["storage"] = measure_year(args.postgres_url, max(args.sizes))
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"web-{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


def _print_table(rows: list[dict], sizes: list[int]) -> None:
    """The README's table: per page and database, ratio to hello-world at each size and the change."""
    print("\n| page | database | " + " | ".join(f"{s:,}: req/s, p50, p99, ratio" for s in sizes) + " | change |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    keyed = {(r["page"], r["database"], r["participants"]): r for r in rows}
    for page, database in dict.fromkeys((r["page"], r["database"]) for r in rows):
        cells, rates = [], []
        for size in sizes:
            r = keyed.get((page, database, size))
            if r is None:
                cells.append("")
                continue
            rates.append(r["rps"])
            cells.append(f"{r['rps']:,.0f}, {r['p50']:.0f} ms, {r['p99']:.0f} ms, {r['ratio']:.2f}")
        change = f"{(rates[-1] / rates[0] - 1) * 100:+.0f} %" if len(rates) > 1 and rates[0] else ""
        print(f"| {page} | {database} | " + " | ".join(cells) + f" | {change} |")


if __name__ == "__main__":
    sys.exit(main())
