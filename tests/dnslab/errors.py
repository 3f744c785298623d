"""The lab's error type and the check that a server program is installed."""
from __future__ import annotations

import shutil


class LabError(RuntimeError):
    """The DNS lab could not start or stop; the message says which server and shows its log tail."""


def require_binary(program: str, debian_package: str) -> str:
    """The full path of `program`, or a LabError naming the Debian package that provides it."""
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        raise LabError(
            f"`{program}` is not installed: install the Debian package {debian_package} "
            f"(`make system-deps` does)"
        )
    return path
