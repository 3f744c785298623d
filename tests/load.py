"""Load test of the web app on loopback: gunicorn with two worker processes, rate limits counted in Redis.

    python -m tests.load [--duration 60] [--connections 200] [--redis-url URL] [--database-url URL]

Builds a registry of its own in a temporary folder (SQLite unless --database-url, migrated and filled with
the demo data), starts `gunicorn -w 2 -k gthread` on a free loopback port behind a pretend reverse proxy
(KINDNS_PROXY_COUNT=1), and runs `wrk` with --connections connections for --duration seconds over the public
pages and the API, each request from its own client address (X-Forwarded-For in 198.18.0.0/15, the
benchmarking range) so that the per-client limits let the load through, as they would for many visitors.
Meanwhile, from one client address each, it sends more login, password-reset and API requests than their
limits allow, and checks that exactly the configured number got through, across both workers.

Prints the figures and fails (exit 1) on any 5xx, any socket error, or a limit that did not hold. Sends
nothing anywhere but 127.0.0.1; stops by itself; never part of `make test`.
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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from tests.helpers import csrf_token_from

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
THREADS = 4
# The limits under test, as configured for the run (the defaults of kindns.config.RATE_LIMITS).
LIMITS = {"login": ("/login", "POST", 10), "forgot-password": ("/forgot-password", "POST", 5),
          "api": ("/api/v1/regions", "GET", 300)}
ATTEMPTS = {"login": 30, "forgot-password": 15, "api": 360}
HAMMER_THREADS = 32
LIMITED_CLIENTS = {"login": "198.51.100.10", "forgot-password": "198.51.100.11", "api": "198.51.100.12"}

WRK_SCRIPT = r"""
local paths = {%(paths)s}
local threads = {}
local counter = 0
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + counter)
end

function request()
  counter = counter + 1
  local client = string.format("198.%%d.%%d.%%d", 18 + math.random(0, 1), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["X-Forwarded-For"] = client})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do table.insert(parts, string.format("\"%%d\": %%d", status, count)) end
  io.write("RESULT {\"statuses\": {" .. table.concat(parts, ", ") .. "}")
  io.write(string.format(", \"requests\": %%d, \"duration_us\": %%d, \"bytes\": %%d", summary.requests,
                         summary.duration, summary.bytes))
  io.write(string.format(", \"errors\": {\"connect\": %%d, \"read\": %%d, \"write\": %%d, \"timeout\": %%d}",
                         summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format(", \"latency_ms\": {\"p50\": %%.1f, \"p90\": %%.1f, \"p99\": %%.1f, \"max\": %%.1f}}\n",
                         latency:percentile(50) / 1000, latency:percentile(90) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _get(url: str, client: str, timeout: float = 30.0) -> tuple[int, bytes, str]:
    """Status, body and session cookie ("session=...", or "") of a GET from `client`."""
    request = urllib.request.Request(url, headers={"X-Forwarded-For": client})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
            return response.status, response.read(), next((c for c in cookies if c.startswith("session=")), "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""


def _post(url: str, client: str, body: bytes, cookie: str) -> int:
    request = urllib.request.Request(url, data=body, headers={"X-Forwarded-For": client, "Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _hammer(base: str, name: str) -> list[int]:
    """More requests than the limit allows, from one client address, many at a time (so that they all fall
    well within the limit's one-minute window even while the server is loaded)."""
    path, method, _limit = LIMITS[name]
    client = LIMITED_CLIENTS[name]
    if method == "GET":
        def send(_n: int) -> int:
            return _get(base + path, client)[0]
    else:
        status, page, cookie = _get(base + path, client)
        assert status == 200 and cookie, f"GET {path} answered {status}, session cookie {cookie!r}"
        body = urllib.parse.urlencode({"email": "nobody@example.net", "password": "not the password",
                                       "csrf_token": csrf_token_from(page)}).encode()

        def send(_n: int) -> int:
            return _post(base + path, client, body, cookie)
    with ThreadPoolExecutor(HAMMER_THREADS) as pool:
        return list(pool.map(send, range(ATTEMPTS[name])))


def _public_paths(base: str) -> list[str]:
    status, body, _ = _get(f"{base}/api/v1/participants", "198.51.100.1")
    assert status == 200, status
    slugs = [item["slug"] for item in json.loads(body)["items"]][:4]
    paths = ["/", "/participants", "/participants?region=LAC", "/champions", "/leaderboard",
             "/api/v1/", "/api/v1/participants", "/api/v1/participants?region=LAC&page=1", "/api/v1/champions",
             "/api/v1/leaderboard", "/api/v1/regions", "/api/v1/participants.csv"]
    for slug in slugs:
        paths += [f"/participants/{slug}", f"/badge/{slug}.svg", f"/api/v1/participants/{slug}",
                  f"/api/v1/participants/{slug}/checks"]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=200, help="open connections (default 200)")
    parser.add_argument("--redis-url", default=os.environ.get("KINDNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--database-url", default="", help="default: SQLite in the run's own folder")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, database)")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/install-system-deps.sh --bench installs it (make bench-load does).")

    import redis

    folder = Path(tempfile.mkdtemp(prefix="kindns-load-"))
    prefix = f"kindns_load_{uuid.uuid4().hex[:10]}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KINDNS_INSTANCE_PATH": str(folder / "instance"), "KINDNS_REDIS_URL": args.redis_url,
           "KINDNS_QUEUE_NAME": prefix, "KINDNS_BASE_URL": base, "KINDNS_PROXY_COUNT": "1",
           "KINDNS_DATABASE_URL": args.database_url or f"sqlite:///{folder / 'kindns.sqlite3'}",
           "PYTHONUNBUFFERED": "1"}
    for name in ("KINDNS_LOGIN_RATE_LIMIT", "KINDNS_FORGOT_PASSWORD_RATE_LIMIT", "KINDNS_API_RATE_LIMIT"):
        env.pop(name, None)  # the configured defaults are what is measured
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    _run([*flask, "db", "upgrade"], env)
    _run([*flask, "kindns", "seed-demo"], env)

    log_path = folder / "gunicorn.log"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS),
         "-b", f"127.0.0.1:{port}", "--no-control-socket", "--backlog", "2048", "--access-logfile", "-",
         "--access-logformat", "pid=%(p)s client=%({x-forwarded-for}i)s %(m)s %(U)s %(s)s", "app:app"],
        cwd=ROOT, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    failures: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/", "198.51.100.1", timeout=5)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        paths = _public_paths(base)
        script = folder / "load.lua"
        script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})

        limited: dict[str, list[int]] = {}

        def hammer_while_loaded() -> None:
            time.sleep(min(5, args.duration / 4))  # under the load
            for name in LIMITS:
                limited[name] = _hammer(base, name)

        hammering = threading.Thread(target=hammer_while_loaded)
        hammering.start()
        wrk = subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.duration}s",
                              "--timeout", "10s", "-s", str(script), base],
                             capture_output=True, text=True, timeout=args.duration + 120)
        hammering.join()
        match = re.search(r"^RESULT (.*)$", wrk.stdout, re.M)
        if wrk.returncode != 0 or match is None:
            sys.exit(f"wrk failed:\n{wrk.stdout}\n{wrk.stderr}")
        load = json.loads(match.group(1))
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()

    access = log_path.read_text(errors="replace")
    seconds = load["duration_us"] / 1e6
    server_errors = sum(n for status, n in load["statuses"].items() if int(status) >= 500)
    socket_errors = sum(load["errors"].values())
    print(f"Load: {args.connections} connections for {seconds:.0f} s on {len(paths)} public pages and API "
          f"URLs; gunicorn -w {WORKERS} -k gthread --threads {THREADS}, rate limits in Redis")
    print(f"  requests       {load['requests']} ({load['requests'] / seconds:.0f}/s)")
    print(f"  statuses       {dict(sorted(load['statuses'].items()))}")
    print(f"  latency (ms)   p50 {load['latency_ms']['p50']}  p90 {load['latency_ms']['p90']}  "
          f"p99 {load['latency_ms']['p99']}  max {load['latency_ms']['max']}")
    print(f"  5xx            {server_errors}")
    print(f"  socket errors  {load['errors']}")
    if server_errors:
        failures.append(f"{server_errors} responses were 5xx")
    if socket_errors:
        failures.append(f"socket errors: {load['errors']}")
    results = {"load": load, "limits": {}}
    print("Rate limits under that load, one client address each:")
    for name, (path, method, limit) in LIMITS.items():
        statuses = limited.get(name, [])
        allowed, refused = statuses.count(200), statuses.count(429)
        pids = set(re.findall(rf"^pid=<?(\d+)>? client={re.escape(LIMITED_CLIENTS[name])} {method} {re.escape(path)} ",
                              access, re.M))
        others = sorted(set(statuses) - {200, 429})
        print(f"  {method} {path:<18} {len(statuses)} sent, {allowed} allowed (limit {limit}), {refused} refused "
              f"with 429" + (f", others {others}" if others else "") + f"; served by {len(pids)} worker processes")
        results["limits"][name] = {"sent": len(statuses), "allowed": allowed, "refused": refused,
                                   "limit": limit, "workers": len(pids)}
        if allowed != limit or refused != len(statuses) - limit:
            failures.append(f"{method} {path}: {allowed} allowed, {refused} refused, limit {limit}")
        if len(pids) < WORKERS:
            failures.append(f"{method} {path} was served by {len(pids)} worker(s) only: nothing shown across workers")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"load-{stamp}.json").write_text(json.dumps(results, indent=2))
    if args.keep:
        print(f"Kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
