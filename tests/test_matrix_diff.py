"""Comparing a run with a baseline run."""

from __future__ import annotations

from pytest_argo_conformance.matrix import BuildInfo, Cell, Change, Matrix, Outcome, diff


def run(results: dict[str, Outcome], ref: str = "quay.io/acme/workflow-controller:v1") -> Matrix:
    matrix = Matrix()
    matrix.add_build(BuildInfo("acme", ref))
    for check, outcome in results.items():
        matrix.add(Cell("acme", "single", check, "suite", outcome, reason=f"why {check}"))
    return matrix


def test_diff_classifies_every_change() -> None:
    baseline = run({
        "regressed": Outcome.PASSED,
        "errored": Outcome.PASSED,
        "fixed": Outcome.FAILED,
        "xfail-fixed": Outcome.KNOWN_FAIL,
        "now-skipped": Outcome.PASSED,
        "gone-passing": Outcome.PASSED,
        "gone-failing": Outcome.FAILED,
        "now-xfail": Outcome.PASSED,
        "same": Outcome.FAILED,
    })
    current = run({
        "regressed": Outcome.FAILED,
        "errored": Outcome.ERROR,
        "fixed": Outcome.PASSED,
        "xfail-fixed": Outcome.PASSED,
        "now-skipped": Outcome.SKIPPED,
        "now-xfail": Outcome.KNOWN_FAIL,
        "same": Outcome.FAILED,
        "brand-new": Outcome.FAILED,
    }, ref="quay.io/acme/workflow-controller:v2")

    result = diff(baseline, current)

    def checks(changes: list[Change]) -> list[str]:
        return [c.key[2] for c in changes]

    assert checks(result.regressions) == ["errored", "regressed"]
    assert checks(result.fixes) == ["fixed", "xfail-fixed"]
    assert checks(result.newly_skipped) == ["now-skipped"]
    assert checks(result.missing) == ["gone-passing"]
    assert checks(result.removed) == ["gone-failing"]
    assert checks(result.changed) == ["now-xfail"]
    assert checks(result.new) == ["brand-new"]
    assert result.has_regressions
    assert result.builds == ["acme: quay.io/acme/workflow-controller:v1 -> quay.io/acme/workflow-controller:v2"]

    text = result.render_text()
    assert "Regressions (2):\n  REGRESSION acme / single / errored: passed -> error: why errored\n" in text
    assert "  MISSING acme / single / gone-passing: passed -> absent\n" in text
    assert "  SKIPPED acme / single / now-skipped: passed -> skipped: why now-skipped\n" in text
    assert "  FIXED acme / single / fixed: failed -> passed\n" in text
    assert text.endswith("2 regression(s), 2 warning(s), 2 fix(es), 1 new, 2 gone\n")


def test_skips_and_missing_cells_are_warnings_not_regressions() -> None:
    result = diff(run({"a": Outcome.PASSED, "b": Outcome.PASSED}), run({"a": Outcome.SKIPPED}))
    assert not result.has_regressions
    assert len(result.warnings) == 2


def test_identical_runs_have_no_changes() -> None:
    matrix = run({"a": Outcome.PASSED, "b": Outcome.FAILED})
    result = diff(matrix, matrix)
    assert result.render_text() == "0 regression(s), 0 warning(s), 0 fix(es), 0 new, 0 gone\n"
