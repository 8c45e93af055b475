"""Issue 16 on the real local cluster, a small slice (the whole suite in dsp-managed is the run quoted in the README):
the dsp-managed topology in the Data Science Pipelines operator's layout (no operator: the variant says so), its
two-controllers question, and the DSPA path against a STAND-IN operator (tests/dspo_standin.py), which checks the
DSPA the suite writes and that the teardown leaves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from child_run import run_suites
from dspo_standin import StandinOperator, install_crd, remove_crd
from pytest_argo_conformance import kube
from pytest_argo_conformance.components.argo import dsp_layout, dspa
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.providers.base import ClusterInfo

pytestmark = pytest.mark.cluster

LAYOUT_CHECKS = ("test_smoke_workflow_succeeds or test_two_controllers_on_the_same_workflows or "
                 "test_steps_artifacts or test_controller_footprint")


def _run(cluster: ClusterInfo, work: Path, checks: str) -> tuple[dict[str, Any], str]:
    suites = [str(suites_dir() / "test_controllers.py"), str(suites_dir() / "test_workflows.py")]
    return run_suites(cluster, work, [*suites, "--argo-topology=dsp-managed", "-k", checks], timeout=1200)


def _cells(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in matrix["cells"]}


@pytest.fixture(scope="module")
def layout_run(local_cluster: ClusterInfo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(local_cluster, tmp_path_factory.mktemp("dsp-layout"), LAYOUT_CHECKS)[0]


def test_the_layout_variant_runs_the_checks_and_is_named_as_such(layout_run: dict[str, Any]) -> None:
    cells = _cells(layout_run)
    assert set(cells) == {"test_smoke_workflow_succeeds", "test_two_controllers_on_the_same_workflows",
                          "test_steps_artifacts", "test_controller_footprint"}, cells
    for cell in cells.values():
        assert cell["topology"] == "dsp-managed" and cell["outcome"] == "passed", cell
    assert layout_run["topology_variants"] == {"dsp-managed": dsp_layout.variant()}
    assert cells["test_controller_footprint"]["figures"]["controller.request_cpu_millicores"] == 120.0


def test_reactivating_the_global_controller_double_processes_and_instance_ids_separate(
    layout_run: dict[str, Any],
) -> None:
    (note,) = [n for n in _cells(layout_run)["test_two_controllers_on_the_same_workflows"]["notes"]
               if n.startswith("one instance id for both")]
    assert "processed by namespaced, global;" in note, note
    assert "its workflow processed by namespaced (Succeeded)" in note and "id by global (Succeeded)" in note, note


@pytest.fixture(scope="module")
def standin(local_cluster: ClusterInfo) -> Iterator[StandinOperator]:
    api = kube.api_client(local_cluster)
    install_crd(api)
    operator = StandinOperator(api)
    operator.start()
    yield operator
    operator.stop()
    remove_crd(api)
    api.close()


def test_a_dspa_path_against_the_standin_operator_writes_the_dspa_and_leaves_nothing(
    local_cluster: ClusterInfo, standin: StandinOperator, tmp_path: Path,
) -> None:
    matrix, out = _run(local_cluster, tmp_path, "test_smoke_workflow_succeeds")
    (cell,) = matrix["cells"]
    assert cell["outcome"] == "passed", cell
    assert matrix["topology_variants"] == {
        "dsp-managed": "dsp-managed (DSPA reconciled by the cluster's Data Science Pipelines operator)"}
    # the operator's conditions as they were when the controller was available: reported, not waited for
    assert any(n.startswith("install: DSPA condition: WorkflowControllerReady=") for n in cell["notes"]), cell
    assert "install: DSPA condition: APIServerReady=False (NotDeployed: deploy: false in the DSPA)" in cell["notes"]
    (seen,) = standin.seen
    spec = seen["spec"]
    build = next(b for b in matrix["builds"] if b["baseline"])
    assert spec["workflowController"] == {"deploy": True, "image": build["images"]["workflow-controller"],
                                          "argoExecImage": build["images"]["argoexec"],
                                          "customConfig": dsp_layout.CUSTOM_CONFIG}, spec
    assert {k: spec[k]["deploy"] for k in ("apiServer", "persistenceAgent", "scheduledWorkflow")} == {
        "apiServer": False, "persistenceAgent": False, "scheduledWorkflow": False}
    assert seen["labels"].get(kube.OWNED_LABEL) == "true", seen
    assert standin.deleted == [seen["where"]] and not standin.errors, (standin.deleted, standin.errors)
    assert "Traceback" not in out
    api = kube.api_client(local_cluster)
    try:  # nothing of the DSPA's is left: not the DSPA, not what the operator made for it, not its namespace
        namespace = seen["where"].split("/")[0]
        assert not kube.dynamic_client(api).resources.get(
            api_version=dsp_layout.API_VERSION, kind=dsp_layout.KIND).get().items
        left = client.AppsV1Api(api).list_deployment_for_all_namespaces(
            label_selector="component=data-science-pipelines")
        assert not left.items, [objects.name(d) for d in left.items]
        assert namespace not in [objects.name(n) for n in client.CoreV1Api(api).list_namespace().items]
    finally:
        api.close()


def test_a_dspa_the_run_did_not_make_stops_the_cell_with_one_line(
    local_cluster: ClusterInfo, standin: StandinOperator,
) -> None:
    api = kube.api_client(local_cluster)
    core = client.CoreV1Api(api)
    namespace = "acf-test-foreign-dspa"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    resource = kube.dynamic_client(api).resources.get(api_version=dsp_layout.API_VERSION, kind=dsp_layout.KIND)
    try:
        resource.create(namespace=namespace, body={"apiVersion": dsp_layout.API_VERSION, "kind": dsp_layout.KIND,
                                                   "metadata": {"name": "theirs"}, "spec": {}})
        with pytest.raises(dspa.DSPAError) as raised:
            dspa.create(api, {"metadata": {"name": dsp_layout.NAME, "namespace": namespace}}, "run123")
        assert str(raised.value) == (f"namespace {namespace} already has DataSciencePipelinesApplication theirs, "
                                     "which this run did not make; it is left as it is (one DSPA per namespace)")
        assert [x.metadata.name for x in resource.get(namespace=namespace).items] == ["theirs"]
    finally:
        kube.delete_quietly(resource.delete, name="theirs", namespace=namespace)
        kube.delete_namespace(core, namespace, 120)
        api.close()
