"""Issue 15 on the real local cluster, a small slice (the whole examples lane is bench/upstream_examples.py):
workflows run as given get their images without a pull: a user's archive (`--argo-image`, under a `latest` name
the archive does not carry, with no `command` so that the controller's `images:` entrypoint is used), the image
catalog by alias (alpine, python, argosay); a missing image is a skip; bad manifests are one line each while the
rest run; a slice of Argo's own examples, one needing a ConfigMap the lane makes and one excluded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from child_run import run_suites
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.toolchain import oci

pytestmark = pytest.mark.cluster

EXAMPLES = ["hello-world.yaml", "scripts-python.yaml", "dag-inline-workflow.yaml", "artifact-passing.yaml",
            "global-parameters-from-configmap.yaml", "input-artifact-http.yaml", "daemon-nginx.yaml",
            "volumes-pvc.yaml", "loops-maps.yaml"]

GREETER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: greeter-}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: "quay.io/acme/greeter:latest"}
"""
ALPINE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: alpine-shell-}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: "alpine:3.7", command: [sh, -c], args: ["test -x /bin/sh && ls / | grep -q etc && echo ok"]}
"""
GOLANG = ALPINE.replace("alpine-shell-", "needs-golang-").replace("alpine:3.7", "golang:1.22")
# a name the API server refuses whatever the CRD's schema (Argo's minimal CRDs validate little)
REJECTED = ALPINE.replace("generateName: alpine-shell-", "name: Rejected_Workflow")
MULTI = ALPINE + "---\napiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: a-template}\n"


@pytest.fixture(scope="module")
def matrix(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    work = tmp_path_factory.mktemp("as-given")
    mine = work / "workflows"
    mine.mkdir()
    for name, text in {"greeter.yaml": GREETER, "alpine-shell.yaml": MULTI, "needs-golang.yaml": GOLANG,
                       "rejected.yaml": REJECTED, "broken.yaml": "kind: Workflow\nmetadata: {name: x\n"}.items():
        (mine / name).write_text(text)
    archive = oci.write_oci_tarball(oci.ImageSpec(
        "quay.io/acme/greeter:1.0",
        (oci.File("bin/busybox", source=Path("/bin/busybox")), oci.File("bin/sh", symlink_to="/bin/busybox")),
        entrypoint=("/bin/busybox", "echo"), cmd=("hello from an archive",)), work / "greeter.tar")
    selected = " or ".join(EXAMPLES)
    args = [
        str(suites_dir() / "test_upstream_examples.py"), str(suites_dir() / "test_your_workflows.py"),
        str(suites_dir() / "test_python_workflows.py"), "--argo-topology=upstream-global",
        "--argo-workflows=upstream-examples", f"--argo-workflows={mine}",
        f"--argo-image=quay.io/acme/greeter:latest={archive}",
        "-k", f"test_your_workflow_succeeds or test_python or ({selected})",
    ]
    return run_suites(local_cluster, work, args, timeout=2400)


def _cells(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in matrix["cells"]}


def test_a_user_archive_runs_under_a_name_it_does_not_carry_with_its_own_entrypoint(
    matrix: tuple[dict[str, Any], str],
) -> None:
    cell = _cells(matrix[0])["test_your_workflow_succeeds[greeter]"]
    assert cell["outcome"] == "passed", cell
    assert any("quay.io/acme/greeter:latest -> " in n and "(--argo-image)" in n for n in cell["notes"]), cell
    assert any("imagePullPolicy IfNotPresent" in n for n in cell["notes"]), cell


def test_catalog_aliases_run_alpine_python_and_argosay_and_say_so(matrix: tuple[dict[str, Any], str]) -> None:
    cells = _cells(matrix[0])
    expect = {
        "test_your_workflow_succeeds[alpine-shell]": "alpine:3.7 -> local posix-base (alias)",
        "test_upstream_example[scripts-python.yaml]": "python:alpine3.6 -> local python (alias)",
        "test_upstream_example[dag-inline-workflow.yaml]": "argoproj/argosay:v2 -> local argosay (alias)",
        "test_upstream_example[artifact-passing.yaml]": "alpine:latest -> local posix-base (alias)",
        "test_python_script_template": "python:3.12-alpine -> local python (alias)",
        "test_python_dag": "python:3.12-alpine -> local python (alias)",
    }
    for check, note in expect.items():
        assert cells[check]["outcome"] == "passed", cells[check]
        assert f"image: {note}" in cells[check]["notes"], cells[check]


def test_examples_slice_passes_makes_what_it_needs_and_skips_with_reasons(matrix: tuple[dict[str, Any], str]) -> None:
    cells = _cells(matrix[0])
    assert cells["test_upstream_example[hello-world.yaml]"]["outcome"] == "passed"
    needs = cells["test_upstream_example[global-parameters-from-configmap.yaml]"]
    assert needs["outcome"] == "passed" and "made for it: ConfigMap/simple-parameters" in needs["notes"], needs
    excluded = cells["test_upstream_example[input-artifact-http.yaml]"]
    assert excluded["outcome"] == "skipped" and excluded["reason"].startswith("excluded (suites/examples/"), excluded
    missing = cells["test_upstream_example[daemon-nginx.yaml]"]
    assert missing["outcome"] == "skipped" and "(never pulled): nginx:1.13" in missing["reason"], missing
    claims = cells["test_upstream_example[volumes-pvc.yaml]"]
    assert claims["outcome"] == "skipped" and "need a default StorageClass, and this cluster has none" in \
        claims["reason"], claims
    templated = cells["test_upstream_example[loops-maps.yaml]"]
    assert templated["outcome"] == "skipped" and "images chosen when the workflow runs" in templated["reason"]


def test_bad_input_is_one_line_each_and_the_rest_still_run(matrix: tuple[dict[str, Any], str]) -> None:
    cells = _cells(matrix[0])
    rejected = cells["test_your_workflow_succeeds[rejected]"]
    assert rejected["outcome"] == "failed" and "the API server rejected the workflow" in rejected["reason"], rejected
    assert "Rejected_Workflow" in rejected["reason"] and "RFC 1123" in rejected["reason"], rejected
    assert "\n" not in rejected["reason"]
    golang = cells["test_your_workflow_succeeds[needs-golang]"]
    assert golang["outcome"] == "skipped" and "(never pulled): golang:1.22" in golang["reason"], golang
    out = matrix[1]
    assert "broken.yaml:3: not valid YAML" in out and "alpine-shell.yaml document 2: a WorkflowTemplate" in out
    assert "Traceback" not in out
