"""Go builds: find `go`, fetch a module, copy it writable, `go build` it, and mark a cache entry complete.

Every Go build of the project (Kubernetes, CoreDNS and the tools of the local cluster; Argo, Kueue and gofakes3)
goes through here, with one environment: static binaries (`CGO_ENABLED=0`), the installed toolchain only
(`GOTOOLCHAIN=local`), no workspace, no VCS stamping, and `-mod=mod` so that a module's own go.mod is used as is.
Commands are logged at DEBUG on `pytest_argo_conformance.toolchain.gobuild`; with a log file, their output goes
there and a failure ends with its tail.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pytest_argo_conformance.config.timeouts import GO_BUILD, GO_DOWNLOAD, HEARTBEAT

log = logging.getLogger(__name__)

STAMP = ".complete"  # a cache entry with this file is complete (its content says what was built)
IGNORE = shutil.ignore_patterns(".git", "node_modules", "dist", "*.test")  # not copied by `writable_copy`
TAIL_LINES = 15


class BuildError(RuntimeError):
    """A build step failed; the message names the build and the step (and ends with the tail of its output)."""


class ModuleUnavailable(BuildError):
    """`go mod download` could not get a module version (not served, no network, ...); `reason` is Go's words."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Module:
    """A module version in Go's module cache (what `go mod download -json` says of it)."""

    path: str
    version: str
    dir: Path  # the read-only source tree
    gomod: Path  # its go.mod
    commit: str  # the VCS commit it was made from ("" when the proxy does not say)


def go_binary() -> str:
    go = shutil.which("go")
    if go is None:
        raise BuildError("go is not on PATH: install Go >= 1.24 (https://go.dev/dl) to build from source")
    return go


def go_env() -> dict[str, str]:
    return {
        **os.environ,
        "CGO_ENABLED": "0",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod -buildvcs=false",
        "GOWORK": "off",
    }


def run_go(args: Sequence[str], cwd: Path, what: str, timeout: float, log_file: Path | None = None) -> str:
    """`go ARGS` in `cwd` for the build `what`; returns its stdout. Its stderr goes to `log_file` (appended, after
    the command line) when given; a failure or a timeout is a BuildError `<what>: go <command> failed ...` that
    ends with the last lines of that output."""
    cmd = [go_binary(), *args]
    step = "go " + " ".join(args[:2] if args[:1] == ["mod"] else args[:1])
    log.debug("%s: $ %s (in %s)", what, " ".join(cmd), cwd)
    done = _run(cmd, cwd, f"{what}: {step}", timeout, log_file)
    if done.returncode != 0:
        where = f", log: {log_file}" if log_file else ""
        raise BuildError(f"{what}: {step} failed (exit {done.returncode}{where}):\n" + "\n".join(_tail(done, log_file)))
    return done.stdout


@contextmanager
def heartbeat(step: str, every: float = HEARTBEAT) -> Iterator[None]:
    """Log `STEP: still running (N s)` at INFO every `every` seconds while the block runs (a cold Go build takes
    minutes, and a terminal that says nothing for that long looks hung)."""
    started = time.monotonic()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            log.info("%s: still running (%.0f s)", step, time.monotonic() - started)

    thread = threading.Thread(target=beat, name=f"heartbeat {step}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run(
    cmd: list[str], cwd: Path, step: str, timeout: float, log_file: Path | None
) -> subprocess.CompletedProcess[str]:
    with heartbeat(step):
        return _run_quietly(cmd, cwd, step, timeout, log_file)


def _run_quietly(
    cmd: list[str], cwd: Path, step: str, timeout: float, log_file: Path | None
) -> subprocess.CompletedProcess[str]:
    try:
        if log_file is None:
            return subprocess.run(cmd, cwd=cwd, env=go_env(), capture_output=True, text=True, timeout=timeout,
                                  check=False)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(cmd)}\n")
            fh.flush()
            done = subprocess.run(cmd, cwd=cwd, env=go_env(), stdout=subprocess.PIPE, stderr=fh, text=True,
                                  timeout=timeout, check=False)
            fh.write(done.stdout)
            return done
    except subprocess.TimeoutExpired:
        where = f" (log: {log_file})" if log_file else ""
        raise BuildError(f"{step}: still running after {timeout:.0f}s{where}") from None


def _tail(done: subprocess.CompletedProcess[str], log_file: Path | None) -> list[str]:
    text = log_file.read_text(encoding="utf-8", errors="replace") if log_file else done.stderr or ""
    return text.strip().splitlines()[-TAIL_LINES:]


def download(module: str, version: str, build: str, log_file: Path | None = None,
             timeout: float = GO_DOWNLOAD) -> Module:
    """`go mod download -json module@version` (through the module proxy when it is not in Go's module cache yet).
    A version that cannot be had is a ModuleUnavailable of one line, `build <build>: cannot download ...`."""
    cmd = [go_binary(), "mod", "download", "-json", f"{module}@{version}"]
    log.debug("build %s: $ %s", build, " ".join(cmd))
    with tempfile.TemporaryDirectory(prefix="gobuild-") as neutral:  # away from any go.mod or go.work of the cwd
        done = _run(cmd, Path(neutral), f"build {build}: go mod download {module}@{version}", timeout, log_file)
    try:
        info = json.loads(done.stdout)
    except json.JSONDecodeError:
        info = {}
    if not isinstance(info, dict):
        info = {}
    if done.returncode != 0 or "Dir" not in info:
        last = _tail(done, log_file)[-1:]
        reason = str(info.get("Error") or "\n".join(last) or "no output")
        raise ModuleUnavailable(f"build {build}: cannot download {module}@{version}: {reason}", reason)
    origin = info.get("Origin")
    commit = str(origin.get("Hash", "")) if isinstance(origin, dict) else ""
    return Module(module, version, Path(info["Dir"]), Path(info.get("GoMod") or Path(info["Dir"]) / "go.mod"), commit)


def module_dir(module: str, version: str, build: str) -> Path:
    """The read-only source tree of `module@version` in Go's module cache (downloaded if needed)."""
    return download(module, version, build).dir


def module_path(src: Path) -> str:
    """The module path that `src/go.mod` declares."""
    for line in (src / "go.mod").read_text(encoding="utf-8").splitlines():
        if line.startswith("module "):
            return line.split()[1]
    raise BuildError(f"{src}/go.mod has no module line")


def writable_copy(source: Path, dest: Path) -> Path:
    """Copy a source tree (the module cache is read-only) so that it can be patched and built in place."""
    shutil.copytree(source, dest, ignore=IGNORE, symlinks=True)
    for path in dest.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return dest


def mod_tidy(what: str, src: Path, log_file: Path | None = None, timeout: float = GO_DOWNLOAD) -> None:
    """`go mod tidy` in `src` (a module we wrote: fills in go.sum and the indirect requirements)."""
    run_go(["mod", "tidy"], src, what, timeout, log_file)


def go_build(what: str, src: Path, out: str | Path, packages: Sequence[str], ldflags: str = "-s -w", *,
             log_file: Path | None = None, timeout: float = GO_BUILD) -> None:
    """One static, reproducible `go build -trimpath` in `src` with the module's own go.mod. `out` is go's `-o`: a
    file, or a directory (created) when it ends with `/`."""
    target = str(out)
    if target.endswith("/"):
        Path(target).mkdir(parents=True, exist_ok=True)
    run_go(["build", "-trimpath", "-ldflags", ldflags, "-o", target, *packages], src, what, timeout, log_file)


def complete(entry: Path) -> bool:
    """Whether the cache entry `entry` was finished (`stamp`ed)."""
    return (entry / STAMP).is_file()


def stamp(entry: Path, **info: object) -> None:
    """Mark the cache entry complete; `info` (and the time) is written into the stamp for whoever looks."""
    info["built"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    (entry / STAMP).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def fresh(entry: Path) -> Path:
    """An empty cache entry at `entry` (what an earlier, unfinished build left is removed)."""
    if entry.exists():
        shutil.rmtree(entry)
    entry.mkdir(parents=True)
    return entry
