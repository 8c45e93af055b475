"""pytest-xdist `-n 2` without a cluster: each cell's tests run on one worker (so each cell is installed once) and
the cells are spread over both workers; both workers share the run's id. The real-cluster version is
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
