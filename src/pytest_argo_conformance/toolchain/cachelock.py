"""One process at a time makes a cache entry (a build of Argo, Kueue, the S3 server): another process that needs the
same entry (a pytest-xdist worker, a second run) waits until it is made, then finds it there."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.timeouts import GO_BUILD

log = logging.getLogger(__name__)


@contextmanager
def making(entry: Path, what: str, timeout: float = GO_BUILD) -> Iterator[None]:
    """Hold the lock of the cache entry `entry` (a file or folder) for the block; `what` names it in the log."""
    lock = FileLock(lock_file(entry))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("%s: another process is making it; waiting (up to %.0f s)", what, timeout)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise TimeoutError(f"{what}: another process held {lock.lock_file} for {timeout:.0f} s; if none is "
                               f"running, delete that file") from None
    try:
        yield
    finally:
        lock.release()


def lock_file(entry: Path) -> Path:
    """Where the lock of `entry` is: beside the cache's entries, not among them (a failed build leaves nothing in the
    entry's folder)."""
    locks = cache_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    return locks / f"{entry.name}-{hashlib.sha256(str(entry).encode()).hexdigest()[:12]}.lock"
