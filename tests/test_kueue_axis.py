"""The Kueue version is an axis: `--argo-kueue` parametrizes the Kueue checks and names the matrix rows."""

from __future__ import annotations

import json

import pytest

from standins import standin_session

KUEUE_STANDIN = """
import pytest

@pytest.fixture(scope="session")
def argo_kueue(request):
    return request.param  # the plugin parametrizes it with the --argo-kueue versions

def test_gating(argo, argo_kueue):
    assert argo_kueue.startswith("v")

def test_no_kueue(argo):
    pass
"""


def test_one_kueue_version_keeps_check_names(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_k=KUEUE_STANDIN)
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global", "-v")
    result.stdout.fnmatch_lines(["*test_gating[[]upstream-upstream-global-kueue-v0.15.2[]] PASSED*"])
    cells = json.loads((pytester.path / "argo-conformance-report" / "matrix.json").read_text())["cells"]
    assert sorted(c["check"] for c in cells) == ["test_gating", "test_no_kueue"]


def test_several_kueue_versions_become_rows(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_k=KUEUE_STANDIN)
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                "--argo-kueue=v0.15.2,v0.17.0", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_gating[[]upstream-upstream-global-kueue-v0.17.0[]] PASSED*"])
    cells = json.loads((pytester.path / "argo-conformance-report" / "matrix.json").read_text())["cells"]
    assert sorted(c["check"] for c in cells) == [
        "test_gating[kueue v0.15.2]", "test_gating[kueue v0.17.0]", "test_no_kueue"]
