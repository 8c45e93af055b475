"""Issue 13 on a real cluster: a pytest session of the suite, stopped by a signal at a known point, ends with its
clean-up done (no namespace, cluster-wide object or lease of the run is left) and writes the matrix with the
interrupted check marked as such:
- SIGTERM (what CI systems send on cancel) while a check waits for its workflow;
- SIGINT while a cell installs, and a second SIGINT while it cleans up (ignored, with one line, so that the
  clean-up finishes);
- SIGKILL (nothing can run): the next run, once the killed run's lease has run out, removes what it left.
The point is known from the run's own progress lines (`--log-cli-level=INFO`)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from leftovers import ours_left
from pins import BASELINE
from pytest_argo_conformance import kube
from pytest_argo_conformance.config.timeouts import RUN_LEASE

pytestmark = pytest.mark.cluster

CHECKS = '''
from pytest_argo_conformance.components.argo.runner import pin_images

SLEEPS = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "sleeps-"},
          "spec": {"entrypoint": "main", "templates": [
              {"name": "main", "container": {"image": "busybox", "command": ["sleep", "600"]}}]}}


def test_waits_for_a_long_workflow(argo_workflows):
    pin_images(SLEEPS)
    argo_workflows.run(SLEEPS, timeout=900)


def test_after(argo):
    pass
'''


class Session:
    """A pytest session of the suite in a subprocess, its output read line by line as it comes."""

    def __init__(self, local_cluster: Any, work: Path, checks: str = CHECKS) -> None:
        work.mkdir(parents=True, exist_ok=True)
        (work / "test_long.py").write_text(checks)
        args = [
            sys.executable, "-m", "pytest", str(work / "test_long.py"), "-p", "argo_conformance",
            "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
            f"--argo-controller=upstream={BASELINE}", "--argo-topology=upstream-global",
            f"--argo-report-dir={work / 'report'}", "-p", "no:cacheprovider", "--log-cli-level=INFO",
        ]
        self.work = work
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float) -> None:
        def seen() -> tuple[bool, str]:
            if self.proc.poll() is not None:
                raise kube.GiveUp(f"the session ended ({self.proc.returncode}):\n" + "\n".join(self.lines[-40:]))
            return any(text in line for line in self.lines), (self.lines or ["nothing"])[-1]

        kube.wait_for(f"the session to print {text!r}", seen, timeout, interval=0.2)

    def end(self, timeout: float) -> str:
        self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return "\n".join(self.lines)

    def matrix(self) -> dict[str, tuple[str, str]]:
        found = json.loads((self.work / "report" / "matrix.json").read_text())
        return {c["check"]: (c["outcome"], c["reason"]) for c in found["cells"]}


def test_sigterm_during_a_workflow_wait(local_cluster: Any, tmp_path: Path) -> None:
    session = Session(local_cluster, tmp_path)
    session.wait_for_line(": submitted in ", timeout=900)
    time.sleep(2)  # inside the wait for the workflow
    session.proc.send_signal(signal.SIGTERM)
    output = session.end(timeout=600)
    print(output[-5000:])
    assert session.proc.returncode == pytest.ExitCode.INTERRUPTED, output[-3000:]
    assert session.matrix() == {
        "test_waits_for_a_long_workflow": ("error", "interrupted by SIGTERM while it ran"),
        "test_after": ("skipped", "not run: interrupted by SIGTERM"),
    }
    assert ours_left(local_cluster) == []


def test_two_sigints_during_an_install(local_cluster: Any, tmp_path: Path) -> None:
    session = Session(local_cluster, tmp_path)
    session.wait_for_line(": waiting for its controller in ", timeout=900)
    session.proc.send_signal(signal.SIGINT)
    time.sleep(0.5)  # the clean-up of the half-made install is under way
    session.proc.send_signal(signal.SIGINT)
    output = session.end(timeout=600)
    print(output[-5000:])
    assert session.proc.returncode == pytest.ExitCode.INTERRUPTED, output[-3000:]
    assert "SIGINT ignored: cleaning up after SIGINT" in output
    assert session.matrix() == {
        "test_waits_for_a_long_workflow": ("error", "interrupted by SIGINT while it ran"),
        "test_after": ("skipped", "not run: interrupted by SIGINT"),
    }
    assert ours_left(local_cluster) == []


def test_after_kill_9_the_next_run_leaves_nothing(local_cluster: Any, tmp_path: Path) -> None:
    killed = Session(local_cluster, tmp_path / "killed")
    killed.wait_for_line(": submitted in ", timeout=900)
    killed.proc.kill()
    killed.end(timeout=60)
    left = ours_left(local_cluster)
    assert any(found.startswith("Namespace/acf-") for found in left), left  # what SIGKILL leaves
    time.sleep(RUN_LEASE + 1)  # the killed run's lease runs out: it is dead
    after = Session(local_cluster, tmp_path / "after", checks="def test_cell(argo):\n    pass\n")
    output = after.end(timeout=900)
    assert after.proc.returncode == 0, output[-3000:]
    assert "removed what dead runs left: " in output
    assert ours_left(local_cluster) == []
