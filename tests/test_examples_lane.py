"""`--argo-workflows upstream-examples` without a cluster: the examples of the baseline's Argo module become one
check each (named by file), the exclusion list is applied with its reasons, the report header counts them, and a
build of another line runs its own line's examples (a file its line lacks is a skip that says so).

Named apart from suites/test_upstream_examples.py: an in-process collection of the suites (`argo-conformance
checks`) must not meet an imported test module of the same basename."""

from __future__ import annotations

import json

import pytest
import yaml

from pins import V4
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.scenarios.upstream_examples import collect, examples_dir, rules
from standins import STANDIN_CONFTEST, read_log
from test_user_workflows import RUNNER

SUITE = (suites_dir() / "test_upstream_examples.py").read_text()


def test_every_exclusion_names_an_example_of_a_pinned_line_and_gives_a_reason() -> None:
    data = yaml.safe_load((suites_dir() / "examples" / "exclusions.yaml").read_text())
    assert set(data) == {"exclusions", "needs"}
    shipped = {p.relative_to(examples_dir(r)).as_posix() for r in (version("argo-workflows"), V4)
               for p in examples_dir(r).rglob("*.yaml")}
    assert set(data["exclusions"]) <= shipped, set(data["exclusions"]) - shipped
    assert all(isinstance(r, str) and 10 < len(r) <= 120 for r in data["exclusions"].values())
    needed = {f for files in data["needs"].values() for f in files}
    assert needed <= shipped, needed - shipped


def test_the_baseline_examples_are_workflows_by_file_with_exclusions_applied() -> None:
    examples, left_out = collect([version("argo-workflows")])
    by_id = {e.id: e for e in examples}
    assert len(examples) > 150 and "hello-world.yaml" in by_id
    assert by_id["input-artifact-http.yaml"].excluded == rules()["exclusions"]["input-artifact-http.yaml"]
    assert by_id["hello-world.yaml"].excluded is None
    assert by_id["workflow-template/steps.yaml"].needs == ("workflow-template/templates.yaml",)
    assert "cron-backfill.yaml-1" in by_id  # a file of two Workflows is two checks
    assert not [line for line in left_out if "not valid YAML" in line], left_out


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(STANDIN_CONFTEST + RUNNER)
    pytester.makepyfile(test_examples=SUITE)
    return pytester


def test_each_example_is_a_check_named_by_its_file_and_the_header_counts_them(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--collect-only", "-q", "--argo-workflows=upstream-examples",
                             "--argo-topology=upstream-global", "-k", "hello-world or workflow-template/steps")
    result.stdout.fnmatch_lines([
        "test_examples.py::test_upstream_example[[]hello-world.yaml-upstream-upstream-global[]]",
        "test_examples.py::test_upstream_example[[]workflow-template/steps.yaml-upstream-upstream-global[]]",
    ])
    header = suite.runpytest("--collect-only", "--argo-workflows=upstream-examples", "--argo-topology=upstream-global")
    header.stdout.fnmatch_lines(
        ["argo-conformance: upstream examples: * Workflows, * excluded (examples/exclusions.yaml)"])


def test_an_excluded_example_is_a_skip_with_its_reason_and_a_selected_one_runs(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--argo-workflows=upstream-examples", "--argo-topology=upstream-global", "-rs",
                             "-k", "input-artifact-http or example[hello-world.yaml")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*excluded (suites/examples/exclusions.yaml): *no outside network*"])
    assert "run hello-world- docker.io/library/busybox:1.35.0" in read_log(suite.path / "standin.log")
    cells = json.loads((suite.path / "argo-conformance-report" / "matrix.json").read_text())["cells"]
    assert {c["check"] for c in cells} == {"test_upstream_example[hello-world.yaml]",
                                           "test_upstream_example[input-artifact-http.yaml]"}


def test_a_build_of_another_line_runs_its_own_lines_examples(suite: pytest.Pytester) -> None:
    only_v37 = "skipped-output-defaults/producer-output-default.yaml"
    result = suite.runpytest("--argo-workflows=upstream-examples", "--argo-topology=upstream-global", "-rs",
                             f"--argo-controller=v4={V4}", "-k", f"v4 and {only_v37}")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*not among the examples of {V4}, which v4 is judged against*"])
