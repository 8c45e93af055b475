"""The mutation run's pieces without a cluster: the catalog and its headers, -k selection, the detection matrix
(killed / survived / equivalent / unbuildable / undecided, the score) and its Markdown and HTML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_argo_conformance.command.mutants_command import selected
from pytest_argo_conformance.components.argo import mutants as catalog
from pytest_argo_conformance.matrix import BuildInfo, Cell, CheckStatement, Matrix, Outcome
from pytest_argo_conformance.matrix.mutation import MutantInfo, Status, Verdict, detect
from pytest_argo_conformance.matrix.mutation_render import render_html, render_markdown

DIFF = "--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n-a\n+b\n"


def write_mutant(folder: Path, name: str, header: str) -> Path:
    path = folder / f"{name}.patch"
    path.write_text(header + DIFF)
    return path


def test_a_header_gives_what_breaks_area_and_continuations(tmp_path: Path) -> None:
    path = write_mutant(tmp_path, "retry-off-by-one", "# A planted defect: the retry limit is off by one,\n"
                        "# so one attempt too many runs.\n# Breaks: retryStrategy.limit.\n# Area: retries\n"
                        "# Build it with --argo-controller m=v3.7.18+patch:retry-off-by-one.\n")
    mutant = catalog.parse(path)
    assert mutant.what == "the retry limit is off by one, so one attempt too many runs"
    assert (mutant.breaks, mutant.area, mutant.equivalent) == ("retryStrategy.limit", "retries", "")
    assert mutant.ref("v3.7.18") == f"v3.7.18+patch:{path.resolve()}"


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("no-header", DIFF, "no '# A planted defect: <what the fork got wrong>' header line"),
    ("Bad_Name", "# A planted defect: x\n" + DIFF, "must be lower-case letters"),
    ("a" * 31, "# A planted defect: x\n" + DIFF, "at most 30 characters"),
])
def test_a_malformed_mutant_is_one_line_naming_the_file(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / f"{name}.patch"
    path.write_text(text)
    with pytest.raises(catalog.MutantError, match=expected) as caught:
        catalog.catalog([path])
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_missing_or_empty_catalog_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(catalog.MutantError, match="no such file or folder"):
        catalog.catalog([tmp_path / "nope"])
    with pytest.raises(catalog.MutantError, match="holds no"):
        catalog.catalog([tmp_path])


def test_minus_k_selects_by_name_and_area(tmp_path: Path) -> None:
    for name, area in (("retry-limit", "retries"), ("cron-forbid", "cron"), ("pod-annotations", "pod-spec")):
        write_mutant(tmp_path, name, f"# A planted defect: {name}\n# Area: {area}\n")
    mutants = catalog.catalog([tmp_path])
    assert [m.name for m in selected(mutants, "retries or cron")] == ["cron-forbid", "retry-limit"]
    assert [m.name for m in selected(mutants, "not cron")] == ["pod-annotations", "retry-limit"]
    with pytest.raises(catalog.MutantError, match="-k 'retries or'"):
        selected(mutants, "retries or")


def run_matrix() -> Matrix:
    matrix = Matrix()
    for build in ("upstream", "m-killed", "m-survived", "m-flaky-only", "m-not-installed"):
        matrix.add_build(BuildInfo(build, "v3.7.18", baseline=build == "upstream"))
    matrix.statements["check_a"] = CheckStatement("check_a", "retries.a", "A retry MUST happen.", "retries")
    results = {
        "upstream": {"check_a": Outcome.PASSED, "check_b": Outcome.PASSED, "check_broken": Outcome.FAILED},
        "m-killed": {"check_a": Outcome.FAILED, "check_b": Outcome.SKIPPED, "check_broken": Outcome.FAILED},
        "m-survived": {"check_a": Outcome.PASSED, "check_b": Outcome.PASSED, "check_broken": Outcome.FAILED},
        "m-flaky-only": {"check_a": Outcome.PASSED, "check_b": Outcome.PASSED, "check_broken": Outcome.PASSED},
        "m-not-installed": {"check_a": Outcome.SKIPPED, "check_b": Outcome.SKIPPED},
    }
    for build, cells in results.items():
        for check, outcome in cells.items():
            reason = {Outcome.FAILED: "expected 3 attempts, saw 4", Outcome.SKIPPED: "not run: killed"}.get(outcome, "")
            matrix.add(Cell(build, "upstream-global", check, "suite", outcome, reason=reason))
    return matrix


def infos() -> list[MutantInfo]:
    names = ["m-killed", "m-survived", "m-flaky-only", "m-not-installed"]
    return [MutantInfo(n, f"{n}.patch", f"what {n}", "breaks") for n in names] + [
        MutantInfo("m-equivalent", "e.patch", "renames a log line", "nothing", equivalent="only a log line changes"),
        MutantInfo("m-broken", "b.patch", "x", "y", unbuildable="patch does not apply"),
    ]


def test_detection_judges_each_mutant_against_the_baseline() -> None:
    d = detect(run_matrix(), infos(), topology="upstream-global")
    status = {m.info.name: m.status for m in d.mutants}
    assert status == {"m-killed": Status.KILLED, "m-survived": Status.SURVIVED, "m-flaky-only": Status.SURVIVED,
                      "m-not-installed": Status.UNDECIDED, "m-equivalent": Status.EQUIVALENT,
                      "m-broken": Status.UNBUILDABLE}
    killed = d.mutants[0]
    assert killed.results == {"check_a": Verdict.KILLED, "check_b": Verdict.NOT_RUN, "check_broken": Verdict.UNUSABLE}
    assert killed.why == "check_a: expected 3 attempts, saw 4"
    # a check that failed on the baseline never kills (m-flaky-only passes it: still no kill)
    assert d.kills_of("check_broken") == [] and d.kills_of("check_a") == ["m-killed"]
    # equivalent and unbuildable mutants leave the denominator; undecided ones stay in it
    assert d.score_line() == "mutation score: 1/4 killed"


def test_the_detection_files_carry_the_score_grid_and_statements() -> None:
    d = detect(run_matrix(), infos(), topology="upstream-global", seconds=90)
    data = json.loads(json.dumps(d.to_dict()))
    assert data["score"] == {"killed": 1, "counted": 4, "equivalent": 1, "unbuildable": 1, "undecided": 1,
                             "line": "mutation score: 1/4 killed"}
    assert next(c for c in data["checks"] if c["check"] == "check_a")["id"] == "retries.a"
    markdown = render_markdown(d)
    assert "**mutation score: 1/4 killed**" in markdown
    assert "| `m-survived` |  | **survived** |" in markdown
    html = render_html(d)
    assert '<a href="#check-retries-a" title="A retry MUST happen.">check_a</a>' in html
    assert '<tr id="check-retries-a">' in html and 'class="v killed"' in html
