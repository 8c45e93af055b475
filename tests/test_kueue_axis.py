"""The Kueue version is an axis: `--argo-kueue` parametrizes the Kueue checks and names the matrix rows."""

from __future__ import annotations

import json

import pytest

from pins import KUEUE, KUEUE_PREVIOUS
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
    result.stdout.fnmatch_lines([f"*test_gating[[]upstream-upstream-global-kueue-{KUEUE}[]] PASSED*"])
    cells = json.loads((pytester.path / "argo-conformance-report" / "matrix.json").read_text())["cells"]
    assert sorted(c["check"] for c in cells) == ["test_gating", "test_no_kueue"]


def test_several_kueue_versions_become_rows(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_k=KUEUE_STANDIN)
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                f"--argo-kueue={KUEUE_PREVIOUS},{KUEUE}", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"*test_gating[[]upstream-upstream-global-kueue-{KUEUE}[]] PASSED*"])
    cells = json.loads((pytester.path / "argo-conformance-report" / "matrix.json").read_text())["cells"]
    assert sorted(c["check"] for c in cells) == [
        f"test_gating[kueue {KUEUE_PREVIOUS}]", f"test_gating[kueue {KUEUE}]", "test_no_kueue"]
