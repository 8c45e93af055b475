"""Nightly CI: rerun the failed cells of an earlier matrix, quarantine known failures until a date, and one summary
line per build (pytester sessions with the stand-in provider and installation; no cluster)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from standins import read_log, standin_session

CHECKS = """
import pytest

def test_passes(argo): pass

def test_differs(argo, argo_cell):
    assert argo_cell.build.name != "acme", "pods lost spec.podMetadata.labels"

def test_flaky_setup(argo, argo_cell):
    if argo_cell.topology.id == "dropin-global":
        raise RuntimeError("could not reach the API server")
"""
ACME = "--argo-controller=acme=quay.io/acme/workflow-controller:v3.5.6-acme"
TOPOLOGIES = "--argo-topology=upstream-global,dropin-global"


def _matrix(pytester: pytest.Pytester, folder: str = "report") -> dict[str, object]:
    data: dict[str, object] = json.loads((pytester.path / folder / "matrix.json").read_text())
    return data


def _outcomes(matrix: dict[str, object]) -> dict[tuple[str, str, str], str]:
    return {(c["build"], c["topology"], c["check"]): c["outcome"] for c in matrix["cells"]}  # type: ignore[attr-defined]


def test_rerun_failed_runs_exactly_the_failed_cells_with_the_earlier_builds(pytester: pytest.Pytester) -> None:
    log = standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    first = pytester.runpytest(ACME, TOPOLOGIES, "--argo-report-dir=first")
    first.assert_outcomes(passed=8, failed=4)
    failed = {k for k, v in _outcomes(_matrix(pytester, "first")).items() if v == "failed"}
    assert failed == {("acme", "upstream-global", "test_differs"), ("acme", "dropin-global", "test_differs"),
                      ("upstream", "dropin-global", "test_flaky_setup"), ("acme", "dropin-global", "test_flaky_setup")}
    log.unlink()
    # no --argo-controller, no --argo-topology: the earlier run's builds (acme) and the failed cells' topologies
    earlier = pytester.path / "first" / "matrix.json"
    again = pytester.runpytest(f"--argo-rerun-failed={earlier}", "--argo-report-dir=again")
    again.assert_outcomes(failed=4)
    again.stdout.fnmatch_lines(["*argo-conformance: 8 checks deselected (not failed in *first/matrix.json), 4 to run*"])
    assert set(_outcomes(_matrix(pytester, "again"))) == failed
    assert sorted(line for line in read_log(log) if line.startswith("install")) == [
        "install acme dropin-global", "install acme upstream-global", "install upstream dropin-global"]


def test_rerun_failed_refuses_what_is_not_a_matrix_with_one_line(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    (pytester.path / "notes.json").write_text('{"cells": []}')
    result = pytester.runpytest("--argo-rerun-failed=notes.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --argo-rerun-failed notes.json: not a conformance matrix: no integer "
                                 "schema_version*give the matrix.json of an earlier run"])


def _quarantine(pytester: pytest.Pytester, expires: dt.date) -> Path:
    path = pytester.path / "quarantine.yaml"
    path.write_text(f"- check: test_differs\n  build: acme\n  reason: ACME-12 pod labels, fixed in 3.5.7\n"
                    f"  expires: {expires.isoformat()}\n")
    return path


def test_a_quarantined_failure_is_a_known_fail_until_its_date(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    result = pytester.runpytest(ACME, TOPOLOGIES, f"--argo-quarantine={_quarantine(pytester, tomorrow)}",
                                "--argo-report-dir=report")
    result.assert_outcomes(passed=8, failed=2, xfailed=2)
    cells = {(c["build"], c["topology"], c["check"]): c for c in _matrix(pytester)["cells"]}  # type: ignore[attr-defined]
    known = cells[("acme", "upstream-global", "test_differs")]
    assert known["outcome"] == "known-fail"
    assert known["reason"] == (f"known failure: quarantined: ACME-12 pod labels, fixed in 3.5.7 (quarantined until "
                               f"{tomorrow.isoformat()})")
    assert cells[("acme", "dropin-global", "test_flaky_setup")]["outcome"] == "failed"  # not listed


def test_an_expired_quarantine_no_longer_excuses_and_says_so(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    result = pytester.runpytest(ACME, TOPOLOGIES, f"--argo-quarantine={_quarantine(pytester, yesterday)}",
                                "--argo-report-dir=report")
    result.assert_outcomes(passed=8, failed=4)
    cells = {(c["build"], c["topology"], c["check"]): c for c in _matrix(pytester)["cells"]}  # type: ignore[attr-defined]
    cell = cells[("acme", "upstream-global", "test_differs")]
    assert cell["outcome"] == "failed"
    assert (f"quarantine expired on {yesterday.isoformat()}, so this failure counts: ACME-12 pod labels, fixed in "
            "3.5.7") in cell["notes"]


@pytest.mark.parametrize(("text", "line"), [
    ("- check: x\n  reason: r\n", "entry 1: give expires as a date, YYYY-MM-DD (a quarantine ends)"),
    ("- reason: r\n  expires: 2030-01-01\n", "entry 1: give at least one of check, build, topology*"),
    ("- check: x\n  expires: 2030-01-01\n", "entry 1: give a reason*"),
    ("- check: x\n  reason: r\n  expires: 2030-01-01\n  until: 2031\n", "entry 1: unknown key 'until'*"),
    ("check: [x\n", "*not valid YAML"),
])
def test_a_bad_quarantine_file_is_one_line(pytester: pytest.Pytester, text: str, line: str) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    (pytester.path / "q.yaml").write_text(text)
    result = pytester.runpytest("--argo-quarantine=q.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --argo-quarantine q.yaml*{line}"])


def test_the_summary_has_a_line_per_build_with_its_failed_checks(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    result = pytester.runpytest(ACME, TOPOLOGIES, "--argo-report-dir=report")
    result.stdout.fnmatch_lines([
        "upstream: 5 passed / 1 failed / 0 skipped; failed: test_flaky_setup [[]dropin-global[]]",
        "acme: 3 passed / 3 failed / 0 skipped; failed: test_differs [[]dropin-global[]], test_flaky_setup "
        "[[]dropin-global[]], test_differs [[]upstream-global[]]",
        "*written: report/matrix.json",
    ])


def test_a_line_per_finished_cell_with_done_total_and_time_left(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    result = pytester.runpytest(ACME, TOPOLOGIES, "--argo-report-dir=report")
    lines = [line for line in result.stdout.lines if line.startswith("argo-conformance: cell ")]
    assert [line.split(";")[0].removeprefix("argo-conformance: cell ") for line in lines] == [
        "upstream / upstream-global done", "upstream / dropin-global done", "acme / upstream-global done",
        "acme / dropin-global done"]
    assert "; 3/12 checks in " in lines[0] and " left" in lines[0], lines[0]
    assert "; 12/12 checks in " in lines[-1] and " left" not in lines[-1], lines[-1]
