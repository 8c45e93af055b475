"""`argo_behaviour` compares a build with the upstream release of its own line when the session has that build, else
with the baseline; references run first whatever order the builds were given in."""

from __future__ import annotations

import json

import pytest

from pins import BASELINE, PREVIOUS_LINE, V4
from pytest_argo_conformance.components.argo.lines import line_of_version
from standins import standin_session

CHECK = """
BEHAVIOUR = {"upstream": "ends at its deadline", "old": "ends when next reconciled",
             "fork": "ends when next reconciled", "drift": "never ends", "v4": "ends at its deadline",
             "newfork": "ends at its deadline"}


def test_deadline(argo_cell, argo_behaviour):
    observed = BEHAVIOUR[argo_cell.build.name]
    reference = argo_behaviour(observed)
    assert reference is None or observed == reference, f"judged against: {reference}; this build: {observed}"
"""


def test_each_build_is_compared_with_its_own_lines_release(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_b=CHECK)
    result = pytester.runpytest(
        "-p", "argo_conformance", "--argo-topology=upstream-global", "-v",
        # the forks come first on the command line; the session still runs the references before them
        f"--argo-controller=fork={PREVIOUS_LINE}+patch:drop-pod-labels",
        f"--argo-controller=drift={PREVIOUS_LINE}+patch:drop-workflow-tolerations",
        f"--argo-controller=newfork={V4}+patch:drop-pod-labels",
        f"--argo-controller=old={PREVIOUS_LINE}", f"--argo-controller=v4={V4}",
    )
    result.assert_outcomes(passed=5, failed=1)
    order = [line.split("[")[1].split("-")[0] for line in result.stdout.lines if line.startswith("test_b.py::")]
    assert order == ["upstream", "old", "v4", "fork", "drift", "newfork"]
    result.stdout.fnmatch_lines(["*FAILED drift / upstream-global / test_deadline: *judged against: ends when next "
                                 "reconciled; this build: never ends*"])
    matrix = json.loads((pytester.path / "argo-conformance-report" / "matrix.json").read_text())
    against = {b["name"]: b["compared_with"] for b in matrix["builds"]}
    assert against["fork"] == f"old ({PREVIOUS_LINE}); CRDs: upstream {PREVIOUS_LINE} (v3.6 line)"
    assert against["newfork"] == f"v4 ({V4}); CRDs: upstream {V4} (v4.0 line)"
    assert against["upstream"] == f"itself (the baseline; {line_of_version(BASELINE)} line)"
