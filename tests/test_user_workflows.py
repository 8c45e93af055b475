"""`--argo-workflows`: the user's own Workflow manifests become checks (discovery, ids, opt-out, missing images)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_argo_conformance.config.paths import suites_dir
from standins import STANDIN_CONFTEST, read_log

# The real suite file, run against stand-ins; the stand-in runner records what it was asked to run.
SUITE = (suites_dir() / "test_your_workflows.py").read_text()
RUNNER = """

class StandinRunner:
    submitted = []

    def submit(self, manifest):
        if manifest["metadata"]["generateName"] == "rejected-":
            import json

            from kubernetes.client.exceptions import ApiException

            exc = ApiException(status=422, reason="Unprocessable Entity")
            exc.body = json.dumps({"kind": "Status", "message": "Workflow.argoproj.io is invalid: spec.parallelism: "
                                   "Invalid value: -1: spec.parallelism in body should be greater than or equal to 1"})
            raise exc
        log("run", manifest["metadata"]["generateName"], manifest["spec"]["templates"][0]["container"]["image"])
        return manifest["metadata"]["generateName"] + "x1"

    def wait_phase(self, name, phase, timeout):
        log("wait", name, phase)


@pytest.fixture
def argo_workflows(argo):
    return StandinRunner()
"""
HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [echo, hi]}
"""
OPTED_OUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: big-
  labels: {argo-conformance/skip: needs-a-gpu}
spec:
  entrypoint: main
  templates:
    - name: main
      script: {image: example.com/private/tool:1.0, command: [sh], source: "true"}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: not-a-workflow}
"""


@pytest.fixture
def workflows_dir(pytester: pytest.Pytester) -> str:
    pytester.makeconftest(STANDIN_CONFTEST + RUNNER)
    pytester.makepyfile(test_byo=SUITE)
    wf = pytester.mkdir("workflows")
    (wf / "hello.yaml").write_text(HELLO)
    (wf / "opted-out.yml").write_text(OPTED_OUT)
    return str(wf)


def test_each_workflow_manifest_is_a_check(pytester: pytest.Pytester, workflows_dir: str) -> None:
    result = pytester.runpytest("--collect-only", "-q", f"--argo-workflows={workflows_dir}",
                                "--argo-topology=upstream-global")
    result.stdout.fnmatch_lines([
        "test_byo.py::test_your_workflow_succeeds[[]hello-upstream-upstream-global[]]",
        "test_byo.py::test_your_workflow_succeeds[[]opted-out-upstream-upstream-global[]]",
        "2 tests collected*",
    ])


def test_opt_out_label_and_image_names(pytester: pytest.Pytester, workflows_dir: str) -> None:
    result = pytester.runpytest(f"--argo-workflows={workflows_dir}/*.y*ml", "--argo-topology=upstream-global", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*labelled argo-conformance/skip=needs-a-gpu*"])
    assert "run hello- docker.io/library/busybox:1.35.0" in read_log(pytester.path / "standin.log")


REJECTED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: rejected-}
spec:
  entrypoint: main
  parallelism: -1
  templates:
    - name: main
      container: {image: busybox, command: [echo, hi]}
"""


def test_a_manifest_the_api_server_rejects_is_one_line_not_a_controller_failure(
    pytester: pytest.Pytester, workflows_dir: str
) -> None:
    (pytester.path / "workflows" / "rejected.yaml").write_text(REJECTED)
    result = pytester.runpytest(f"--argo-workflows={workflows_dir}/rejected.yaml", "--argo-topology=upstream-global",
                                "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*FAILED upstream / upstream-global / test_your_workflow_succeeds[[]rejected[]]: *rejected.yaml: "
        "the API server rejected the workflow, so it never reached the controller: Workflow.argoproj.io is invalid: "
        "spec.parallelism: Invalid value: -1: spec.parallelism in body should be greater than or equal to 1",
    ])
    assert "Traceback" not in result.stdout.str() and "ApiException" not in result.stdout.str()


def test_missing_images_are_a_skip_not_a_pull(pytester: pytest.Pytester, workflows_dir: str) -> None:
    pytester.makeconftest(
        (pytester.path / "conftest.py").read_text().replace(
            "    def down(self):",
            "    def missing_images(self, names):\n        return list(names)\n\n    def down(self):",
        )
    )
    result = pytester.runpytest(f"--argo-workflows={workflows_dir}/hello.yaml", "--argo-topology=upstream-global",
                                "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*images not available to the standin cluster (never pulled): "
                                 "docker.io/library/busybox:1.35.0*"])
    assert not [line for line in read_log(pytester.path / "standin.log") if line.startswith("run")]


def test_a_path_that_matches_nothing_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--argo-workflows=/nowhere/*.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --argo-workflows '/nowhere/*.yaml': no such file, directory or glob match"])


def test_without_the_option_the_check_is_skipped_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(STANDIN_CONFTEST + RUNNER)
    pytester.makepyfile(test_byo=SUITE)
    result = pytester.runpytest("--argo-topology=upstream-global", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no workflows of your own given (--argo-workflows PATH_OR_GLOB)*"])


def test_documents_that_are_not_workflows_are_listed_in_the_header(
    pytester: pytest.Pytester, workflows_dir: str
) -> None:
    result = pytester.runpytest("--collect-only", f"--argo-workflows={workflows_dir}",
                                "--argo-topology=upstream-global", "-p", "argo_conformance")
    result.stdout.fnmatch_lines(
        ["argo-conformance: --argo-workflows left out */opted-out.yml document 2: a WorkflowTemplate, not a Workflow"])


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("broken.yaml", "kind: Workflow\nmetadata: {generateName: x-\nspec: {}\n",
         "*/broken.yaml:3: not valid YAML (*); fix the file"),
        ("null-meta.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: null\n",
         "*/null-meta.yaml document 1: a Workflow needs metadata with a name or generateName"),
        ("wf.json", '{"kind": "Workflow", "metadata": {}}',
         "*/wf.json document 1: a Workflow needs metadata with a name or generateName"),
        ("latin1.yaml", b"kind: Workflow\nmetadata: {name: caf\xe9}\n",
         "*/latin1.yaml: cannot be read (*); give a YAML file"),
    ],
    ids=["malformed-yaml", "null-metadata", "json-file", "not-utf8"],
)
def test_a_bad_manifest_is_one_line_and_the_others_still_run(
    pytester: pytest.Pytester, workflows_dir: str, name: str, text: str | bytes, line: str
) -> None:
    bad = Path(workflows_dir) / name
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = pytester.runpytest(f"--argo-workflows={workflows_dir}", "--argo-topology=upstream-global", "-rs")
    result.assert_outcomes(passed=1, skipped=1)  # hello runs; opted-out is its own skip
    result.stdout.fnmatch_lines(["argo-conformance: --argo-workflows left out " + line])
    result.stdout.fnmatch_lines(["*argo-conformance: workflows left out*", line])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
