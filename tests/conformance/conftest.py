"""Fixtures for the conformance tests that run the registry for real: the settings that aim the check
engine at the DNS lab, and the registry's own worker command (`flask --app app kindns worker`) started as
processes that read an instance folder of the test's making."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import _unreachable_root_hints
from tests.dnslab.fixture import dns_lab  # noqa: F401  (the session's lab, started on first use)
from tests.dnslab.process import ServerProcess
from tests.dnslab.serve import facts_of

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER_STOP_GRACE = 10.0  # seconds; a job in progress is at most one zone check


@pytest.fixture
def lab_check_settings(dns_lab) -> dict:  # noqa: F811
    """KINDNS_CHECK_* settings that make the registry measure the lab (its root, trust anchor, ASN zone, test
    names and CA) and allow probing loopback; the app's own test config points nowhere."""
    return facts_of(dns_lab)["settings"]


def silent_root_settings(tmp_path: Path) -> dict:
    """KINDNS_CHECK_* settings under which every zone check runs until its deadline (4 s): probing loopback
    is allowed, and the root server, on a loopback address where nothing listens, never answers. Long
    enough to stop a worker in the middle of a check."""
    return {"KINDNS_CHECK_ROOT_HINTS": _unreachable_root_hints(tmp_path), "KINDNS_CHECK_ALLOW_PRIVATE": True,
            "KINDNS_CHECK_ZONE_DEADLINE": 4}


def write_instance_config(instance: Path, settings: dict) -> Path:
    """An instance folder whose config.py holds `settings`: what create_app() loads in a worker process."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "config.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in sorted(settings.items())))
    return path


def registry_environment(instance: Path, **variables: str) -> dict[str, str]:
    """This process's environment for a registry command run against `instance`, with `variables` set.
    The queue (SQLite under the instance folder, or Redis) is whatever `variables` say, never inherited."""
    env = {k: v for k, v in os.environ.items() if k not in ("KINDNS_REDIS_URL", "KINDNS_QUEUE_NAME")}
    env.update(KINDNS_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **variables)
    return env


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "kindns", *args]


class Workers:
    """Worker processes of one test, each logging to its own file; all stopped at the end of the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[ServerProcess] = []
        self.stopped: list[ServerProcess] = []  # stopped on purpose by the test

    def start(self, env: dict[str, str], *, threads: int = 2) -> ServerProcess:
        name = f"worker-{len(self.processes) + 1}"
        process = ServerProcess(name, flask_command("worker", "--workers", str(threads), "--no-periodic"),
                                self.folder / f"{name}.log", cwd=PROJECT_ROOT, env=env)
        self.processes.append(process)
        process.start()
        return process

    def wait_until_consuming(self, timeout: float = 30.0) -> None:
        """Until every worker has said that its consumer runs (it then polls or blocks on the queue)."""
        deadline = time.monotonic() + timeout
        for process in self.processes:
            while "Huey consumer started" not in process.log_tail(400):
                process.check_alive()
                assert time.monotonic() < deadline, f"{process.name} did not start:\n{process.log_tail()}"
                time.sleep(0.05)

    def check_alive(self) -> None:
        """Fail with its log if a worker that should be running has exited."""
        for process in self.processes:
            if process not in self.stopped:
                process.check_alive()

    def stop_one(self, process: ServerProcess) -> None:
        """SIGTERM, as systemd or a deploy stops a worker (SIGKILL only if it will not go)."""
        self.stopped.append(process)
        process.stop(WORKER_STOP_GRACE)

    def kill_one(self, process: ServerProcess) -> None:
        """SIGKILL, as the kernel's OOM killer or a crash does: the worker gets no chance to tidy up."""
        self.stopped.append(process)
        process.popen.kill()
        process.popen.wait(WORKER_STOP_GRACE)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.log_tail(60)}" for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.stop(WORKER_STOP_GRACE)


@pytest.fixture
def workers(tmp_path):
    """Start registry workers with `workers.start(env)`; they are stopped (SIGTERM, then SIGKILL) however
    the test ends."""
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        started.stop()
