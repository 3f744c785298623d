"""Files that hold secrets or personal data (the database, the queue, the secret key, mail in the outbox):
created readable by their owner only, whatever the process's umask."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def create_private_file(path: str | Path) -> None:
    """Create `path` empty and 0600 when it does not exist yet; an existing file keeps the mode its owner
    gave it. For files another library then opens (SQLite creates a missing one with the umask's mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def write_private_file(path: str | Path, content: bytes) -> None:
    """Write a new file (never an existing one) that is 0600 from its first byte."""
    with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb") as file:
        file.write(content)
