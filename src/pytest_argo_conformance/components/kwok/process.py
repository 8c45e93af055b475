"""KWOK running beside the cluster for one session: the pinned binary, the lane's stages, the cluster's kubeconfig.

KWOK talks to the API server as a client (no pod, no image), so it runs the same way on the local provider, kind
and an existing cluster. It manages only nodes labelled with the run's LANE_LABEL, and its pod stages
(clusters/kwok/stages.yaml) only pods carrying LANE_LABEL. It dies with the process that started it (Linux parent
death signal) and is stopped at the end of the session; its log is kept in the report folder.
"""

from __future__ import annotations

import ctypes
import json
import logging
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import yaml

from pytest_argo_conformance.components.kwok.build import binary
from pytest_argo_conformance.components.kwok.nodes import LANE_LABEL
from pytest_argo_conformance.config.paths import clusters_dir
from pytest_argo_conformance.config.timeouts import PROCESS_STOP
from pytest_argo_conformance.kube import GiveUp

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def stages_file() -> Path:
    return clusters_dir() / "kwok" / "stages.yaml"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _with_context(kubeconfig: Path, context: str) -> Path | None:
    """A private copy of the kubeconfig whose current context is `context` (None when it already is): KWOK has no
    --context. It holds credentials, so it lives in a folder of its own (mode 0700), never in the report."""
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    if config.get("current-context") == context:
        return None
    config["current-context"] = context
    copy = Path(tempfile.mkdtemp(prefix="argo-conformance-kwok-")) / "kubeconfig"
    copy.touch(mode=0o600)
    copy.write_text(yaml.safe_dump(config), encoding="utf-8")
    return copy


class Kwok:
    """One KWOK process managing run `run_id`'s simulated nodes through `kubeconfig`."""

    def __init__(self, kubeconfig: Path, run_id: str, log_file: Path, context: str | None = None) -> None:
        self.private = _with_context(kubeconfig, context) if context else None
        kubeconfig = self.private or kubeconfig
        self.argv = [str(binary()), "--kubeconfig", str(kubeconfig), "--config", str(stages_file()),
                     "--manage-all-nodes=false", f"--manage-nodes-with-label-selector={LANE_LABEL}={run_id}"]
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)  # it only calls prctl
        log.info("kwok: started (pid %d), log %s", self.proc.pid, self.log_file)

    def check(self) -> None:
        """GiveUp (waiting cannot help) with the log's tail when KWOK has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            raise GiveUp(f"kwok exited with {self.proc.returncode}: {self.tail()}")

    def tail(self, lines: int = 3) -> str:
        """The last lines of KWOK's log (its JSON records shortened to their level, message and error)."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        shown = []
        for line in text.strip().splitlines()[-lines:]:
            try:
                record = json.loads(line)
                shown.append(" ".join(str(record[k]) for k in ("level", "msg", "err") if k in record))
            except (ValueError, TypeError):
                shown.append(line)
        return " | ".join(shown) or "(empty log)"

    def stop(self) -> None:
        if self.private is not None:
            shutil.rmtree(self.private.parent, ignore_errors=True)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(PROCESS_STOP)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(PROCESS_STOP)
        log.info("kwok: stopped")
