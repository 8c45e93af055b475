"""The matrix model: phases combine to the worst outcome, round trips, schema checks, baseline comparison."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_argo_conformance.matrix import (
    SCHEMA_VERSION,
    BuildInfo,
    Cell,
    Matrix,
    Outcome,
    compare_to_baseline_build,
    phase_outcome,
)


def two_build_matrix() -> Matrix:
    matrix = Matrix(
        run_id="job-1",
        versions={"kubernetes": "v1.34.4", "argo-workflows": "v3.6.10"},
        environment={"provider": "kind", "cluster": "argo-conformance"},
    )
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(
        BuildInfo(
            "acme",
            "quay.io/acme/workflow-controller:v3.6.10-acme",
            images={"workflow-controller": "quay.io/acme/workflow-controller:v3.6.10-acme"},
            digests={"quay.io/acme/workflow-controller:v3.6.10-acme": "sha256:" + "a" * 64},
        )
    )
    for build, outcome in (("upstream", Outcome.PASSED), ("acme", Outcome.FAILED)):
        reason = "" if outcome is Outcome.PASSED else "node B: Failed"
        matrix.add(Cell(build, "single", "dag-diamond", "dag", outcome, 12.5, reason=reason))
        matrix.add(Cell(build, "single", "steps-hello", "steps", Outcome.PASSED, 3.0, figures={"cpu_m": 120.0}))
        matrix.add(Cell(build, "ha", "dag-diamond", "dag", Outcome.SKIPPED, 0.0, reason="ha needs 3 nodes"))
    return matrix


def test_a_check_in_phases_keeps_the_worst_outcome_and_adds_durations() -> None:
    matrix = Matrix()
    nodeid = "t.py::test_retry[acme-single]"
    matrix.add(Cell("acme", "single", "retry", "retry", Outcome.PASSED, 1.0, nodeid=nodeid))
    failure = "assert 'Failed' == 'Succeeded'\n  - Succeeded"
    matrix.add(Cell("acme", "single", "retry", "retry", Outcome.FAILED, 2.0, reason=failure))
    teardown = Cell("acme", "single", "retry", "retry", Outcome.ERROR, 0.5, reason="teardown: namespace stuck")
    stored = matrix.add(teardown)

    assert stored.outcome is Outcome.FAILED
    assert stored.reason == "assert 'Failed' == 'Succeeded'"  # one line
    assert stored.duration == pytest.approx(3.5)
    assert stored.nodeid == "t.py::test_retry[acme-single]"
    assert stored.notes == ["error: teardown: namespace stuck"]
    assert len(matrix.cells) == 1


def test_setup_error_then_nothing_else_is_an_error() -> None:
    matrix = Matrix()
    error = phase_outcome("setup", "failed")
    matrix.add(Cell("acme", "ha", "retry", "retry", error, reason="cluster not ready"))
    matrix.add(Cell("acme", "ha", "retry", "retry", phase_outcome("teardown", "passed")))
    cell = matrix.get("acme", "ha", "retry")
    assert cell is not None and cell.outcome is Outcome.ERROR and cell.reason == "cluster not ready"


def test_two_tests_claiming_one_check_are_noted() -> None:
    matrix = Matrix()
    matrix.add(Cell("acme", "ha", "retry", "retry", Outcome.PASSED, nodeid="a.py::test_retry"))
    stored = matrix.add(Cell("acme", "ha", "retry", "retry", Outcome.FAILED, nodeid="b.py::test_retry"))
    assert stored.outcome is Outcome.FAILED
    assert stored.notes == ["also reported by b.py::test_retry: failed"]


@pytest.mark.parametrize(
    ("when", "outcome", "xfail", "expected"),
    [
        ("setup", "passed", False, Outcome.PASSED),
        ("setup", "failed", False, Outcome.ERROR),
        ("setup", "skipped", False, Outcome.SKIPPED),
        ("call", "failed", False, Outcome.FAILED),
        ("call", "skipped", True, Outcome.KNOWN_FAIL),
        ("call", "passed", True, Outcome.PASSED),
        ("teardown", "failed", False, Outcome.ERROR),
    ],
)
def test_phase_outcome_maps_pytest_reports(when: str, outcome: str, xfail: bool, expected: Outcome) -> None:
    assert phase_outcome(when, outcome, xfail=xfail) is expected


def test_round_trip_keeps_everything() -> None:
    matrix = two_build_matrix()
    data = matrix.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert [b["name"] for b in data["builds"]] == ["upstream", "acme"]
    assert Matrix.from_dict(data) == matrix
    assert Matrix.from_dict(data).to_dict() == data


def test_order_helpers() -> None:
    matrix = two_build_matrix()
    matrix.add(Cell("stray", "ha", "a-first", "aaa", Outcome.PASSED))
    assert matrix.baseline_build() == "upstream"
    assert matrix.builds_order() == ["upstream", "acme", "stray"]
    assert matrix.topologies() == ["ha", "single"]
    assert matrix.checks() == ["a-first", "dag-diamond", "steps-hello"]  # by suite, then name
    assert matrix.checks("ha") == ["a-first", "dag-diamond"]


def test_builds_order_puts_the_baseline_first_even_when_added_last() -> None:
    matrix = Matrix()
    matrix.add_build(BuildInfo("acme", "quay.io/acme/workflow-controller:v1"))
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    assert matrix.builds_order() == ["upstream", "acme"]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (2, "schema_version 2 is newer than this pytest-argo-conformance reads (1); upgrade"),
        (0, "schema_version 0 is not supported (this version reads 1)"),
        ("1", "no integer schema_version"),
        (None, "no integer schema_version"),
    ],
)
def test_from_dict_rejects_other_schema_versions(version: object, message: str) -> None:
    data = two_build_matrix().to_dict()
    data["schema_version"] = version
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Matrix.from_dict(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["cells"][0].update(outcome="pass"), r"cells\[0\]\.outcome: 'pass' is not one of passed, fail"),
        (lambda d: d["cells"][1].pop("check"), r"cells\[1\]: missing 'check'"),
        (lambda d: d["cells"].append(dict(d["cells"][0])), r"appears twice"),
        (lambda d: d["builds"][1].update(baseline=True), r"more than one baseline build \(upstream, acme\)"),
        (lambda d: d.update(versions=["v1"]), r"matrix\.versions: expected an object"),
    ],
)
def test_from_dict_names_the_bad_field(mutate: Callable[[dict[str, Any]], object], message: str) -> None:
    data = two_build_matrix().to_dict()
    mutate(data)
    with pytest.raises(ValueError, match=message):
        Matrix.from_dict(data)


def test_compare_to_baseline_build_lists_differing_cells() -> None:
    differences = compare_to_baseline_build(two_build_matrix())
    assert list(differences) == ["acme"]
    [difference] = differences["acme"]
    assert difference.cell.key() == ("acme", "single", "dag-diamond")
    assert difference.baseline.outcome is Outcome.PASSED
    assert difference.worse


def test_compare_without_a_baseline_build_is_empty() -> None:
    matrix = Matrix()
    matrix.add(Cell("acme", "single", "x", "s", Outcome.FAILED))
    assert compare_to_baseline_build(matrix) == {}
