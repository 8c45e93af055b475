"""First kill (plugin/first_kill.py) with stand-ins: the baseline's cell runs first and whole; in a mutant's cell
the checks of its `# Area:` go first, the first failure ends the cell (the rest are skipped, saying why), and a
check that failed on the baseline is not run on mutants. The real-cluster run is tests/e2e/test_mutation_run.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from standins import standin_session

CHECKS = '''
import pytest

@pytest.mark.conformance(id="workflows.a", area="workflows")
def test_a(argo):
    """A MUST pass."""
    assert argo.build.name != "m-both", "m-both breaks test_a"

@pytest.mark.conformance(id="retries.b", area="retries")
def test_b(argo):
    """B MUST pass."""
    assert argo.build.name not in ("m-retries", "m-both"), f"{argo.build.name} breaks test_b"

@pytest.mark.conformance(id="workflows.broken", area="workflows")
def test_broken_everywhere(argo):
    """Broken MUST pass."""
    assert False, "fails on the baseline too"

@pytest.mark.conformance(id="workflows.c", area="workflows")
def test_c(argo):
    """C MUST pass."""
'''


def patch(folder: Path, name: str, area: str) -> str:
    path = folder / f"{name}.patch"
    path.write_text(f"# A planted defect: {name}.\n# Area: {area}\n--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n-a\n+b\n")
    return f"--argo-controller={name}=v3.7.18+patch:{path}"


def test_first_kill_orders_stops_and_says_why(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "pytest_argo_conformance.plugin.first_kill", "-v",
        "--argo-topology=upstream-global", "--argo-report-dir=report",
        patch(pytester.path, "m-retries", "retries"), patch(pytester.path, "m-both", "retries"),
        patch(pytester.path, "m-none", "cron"))
    ran = [line.split("::")[1].split(" ")[0] for line in result.outlines if "::test_" in line and "[" in line]
    # the baseline first, whole; m-retries: its area's test_b first, which kills it
    assert ran[:4] == [f"{t}[upstream-upstream-global]" for t in ("test_a", "test_b", "test_broken_everywhere",
                                                                     "test_c")]
    assert ran[4:8] == [f"{t}[m-both-upstream-global]" for t in ("test_b", "test_a", "test_broken_everywhere",
                                                                    "test_c")]
    cells = {(c["build"], c["check"]): (c["outcome"], c["reason"])
             for c in json.loads((pytester.path / "report" / "matrix.json").read_text())["cells"]}
    assert cells[("m-retries", "test_b")][0] == "failed"
    assert cells[("m-retries", "test_a")] == (
        "skipped", "not run: m-retries was already told apart from the baseline by test_b")
    assert cells[("m-both", "test_a")][0] == "skipped"  # test_b came first and killed it
    assert cells[("m-none", "test_broken_everywhere")] == (
        "skipped", "not run: this check did not pass on the baseline, so it cannot tell a mutant apart")
    assert [cells[("m-none", t)][0] for t in ("test_a", "test_b", "test_c")] == ["passed"] * 3
