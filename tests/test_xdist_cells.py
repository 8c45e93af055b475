"""pytest-xdist `-n 2` without a cluster: each topology's tests, every build's cell of it, run on one worker (so each
cell is installed once, and a build is judged against what its reference did in the same topology on the same
worker), and the topologies are spread over both workers; both workers share the run's id. The real-cluster version is
tests/e2e/test_parallel_runs.py."""

from __future__ import annotations

import re

import pytest

from standins import standin_session

pytest.importorskip("xdist")

CHECKS = """
def test_1(argo): pass
def test_2(argo): pass
def test_3(argo): pass
"""


def test_a_cells_tests_stay_on_one_worker(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_cells=CHECKS)
    result = pytester.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider",
                                           "--argo-topology=upstream-global,native-namespaced,namespaced-copy")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["scheduling tests via CellScheduling"])
    ran_on: dict[str, set[str]] = {}
    for worker, cell in re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED test_cells.py::test_\d\[([^\]]+)\]",
                                   result.stdout.str()):
        ran_on.setdefault(cell, set()).add(worker)
    assert len(ran_on) == 3 and all(len(workers) == 1 for workers in ran_on.values()), ran_on
    assert set().union(*ran_on.values()) == {"gw0", "gw1"}, ran_on


def test_every_builds_cell_of_a_topology_runs_on_the_same_worker(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_cells=CHECKS)
    result = pytester.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider",
                                           "--argo-controller=acme=quay.io/acme/workflow-controller:v3.7.18-acme",
                                           "--argo-topology=upstream-global,native-namespaced,namespaced-copy")
    result.assert_outcomes(passed=18)
    ran_on: dict[str, set[str]] = {}
    for worker, _build, topology in re.findall(
            r"\[(gw\d)\] \[\s*\d+%\] PASSED test_cells.py::test_\d\[(upstream|acme)-([^\]]+)\]", result.stdout.str()):
        ran_on.setdefault(topology, set()).add(worker)
    assert sorted(ran_on) == ["namespaced-copy", "native-namespaced", "upstream-global"], ran_on
    assert all(len(workers) == 1 for workers in ran_on.values()), ran_on
    assert set().union(*ran_on.values()) == {"gw0", "gw1"}, ran_on


def test_a_workers_progress_reaches_the_terminal_live(pytester: pytest.Pytester) -> None:
    """What a worker logs under the package's loggers (a build's heartbeat, an install) is on stderr as it happens,
    with the worker's id, when live logs were asked for; not otherwise."""
    standin_session(pytester)
    pytester.makepyfile(test_cells='''
        import logging

        def test_1(argo):
            logging.getLogger("pytest_argo_conformance.toolchain.gobuild").info("building argo x: still running (15 s)")
    ''')
    live = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--argo-topology=upstream-global",
                                         "--log-cli-level=INFO")
    live.assert_outcomes(passed=1)
    live.stderr.fnmatch_lines(["[[]gw[01][]] building argo x: still running (15 s)"])
    quiet = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--argo-topology=upstream-global")
    quiet.assert_outcomes(passed=1)
    assert "still running" not in quiet.stderr.str() + quiet.stdout.str()


def test_each_cell_has_its_progress_line_under_xdist(pytester: pytest.Pytester) -> None:
    """The xdist controller collects nothing itself: the per-cell progress comes from the workers' test ids."""
    standin_session(pytester)
    pytester.makepyfile(test_cells=CHECKS)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider",
                                           "--argo-topology=upstream-global,native-namespaced")
    result.assert_outcomes(passed=6)
    for topology in ("upstream-global", "native-namespaced"):
        result.stdout.fnmatch_lines([f"*argo-conformance: cell upstream / {topology} done; ?/6 checks in *"])
