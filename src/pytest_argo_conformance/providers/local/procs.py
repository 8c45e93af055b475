"""Start the cluster's processes detached, record them in pid files, find and stop them from any process.

A pid file holds the pid and the process's start time (field 22 of /proc/<pid>/stat), so a recycled pid is
never mistaken for ours.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.kube.waits import WaitTimeout, wait_for

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Proc:
    name: str
    pid: int
    start_time: int
    argv: tuple[str, ...]


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks, or None when there is no such (live) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # a zombie is as good as gone
        _reap(pid)
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def alive(proc: Proc) -> bool:
    return start_time(proc.pid) == proc.start_time


def start(
    name: str, argv: list[str], pids: Path, logs: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Proc:
    """Start `argv` in its own session with output to logs/<name>.log and write pids/<name>.json."""
    pids.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    full_env = {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8"}
    full_env.update(env or {})
    with (logs / f"{name}.log").open("ab") as log:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    started = start_time(child.pid)
    proc = Proc(name, child.pid, started if started is not None else -1, tuple(argv))
    (pids / f"{name}.json").write_text(
        json.dumps({"pid": proc.pid, "start_time": proc.start_time, "argv": list(argv)}), encoding="utf-8"
    )
    return proc


def read(pids: Path, name: str) -> Proc | None:
    try:
        data = json.loads((pids / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Proc(name, int(data["pid"]), int(data["start_time"]), tuple(data.get("argv", ())))


def recorded(pids: Path) -> list[Proc]:
    found = [read(pids, p.stem) for p in sorted(pids.glob("*.json"))] if pids.is_dir() else []
    return [p for p in found if p is not None]


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop(proc: Proc, timeout: float = 15.0) -> bool:
    """SIGTERM, wait up to `timeout`, then SIGKILL. True when it had been running."""
    if not alive(proc):
        return False
    _signal(proc.pid, signal.SIGTERM)
    try:
        wait_for(f"{proc.name} (pid {proc.pid}) to exit after SIGTERM", lambda: _exited(proc), timeout, interval=0.1)
        return True
    except WaitTimeout:
        pass
    _signal(proc.pid, signal.SIGKILL)
    try:
        wait_for(f"{proc.name} (pid {proc.pid}) to exit after SIGKILL", lambda: _exited(proc), 10, interval=0.1)
    except WaitTimeout:
        raise RuntimeError(f"{proc.name} (pid {proc.pid}) did not exit after SIGKILL") from None
    return True


def _exited(proc: Proc) -> tuple[bool, str]:
    return not alive(proc), "still running"


def kill_pids(pids: Iterable[int]) -> list[int]:
    """SIGKILL each pid (processes found by what they are, e.g. in our cgroups or holding our socket)."""
    killed = []
    for pid in pids:
        if pid != os.getpid() and start_time(pid) is not None:
            _signal(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def pids_with_arg(arg: str) -> list[int]:
    """Pids of processes whose argv contains `arg` exactly (e.g. our containerd socket, for its shims)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and arg in cmdline(int(entry.name)):
            out.append(int(entry.name))
    return out


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def log_tail(logs: Path, name: str, lines: int = 5) -> str:
    try:
        text = (logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.strip().splitlines()[-lines:])


def run(argv: list[str], timeout: float, check: bool = False) -> subprocess.CompletedProcess[str]:
    """A short host command (ip, iptables, ctr) with a timeout; output captured."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False,
                          env={"PATH": PATH, "LANG": "C.UTF-8"})
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed: {(done.stderr or done.stdout).strip()}")
    return done
