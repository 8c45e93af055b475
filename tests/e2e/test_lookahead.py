"""The checks of a cell run concurrently (plugin/lookahead.py), on the real local cluster with the upstream controller:
a child run of five small checks of a folder of our own. The later checks' workflows are submitted while the first
waits and each check takes its own; a check skipped after its workflow was submitted ahead has it deleted; a serial
check starts only once every workflow submitted ahead in its cell has ended."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from child_run import run_suites
from pytest_argo_conformance.providers.base import ClusterInfo

pytestmark = pytest.mark.cluster

CHECKS = '''
    import pytest

    from pytest_argo_conformance.components.argo import workflows as wfapi


    def test_a(argo_workflows):
        argo_workflows.run(argo_workflows.load("hello"))


    def test_b(argo_workflows):
        argo_workflows.run(argo_workflows.load("steps-artifacts"))


    @pytest.mark.skipif(True, reason="skipped once its workflow was submitted ahead")
    def test_c(argo_workflows):
        argo_workflows.run(argo_workflows.load("loops-nested"))


    def test_d(argo_workflows):
        argo_workflows.run(argo_workflows.load("hello"))


    @pytest.mark.argo_serial("sees what else runs in its namespace")
    def test_e(argo_workflows):
        listed = wfapi.custom(argo_workflows.api).list_namespaced_custom_object(
            wfapi.GROUP, wfapi.VERSION, argo_workflows.namespace, "workflows")
        running = [w["metadata"]["name"] for w in listed["items"] if not wfapi.finished(w)]
        assert not running, f"running beside a serial check: {running}"
        assert len(listed["items"]) == 3, [w["metadata"]["name"] for w in listed["items"]]
'''


@pytest.fixture(scope="module")
def ahead_run(local_cluster: ClusterInfo, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    work = tmp_path_factory.mktemp("lookahead")
    (work / "checks").mkdir()
    (work / "checks" / "test_ahead.py").write_text(textwrap.dedent(CHECKS))
    return run_suites(local_cluster, work, [str(work / "checks"), "--argo-topology=upstream-global",
                                            "-o", "log_cli=true", "--log-cli-level=INFO"], timeout=900)


def _cells(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in matrix["cells"]}


def test_the_next_checks_workflows_run_while_the_first_waits_and_each_takes_its_own(
    ahead_run: tuple[dict[str, Any], str],
) -> None:
    matrix, out = ahead_run
    cells = _cells(matrix)
    assert {name: c["outcome"] for name, c in cells.items()} == {
        "test_a": "passed", "test_b": "passed", "test_c": "skipped", "test_d": "passed", "test_e": "passed"}, cells
    assert "lookahead.head_start_seconds" not in cells["test_a"]["figures"]
    for name in ("test_b", "test_d"):
        assert cells[name]["figures"]["lookahead.head_start_seconds"] > 0, cells[name]
    assert out.count("taken by its check") == 2, out[-4000:]


def test_a_workflow_its_check_did_not_take_is_deleted(ahead_run: tuple[dict[str, Any], str]) -> None:
    out = ahead_run[1]
    (line,) = [line for line in out.splitlines() if "which did not take it; deleting it" in line]
    assert "workflow loops-" in line and "test_c" in line, line


def test_a_serial_check_starts_once_the_workflows_submitted_ahead_have_ended(
    ahead_run: tuple[dict[str, Any], str],
) -> None:
    cell = _cells(ahead_run[0])["test_e"]
    assert cell["outcome"] == "passed", cell  # it saw nothing running beside it, and test_c's workflow gone
    assert "lookahead.drain_seconds" in cell["figures"], cell
