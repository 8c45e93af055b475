"""Run the packaged suites in a child pytest against the session's local cluster, and read the matrix it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pytest_argo_conformance.providers.base import ClusterInfo


def run_suites(cluster: ClusterInfo, work: Path, args: list[str], timeout: int) -> tuple[dict[str, Any], str]:
    """`python -m pytest ARGS -p argo_conformance` on the local cluster (kept), in `work`, with its report in
    `work/report`; returns the matrix and the run's output (the test fails when no matrix was written)."""
    report = work / "report"
    command = [
        sys.executable, "-m", "pytest", *args, "-p", "argo_conformance", "--argo-provider=local",
        f"--cluster-name={cluster.name}", "--keep-cluster", f"--argo-report-dir={report}", "-p", "no:cacheprovider",
        "-rfEs",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=work)
    print(done.stdout[-8000:])
    assert (report / "matrix.json").is_file(), f"the run wrote no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return json.loads((report / "matrix.json").read_text()), done.stdout
