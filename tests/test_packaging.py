"""An installed wheel carries the suites and cluster definitions and runs them (not only a source checkout)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel in it. Its dependencies come from the environment running the
    tests, whatever that is (a venv, as the README sets up, or a system Python): a .pth file names that environment's
    site-packages, so nothing is downloaded, and the wheel, installed in the venv's own site-packages, comes first."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp)],
                   check=True, timeout=300)
    (wheel,) = tmp.glob("pytest_argo_conformance-*.whl")
    env = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    running = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (Path(own) / "_running_environment.pth").write_text("".join(f"{path}\n" for path in running))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=300)
    return env


def test_installed_wheel_runs_its_packaged_suites(venv: Path) -> None:
    done = subprocess.run(
        [str(venv / "bin" / "argo-conformance"), "run", "--collect-only", "--argo-topology=upstream-global",
         "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=120, cwd=venv,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<Function test_smoke_workflow_succeeds[upstream-upstream-global]>" in done.stdout, done.stdout[-3000:]
    (rootdir,) = [line for line in done.stdout.splitlines() if line.startswith("rootdir: ")]
    assert rootdir.startswith(f"rootdir: {venv}/") and rootdir.endswith("site-packages/pytest_argo_conformance/_data/"
                                                                         "suites"), rootdir


def test_installed_wheel_reads_its_own_cluster_definitions(venv: Path) -> None:
    code = ("from pytest_argo_conformance.config import paths, versions; "
            "print(paths.clusters_dir()); print(versions.version('kubernetes'))")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=venv)
    clusters, kubernetes = done.stdout.split()
    assert clusters.endswith("site-packages/pytest_argo_conformance/_data/clusters") and kubernetes.startswith("v1.")
    assert clusters.startswith(str(venv)), f"{clusters} is not the wheel's own copy in {venv}"
