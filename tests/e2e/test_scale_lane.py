"""The scale lane on the real local cluster: KWOK built from its Go module and run beside it, the real upstream
controller and the slowing mutant (suites/scale-mutants/slow-reconcile.patch). A small slice: 40 workflows per build
on 3 simulated nodes (the full 1,000-workflow run is bench/scale_lane.py, its figures in the README). Times are
recorded, never asserted: the gate's verdict on the mutant is checked for its presence, not its outcome.

Also: KWOK changes only the lane's pods, even on its own nodes; and the lane leaves nothing behind."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.kwok import nodes
from pytest_argo_conformance.config.timeouts import NAMESPACE_GONE
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.providers.base import ClusterInfo
from pytest_argo_conformance.scale.lane import SimulatedNodes
from pytest_argo_conformance.scale.workload import DURATION_ANNOTATION
from scripts import script

pytestmark = pytest.mark.cluster

WORKFLOWS = 40


@pytest.fixture(scope="module")
def scale_run(local_cluster: ClusterInfo, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    work = tmp_path_factory.mktemp("scale")
    report = work / "report"
    command = [script("argo-conformance"), "scale", "--provider", "local", "--workflows", str(WORKFLOWS),
               "--nodes", "3", "--burst", "20", "--pod-seconds", "2",
               "--argo-controller", f"slow={version('argo-workflows')}+patch:slow-reconcile",
               f"--cluster-name={local_cluster.name}", "--keep-cluster", f"--argo-report-dir={report}",
               "-p", "no:cacheprovider", "-rfEs"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False, cwd=work)
    print(done.stdout[-6000:])
    assert (report / "matrix.json").is_file(), f"no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return json.loads((report / "matrix.json").read_text()), report


def _cell(matrix: dict[str, Any], build: str) -> dict[str, Any]:
    return next(c for c in matrix["cells"] if c["build"] == build and c["check"] == "test_scale_throughput")


def test_each_build_runs_every_workflow_and_is_measured(scale_run: tuple[dict[str, Any], Path]) -> None:
    matrix, _ = scale_run
    for build in ("upstream", "slow"):
        cell = _cell(matrix, build)
        figures = cell["figures"]
        assert figures["scale.workflows"] == WORKFLOWS and figures["scale.succeeded"] == WORKFLOWS, (build, cell)
        for name in ("scale.throughput_per_min", "scale.peak_throughput_per_min", "scale.submit_to_end_p95_s",
                     "scale.submit_to_running_p50_s", "scale.api_requests", "scale.controller_peak_memory_mib",
                     "scale.controller_cpu_seconds"):
            assert figures[name] > 0, (build, name, figures)
        completed = cell["series"]["scale.completed"]
        assert completed[0] == [0.0, 0.0] and completed[-1][1] == WORKFLOWS
        notes = " | ".join(cell["notes"])
        assert f"wrote {2 * WORKFLOWS} task results for {2 * WORKFLOWS} pods" in notes  # the stand-in executor
        assert "clean-up: removed in" in notes
    assert _cell(matrix, "upstream")["outcome"] == "passed"
    slow_notes = [n for n in _cell(matrix, "slow")["notes"] if n.startswith("scale gate:")]
    assert [n.split(" ")[2] for n in slow_notes] == ["throughput", "p95"], slow_notes  # judged against upstream
    assert all("against upstream's" in n for n in slow_notes)


def test_the_plot_is_written_and_in_the_html_matrix(scale_run: tuple[dict[str, Any], Path]) -> None:
    _, report = scale_run
    png = (report / "scale-completed-upstream-global.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    html = (report / "matrix.html").read_text()
    assert "data:image/png;base64," + base64.b64encode(png).decode()[:64] in html


def test_the_lane_leaves_nothing_behind(local_cluster: ClusterInfo, scale_run: tuple[dict[str, Any], Path]) -> None:
    api = kube.api_client(local_cluster)
    assert not client.CoreV1Api(api).list_node(label_selector=nodes.LANE_LABEL).items
    schemas = client.FlowcontrolApiserverV1Api(api).list_flow_schema(label_selector=kube.OWNED_LABEL).items
    assert not [objects.name(s) for s in schemas]
    left = subprocess.run(["pgrep", "-f", "kwok --kubeconfig"], capture_output=True, text=True, check=False)
    assert not left.stdout.strip(), f"KWOK still running: {left.stdout}"


def test_kwok_changes_only_the_lanes_pods(local_cluster: ClusterInfo, tmp_path: Path) -> None:
    """A pod that tolerates the simulated nodes' taint and lands on one, without the lane's label, is left Pending;
    the lane's pod beside it is made Running and then Succeeded after the duration in its annotation."""
    api = kube.api_client(local_cluster)
    core = client.CoreV1Api(api)
    run_id = "e2e" + format(int(time.time()), "x")[-9:]
    namespace = f"acf-kwok-{run_id}"
    body: Any = {"metadata": {"name": namespace, "labels": kube.owner_labels(run_id)}}
    core.create_namespace(body)
    try:
        with SimulatedNodes(api, local_cluster, run_id, 1, tmp_path):
            (node,) = nodes.node_names(run_id, 1)

            def pod(name: str, labels: dict[str, str]) -> Any:
                return {"metadata": {"name": name, "labels": labels, "annotations": {DURATION_ANNOTATION: "1s"}},
                        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}],
                                 "tolerations": [{"key": nodes.TAINT_KEY, "operator": "Exists"}]}}

            core.create_namespaced_pod(namespace, pod("theirs", {}))
            core.create_namespaced_pod(namespace, pod("lanes", {nodes.LANE_LABEL: run_id}))
            kube.wait_for("the lane's pod to succeed on the simulated node",
                          lambda: (objects.pod_status(p := core.read_namespaced_pod("lanes", namespace)).phase
                                   == "Succeeded", objects.pod_status(p).phase), timeout=60)
            theirs = core.read_namespaced_pod("theirs", namespace)
            assert objects.pod_status(theirs).phase == "Pending"
            assert not objects.pod_status(theirs).container_statuses
            for name in ("theirs", "lanes"):  # no kubelet would ever confirm their deletion
                kube.delete_quietly(core.delete_namespaced_pod, name, namespace, grace_period_seconds=0)
    finally:
        kube.delete_namespace(core, namespace, timeout=NAMESPACE_GONE)
