"""Running `named` and `unbound` from a temp dir on hosts where AppArmor confines them.

Debian ships AppArmor profiles for /usr/sbin/named and /usr/sbin/unbound that only let them read their
system directories (/etc/bind, /var/cache/bind, /etc/unbound, ...), so with AppArmor enforcing they cannot
read the lab's configuration in a temp dir. Profiles attach by executable path: a copy of the binary in
the lab's workdir runs unconfined. The copy is made only when AppArmor is on; elsewhere the system binary
runs as it is.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .errors import LabError

_ENABLED = Path("/sys/module/apparmor/parameters/enabled")
_PROFILES = Path("/sys/kernel/security/apparmor/profiles")


def executable_for(binary: str, workdir: Path) -> str:
    """The path to run `binary` from: itself, or an unconfined copy in `workdir/bin` under AppArmor."""
    if not _confined(binary):
        return binary
    copy_dir = workdir / "bin"
    copy_dir.mkdir(exist_ok=True)
    copy = copy_dir / Path(binary).name
    if not copy.exists():
        try:
            shutil.copy2(binary, copy)
        except OSError as exc:
            raise LabError(f"AppArmor confines {binary} and it could not be copied out of its profile: {exc}")
    return str(copy)


def _confined(binary: str) -> bool:
    try:
        if _ENABLED.read_text().strip() != "Y":
            return False
    except OSError:
        return False  # no AppArmor in this kernel
    try:
        profiles = _PROFILES.read_text().splitlines()
    except OSError:
        return True  # on, but its profiles are not readable here: assume the worst, a copy is cheap
    name = Path(binary).name
    # Lines look like "named (enforce)" or "/usr/sbin/unbound (complain)".
    return any(
        line.split(" ")[0] in (name, binary) and line.endswith("(enforce)") for line in profiles
    )
