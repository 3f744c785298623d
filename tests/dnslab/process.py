"""Server processes of the lab: started in the foreground with their output in a log file of the workdir,
stopped with SIGTERM (SIGKILL after a grace period), and reported with their log tail when they fail."""
from __future__ import annotations

import ctypes
import signal
import subprocess
from pathlib import Path

from .errors import LabError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to SIGTERM the server if the process that started it dies (even by SIGKILL), so a
    killed test run leaves no server behind. Note: the kernel ties this to the starting *thread*."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class ServerProcess:
    """One server program of the lab."""

    def __init__(self, name: str, argv: list[str], log_path: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.cwd = cwd
        self.env = env  # None: this process's environment
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,  # a ^C in the terminal reaches the tests, not the servers
                preexec_fn=_die_with_parent,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        """Raise a LabError with the log tail if the server has exited."""
        if self.popen is not None and self.popen.poll() is not None:
            raise LabError(
                f"{self.name} exited with status {self.popen.returncode}; "
                f"command: {' '.join(self.argv)}\n--- last lines of {self.log_path.name} ---\n{self.log_tail()}"
            )

    def terminate(self) -> None:
        """Ask the server to exit (SIGTERM) without waiting, so several can shut down at once."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if the server is still there after `grace` seconds; reaps it."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(grace)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
