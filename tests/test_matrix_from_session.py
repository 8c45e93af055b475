"""A pytester session with mixed outcomes fills the matrix and every output format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from pins import BASELINE
from standins import matrix_session

MIXED = """
import pytest

def test_passes(argo): pass

def test_differs(argo, argo_cell):
    assert argo_cell.build.name != "acme", "pods lost spec.podMetadata.labels"

def test_needs_gpu(argo, argo_cell):
    if argo_cell.topology.id == "dropin-global":
        pytest.skip("no nvidia.com/gpu capacity on this cluster")

@pytest.mark.xfail(reason="upstream issue 1234", strict=True)
def test_known(argo): assert False

def test_figures(argo, argo_record):
    argo_record.figure("controller.memory_mib", 41.5)
    argo_record.note("requests: cpu=100m memory=64Mi")

@pytest.fixture
def broken():
    raise RuntimeError("install of the fixture failed")

def test_setup_error(argo, broken): pass
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.RunResult:
    return matrix_session(pytester, {"test_poc": MIXED}, "--argo-topology=upstream-global,dropin-global",
                          "--argo-run-label=nightly-1", "--alluredir=allure")


def test_outcomes_and_terminal_summary(session: pytest.RunResult) -> None:
    session.assert_outcomes(passed=12, failed=2, skipped=2, xfailed=4, errors=4)
    assert session.ret == pytest.ExitCode.TESTS_FAILED
    session.stdout.fnmatch_lines(
        [
            "*argo-conformance matrix*",
            "24 cells: 4 error, 2 failed, 4 known-fail, 12 passed, 2 skipped",
            "  FAILED acme / dropin-global / test_differs: AssertionError: pods lost spec.podMetadata.labels*",
            "  ERROR acme / dropin-global / test_setup_error: setup: RuntimeError: install of the fixture failed",
            "  written: report/matrix.json",
        ]
    )


def test_json_matrix(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    data = json.loads((pytester.path / "report" / "matrix.json").read_text())
    assert data["schema_version"] == 1 and data["run_id"] == "nightly-1"
    assert data["versions"]["kubernetes"] == "v1.34.4-standin"
    builds = {b["name"]: b for b in data["builds"]}
    assert builds["upstream"]["baseline"] and builds["upstream"]["ref"] == BASELINE
    assert builds["acme"]["images"]["argoexec"] == "quay.io/acme/argoexec:v3.5.6-acme"
    cells = {(c["build"], c["topology"], c["check"]): c for c in data["cells"]}
    assert len(cells) == 24
    assert cells[("acme", "upstream-global", "test_differs")]["outcome"] == "failed"
    assert cells[("upstream", "upstream-global", "test_differs")]["outcome"] == "passed"
    skipped = cells[("upstream", "dropin-global", "test_needs_gpu")]
    assert skipped["outcome"] == "skipped" and skipped["reason"] == "no nvidia.com/gpu capacity on this cluster"
    known = cells[("upstream", "upstream-global", "test_known")]
    assert known["outcome"] == "known-fail" and "upstream issue 1234" in known["reason"]
    error = cells[("acme", "upstream-global", "test_setup_error")]
    assert error["outcome"] == "error" and "install of the fixture failed" in error["reason"]
    figures = cells[("upstream", "dropin-global", "test_figures")]
    assert figures["figures"] == {"controller.memory_mib": 41.5}
    assert figures["notes"] == ["requests: cpu=100m memory=64Mi"]
    assert figures["suite"] == "poc" and figures["duration"] >= 0


def test_markdown_and_html(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    markdown = (pytester.path / "report" / "matrix.md").read_text()
    assert "test_differs" in markdown and "pods lost spec.podMetadata.labels" in markdown
    html = (pytester.path / "report" / "matrix.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "acme" in html


def test_junit_properties(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    root = ET.parse(pytester.path / "junit.xml").getroot()
    case = next(tc for tc in root.iter("testcase") if tc.get("name") == "test_differs[acme-dropin-global]")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props == {
        "argo.build": "acme",
        "argo.topology": "dropin-global",
        "argo.check": "test_differs",
        "argo.suite": "poc",
        "argo.version.kubernetes": "v1.34.4-standin",
    }


def test_allure_labels(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    results = [json.loads(p.read_text()) for p in (pytester.path / "allure").glob("*-result.json")]
    result = next(r for r in results if r["name"] == "test_differs[acme-dropin-global]")
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {("epic", "poc"), ("feature", "dropin-global"), ("story", "test_differs")} <= labels
    params = {p["name"]: p["value"] for p in result["parameters"]}
    assert params["build"] == "'acme'" and params["topology"] == "'dropin-global'"
