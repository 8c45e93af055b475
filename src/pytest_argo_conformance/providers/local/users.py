"""Who uses a local cluster: one file per process under users/ in the state directory (users/<pid>).

Each file holds the pid, the process's start time (so a recycled pid is never taken for a live user) and how many
providers of that process hold the cluster. A user whose process is gone (killed with -9, say) no longer counts
and its file is removed the next time the users are read. Callers hold the cluster's lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.providers.local import procs


@dataclass(frozen=True)
class User:
    pid: int
    start_time: int
    holds: int
    argv: tuple[str, ...]

    def describe(self) -> str:
        command = " ".join(" ".join(self.argv).split())[:60]  # one line, whatever newlines the argv holds
        return f"pid {self.pid} ({command})" if command else f"pid {self.pid}"


def _read(path: Path) -> User | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return User(int(data["pid"]), int(data["start_time"]), int(data.get("holds", 1)),
                    tuple(str(a) for a in data.get("argv", ())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(directory: Path, user: User) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = {"pid": user.pid, "start_time": user.start_time, "holds": user.holds, "argv": list(user.argv)}
    tmp = directory / f".{user.pid}.tmp"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(directory / str(user.pid))


def _alive(user: User) -> bool:
    return procs.start_time(user.pid) == user.start_time


def register(directory: Path, pid: int | None = None) -> User:
    """Record that process `pid` (default: this one) uses the cluster; a second register of it adds a hold."""
    pid = os.getpid() if pid is None else pid
    started = procs.start_time(pid)
    if started is None:
        raise ValueError(f"no live process {pid} to register as a user of the cluster")
    known = _read(directory / str(pid))
    holds = known.holds + 1 if known is not None and known.start_time == started else 1
    user = User(pid, started, holds, tuple(procs.cmdline(pid)))
    _write(directory, user)
    return user


def unregister(directory: Path, pid: int | None = None) -> None:
    """Drop one hold of `pid` (default: this process); its file goes with the last one."""
    pid = os.getpid() if pid is None else pid
    path = directory / str(pid)
    known = _read(path)
    if known is not None and known.holds > 1 and _alive(known):
        _write(directory, User(known.pid, known.start_time, known.holds - 1, known.argv))
    else:
        path.unlink(missing_ok=True)


def live(directory: Path, exclude: set[int] | frozenset[int] = frozenset()) -> list[User]:
    """The users whose process still runs (pids in `exclude` left out); the files of dead ones are removed."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if not path.name.isdigit():
            continue
        user = _read(path)
        if user is None or not _alive(user):
            path.unlink(missing_ok=True)
        elif user.pid not in exclude:
            found.append(user)
    return sorted(found, key=lambda u: u.pid)
