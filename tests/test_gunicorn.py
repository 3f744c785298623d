"""The registry under gunicorn with two worker processes, as in production: rate limits hold at their
configured values across both workers when they count in Redis (KINDNS_TEST_REDIS_URL, which .ci/run sets),
and gunicorn says loudly at start-up when several workers would each count alone."""
from __future__ import annotations

import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conformance.conftest import PROJECT_ROOT, registry_environment, write_instance_config
from tests.dnslab.process import ServerProcess
from tests.helpers import csrf_token_from

REDIS_URL = os.environ.get("KINDNS_TEST_REDIS_URL", "")
START_TIMEOUT = 30.0
WARNING = "RATE LIMITS ARE NOT SHARED"
ACCESS = re.compile(r"^pid=<?(\d+)>? (\w+) (\S+) (\d{3})$", re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn app:app` started from the project folder (so it reads gunicorn.conf.py), logging each
    request with the pid of the worker that served it."""

    def __init__(self, tmp_path, app, workers: int, **variables: str) -> None:
        instance = tmp_path / f"instance-{uuid.uuid4().hex[:6]}"
        write_instance_config(instance, {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "gunicorn-test",
            "KINDNS_OUTBOX": str(tmp_path / "outbox"),
        })
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.workers = workers
        argv = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", self.url.removeprefix("http://"),
                "--no-control-socket",  # its default path in $HOME would be shared by every test's gunicorn
                "--access-logfile", "-", "--access-logformat", "pid=%(p)s %(m)s %(U)s %(s)s", "app:app"]
        self.process = ServerProcess("gunicorn", argv, tmp_path / f"gunicorn-{workers}.log", cwd=PROJECT_ROOT,
                                     env=registry_environment(instance, **variables))

    def start(self) -> Gunicorn:
        """Start, and return once every worker has loaded the app and answered (the first worker has then
        said what it had to say at start-up)."""
        self.process.start()
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.pids_that_served("GET", "/login")) < self.workers:
            self.process.check_alive()
            assert time.monotonic() < deadline, self.process.log_tail()
            with ThreadPoolExecutor(2 * self.workers) as pool:
                if not all(pool.map(self._answers, range(2 * self.workers))):
                    time.sleep(0.2)
        return self

    def _answers(self, _n: int = 0) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/login", timeout=START_TIMEOUT).read()
        except (urllib.error.URLError, ConnectionError):
            return False
        return True

    def log(self) -> str:
        return self.process.log_tail(100_000)

    def pids_that_served(self, method: str, path: str) -> set[str]:
        return {pid for pid, m, p, _status in ACCESS.findall(self.log()) if (m, p) == (method, path)}


@pytest.fixture
def gunicorn(app, tmp_path):
    started: list[Gunicorn] = []

    def start(workers: int = 2, **variables: str) -> Gunicorn:
        server = Gunicorn(tmp_path, app, workers, **variables)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.process.stop(10.0)


def _post_concurrently(url: str, path: str, fields: dict[str, str], count: int, threads: int) -> list[int]:
    """`count` POSTs of a form from one browser session (cookie and CSRF token), `threads` at a time."""
    jar = urllib.request.HTTPCookieProcessor()
    page = urllib.request.build_opener(jar).open(f"{url}{path}", timeout=10).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar.cookiejar)
    body = urllib.parse.urlencode({**fields, "csrf_token": csrf_token_from(page)}).encode()

    def post(_n: int) -> int:
        request = urllib.request.Request(f"{url}{path}", data=body, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(post, range(count)))


@pytest.mark.skipif(not REDIS_URL, reason="KINDNS_TEST_REDIS_URL is not set (.ci/run sets it)")
def test_the_login_limit_holds_across_two_workers_counting_in_redis(gunicorn):
    import redis

    prefix = f"kindns_test_{uuid.uuid4().hex[:12]}"
    server = gunicorn(KINDNS_REDIS_URL=REDIS_URL, KINDNS_QUEUE_NAME=prefix, KINDNS_LOGIN_RATE_LIMIT="4 per minute")
    try:
        statuses = _post_concurrently(server.url, "/login", {"email": "nobody@example.net",
                                                             "password": "a wrong password"}, count=16, threads=6)
        assert sorted(statuses) == [200] * 4 + [429] * 12, statuses
        assert len(server.pids_that_served("POST", "/login")) == 2, "one worker served every attempt"
        assert WARNING not in server.log()
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


def test_several_workers_counting_in_memory_are_warned_about_at_start_up(gunicorn):
    server = gunicorn(workers=2)
    assert server.log().count(WARNING) == 1
    assert "2 worker processes" in server.log()


def test_one_worker_counting_in_memory_is_fine(gunicorn):
    server = gunicorn(workers=1)
    assert WARNING not in server.log()
