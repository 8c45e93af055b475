"""Issue 14 on a real cluster: `argo-conformance mutants` on a slice of the catalog (the full catalog runs in
bench/mutation_score.py; its figures are in the README).

The slice holds two mutants of two areas that a check of their own area kills, and one
(drop-workflow-tolerations) that only the GPU checks can see, which are left out here, so it must survive (three
mutants: each is a cold Go build of the controller in CI, about two minutes on 2 cores). The
run's last line is the score; the detection matrix says which check killed what and why; first kill skips a
killed mutant's remaining checks; a mutant's area goes first (the pod-spec check runs before the smoke check,
which is earlier in file order).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_argo_conformance.config.paths import suites_dir

pytestmark = pytest.mark.cluster

KILLED_BY = {
    "drop-pod-labels": "test_pod_metadata_reaches_pods",
    "cf-retry-limit-off-by-one": "test_retry_limit_caps_attempts",
}
MUTANTS = [*KILLED_BY, "drop-workflow-tolerations"]
CHECKS = "smoke or pod_metadata or retry_strategy or retry_limit"


@pytest.fixture(scope="module")
def run(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    report = tmp_path_factory.mktemp("mutants")
    args = [sys.executable, "-m", "pytest_argo_conformance.command.main", "mutants", "--checks", CHECKS,
            f"--argo-report-dir={report}", f"--cluster-name={local_cluster.name}", "--keep-cluster",
            "-p", "no:cacheprovider"]
    for name in MUTANTS:
        args += ["--mutants", str(suites_dir() / "mutants" / f"{name}.patch")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=1800, check=False)
    print(done.stdout[-6000:], done.stderr[-3000:])
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, report


def test_the_last_line_is_the_score(run: tuple[str, Path]) -> None:
    stdout, _ = run
    assert stdout.rstrip().splitlines()[-1] == "mutation score: 2/3 killed"


def test_the_detection_matrix_says_what_killed_what(run: tuple[str, Path]) -> None:
    _, report = run
    data = json.loads((report / "mutants.json").read_text())
    mutants = {m["name"]: m for m in data["mutants"]}
    for name, check in KILLED_BY.items():
        assert mutants[name]["status"] == "killed" and mutants[name]["killed_by"] == [check], mutants[name]
        assert mutants[name]["reasons"][check], "a kill says why"
    killed = mutants["drop-pod-labels"]
    assert "spec.podMetadata.labels did not reach pod" in killed["reasons"]["test_pod_metadata_reaches_pods"]
    # first kill, area first: the smoke check (earlier in the file) was not run on it
    assert "test_smoke_workflow_succeeds" not in killed["results"]  # not run
    cells = json.loads((report / "matrix.json").read_text())["cells"]
    smoke = next(c for c in cells if c["build"] == "drop-pod-labels" and c["check"] == "test_smoke_workflow_succeeds")
    assert smoke["reason"] == ("not run: drop-pod-labels was already told apart from the baseline by "
                               "test_pod_metadata_reaches_pods")
    survivor = mutants["drop-workflow-tolerations"]
    assert survivor["status"] == "survived", survivor
    assert set(survivor["results"].values()) == {"survived"} and len(survivor["results"]) == 4
    checks = {c["check"]: c for c in data["checks"]}
    assert checks["test_pod_metadata_reaches_pods"]["id"] == "pod-spec.pod-metadata"
    assert all(c["baseline"] == "passed" for c in checks.values())
    assert "mutation score: 2/3 killed" in (report / "mutants.md").read_text()
    assert 'class="v killed"' in (report / "mutants.html").read_text()
