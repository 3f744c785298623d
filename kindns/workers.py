"""What every job that measures shares, whether it measures a check run or a campaign batch: the time as
stored, who is working, and a sign of life written while the measuring thread is busy in the engine."""
from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite hands back naive datetimes, and everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def worker_identity() -> str:
    """Who measures, as a run or a batch records it: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextlib.contextmanager
def signs_of_life(engine: Engine, interval: float, write: Callable[[Connection], object], name: str,
                  failure: str) -> Iterator[None]:
    """While the block runs, call `write` every `interval` seconds from a thread `name` of its own, on a
    connection of its own (the block's thread is busy in the engine). A write that fails is logged as
    `failure`: the next may get through, and whoever reads these signs allows for a few missed ones."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with engine.begin() as connection:
                    write(connection)
            except SQLAlchemyError as exc:
                log.warning("%s: %s", failure, exc)

    thread = threading.Thread(target=beat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
