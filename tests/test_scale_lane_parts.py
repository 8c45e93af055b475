"""The scale lane's parts that need no cluster: statistics, the gate, the workflows as submitted, the stand-in
executor's task result, the FlowSchema, the metrics parser and KWOK's configuration."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_argo_conformance.components.argo.install import INSTANCE_LABEL
from pytest_argo_conformance.components.kwok import nodes
from pytest_argo_conformance.components.kwok.nodes import LANE_LABEL
from pytest_argo_conformance.config.paths import clusters_dir, suites_dir
from pytest_argo_conformance.scale import executor, gate, metrics, stats, workload
from pytest_argo_conformance.scale.metrics import Sample


def observed(ends: list[float], running: float = 1.0, phase: str = "Succeeded") -> stats.Observed:
    seen = stats.Observed()
    for index, end in enumerate(ends):
        name = f"wf-{index}"
        seen.submitted[name] = 100.0
        seen.running[name] = 100.0 + running
        seen.ended[name] = (100.0 + end, phase)
    return seen


def test_throughput_and_latency_figures() -> None:
    seen = observed([float(t) for t in range(1, 61)])  # one workflow ends each second for a minute
    taken = [Sample(100.0, cpu_seconds=5.0, memory_bytes=50 * 2**20, queue_depth=3),
             Sample(160.0, cpu_seconds=17.5, memory_bytes=70 * 2**20, queue_depth=9)]
    figures = stats.figures(seen, taken, peak_memory_bytes=80 * 2**20, cgroup_peak_bytes=90 * 2**20,
                            api_requests=600)
    assert figures["scale.workflows"] == 60 and figures["scale.succeeded"] == 60
    assert figures["scale.not_succeeded"] == 0
    assert figures["scale.wall_seconds"] == 60.0
    assert figures["scale.throughput_per_min"] == 60.0
    assert figures["scale.peak_throughput_per_min"] == 62.0  # 31 ends within a 30 s window
    assert figures["scale.submit_to_running_p50_s"] == 1.0
    assert figures["scale.submit_to_end_p50_s"] == 30.5
    assert figures["scale.submit_to_end_p95_s"] == pytest.approx(57.05)
    assert figures["scale.controller_cpu_seconds"] == 12.5
    assert figures["scale.controller_peak_memory_mib"] == 80.0
    assert figures["scale.controller_cgroup_peak_mib"] == 90.0
    assert figures["scale.api_requests"] == 600 and figures["scale.api_requests_per_s"] == 10.0
    assert figures["scale.queue_depth_max"] == 9


def test_failed_workflows_are_counted() -> None:
    seen = observed([1.0, 2.0])
    seen.ended["wf-1"] = (102.0, "Failed")
    assert stats.figures(seen, [], 0, 0, 0)["scale.not_succeeded"] == 1


def test_completed_series_starts_at_zero_and_is_thinned() -> None:
    series = stats.completed_series(observed([float(t) / 10 for t in range(1, 1001)]))
    assert series[0] == (0.0, 0.0)
    assert series[-1] == (100.0, 1000.0)
    assert len(series) == stats.MAX_POINTS
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(series))


@pytest.mark.parametrize(("throughput", "p95", "fails"), [
    (100.0, 20.0, []),  # the same
    (75.0, 25.0, []),  # 25% worse in both: within 30%
    (60.0, 20.0, [gate.THROUGHPUT]),  # 40% fewer per minute
    (100.0, 27.0, [gate.P95]),  # 35% slower at p95
    (150.0, 10.0, []),  # better is never a failure
])
def test_gate(throughput: float, p95: float, fails: list[str]) -> None:
    reference = {gate.THROUGHPUT: 100.0, gate.P95: 20.0}
    verdicts = gate.compare({gate.THROUGHPUT: throughput, gate.P95: p95}, reference, tolerance=30)
    assert [v.figure for v in verdicts if v.fails] == fails
    assert len(verdicts) == 2
    line = verdicts[0].line("upstream")
    assert "upstream's 100/min" in line and ("FAIL" in line) == (gate.THROUGHPUT in fails)


def test_gate_without_reference_figures_has_no_verdict() -> None:
    assert gate.compare({gate.THROUGHPUT: 10.0}, {}, 30) == []


def test_packaged_shapes_can_run_on_simulated_nodes() -> None:
    for shape in ("scale-steps", "scale-dag"):
        manifest = yaml.safe_load((suites_dir() / "manifests" / "workflows" / f"{shape}.yaml").read_text())
        assert workload.unsuitable(manifest) == "", shape


@pytest.mark.parametrize(("template", "why"), [
    ({"name": "s", "script": {"image": "busybox", "source": "true"}}, "script template"),
    ({"name": "o", "container": {"image": "busybox"}, "outputs": {"parameters": [{"name": "p"}]}}, "has outputs"),
    ({"name": "i", "container": {"image": "busybox"}, "inputs": {"artifacts": [{"name": "a"}]}}, "input artifacts"),
])
def test_workflows_that_need_a_running_container_are_refused(template: dict[str, Any], why: str) -> None:
    assert why in workload.unsuitable({"spec": {"templates": [template]}})


def test_prepared_puts_pods_on_the_lanes_nodes() -> None:
    manifest = yaml.safe_load((suites_dir() / "manifests" / "workflows" / "scale-dag.yaml").read_text())
    body = workload.prepared(manifest, "abc123", pods=5, pod_seconds=2.5)
    spec = body["spec"]
    assert body["metadata"]["labels"][LANE_LABEL] == "abc123"
    assert spec["nodeSelector"] == {LANE_LABEL: "abc123"}
    assert {"key": nodes.TAINT_KEY, "operator": "Equal", "value": nodes.TAINT_VALUE,
            "effect": "NoSchedule"} in spec["tolerations"]
    assert spec["podMetadata"]["labels"][LANE_LABEL] == "abc123"
    assert spec["podMetadata"]["annotations"][workload.DURATION_ANNOTATION] == "2.5s"
    assert spec["arguments"]["parameters"] == [{"name": "pods", "value": "5"}]
    assert "nodeSelector" not in manifest["spec"]  # the manifest itself is left as it was


def pod(**meta: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "wf-1-work-123",
        "annotations": {executor.NODE_ID_ANNOTATION: "wf-1-123"},
        "labels": {executor.WORKFLOW_LABEL: "wf-1", INSTANCE_LABEL: "cell-a"},
        "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": "wf-1", "uid": "u1"}],
    }
    return {"metadata": {**base, **meta}}


def test_stand_in_task_result_is_the_executors() -> None:
    body = executor.task_result(pod(), "lane1")
    assert isinstance(body, dict)
    assert body["kind"] == "WorkflowTaskResult" and body["metadata"]["name"] == "wf-1-123"
    assert body["metadata"]["labels"] == {executor.WORKFLOW_LABEL: "wf-1", executor.COMPLETED_LABEL: "true",
                                          LANE_LABEL: "lane1", INSTANCE_LABEL: "cell-a",
                                          "argo-conformance/owned": "true", "argo-conformance/run": "lane1"}
    assert body["metadata"]["ownerReferences"] == [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": "wf-1", "uid": "u1"}]
    assert "outputs" not in body


def test_stand_in_reports_nothing_for_a_pod_of_no_workflow() -> None:
    assert "no node id" in str(executor.task_result(pod(ownerReferences=[]), "lane1"))


def test_flow_schema_matches_the_controllers_service_account_only() -> None:
    schema = metrics.flow_schema("fs", "argo", "ns-sys", "workload-low", "run1")
    (rule,) = schema["spec"]["rules"]
    assert rule["subjects"] == [{"kind": "ServiceAccount", "serviceAccount": {"name": "argo", "namespace": "ns-sys"}}]
    assert schema["spec"]["priorityLevelConfiguration"] == {"name": "workload-low"}
    assert schema["spec"]["matchingPrecedence"] < 9000  # before `service-accounts`, which would match it first
    assert schema["metadata"]["labels"]["argo-conformance/run"] == "run1"


def test_metric_samples_are_selected_by_labels() -> None:
    text = ('# TYPE apiserver_flowcontrol_dispatched_requests_total counter\n'
            'apiserver_flowcontrol_dispatched_requests_total{flow_schema="fs",priority_level="workload-low"} 42\n'
            'apiserver_flowcontrol_dispatched_requests_total{flow_schema="other",priority_level="workload-low"} 7\n')
    assert metrics.samples(text, "apiserver_flowcontrol_dispatched_requests_total", flow_schema="fs") == [42.0]


def test_kwok_changes_only_the_lanes_pods() -> None:
    """Every pod stage of KWOK's configuration selects on the lane's label: a pod of anyone else is never changed,
    even one that tolerates the simulated nodes' taint."""
    documents = list(yaml.safe_load_all((clusters_dir() / "kwok" / "stages.yaml").read_text()))
    stages = [d for d in documents if d["kind"] == "Stage"]
    pod_stages = [s for s in stages if s["spec"]["resourceRef"]["kind"] == "Pod"]
    assert {s["metadata"]["name"] for s in pod_stages} == {
        "argo-conformance-pod-running", "argo-conformance-pod-complete", "argo-conformance-pod-delete"}
    for stage in pod_stages:
        expressions = stage["spec"]["selector"]["matchExpressions"]
        assert {"key": f'.metadata.labels["{LANE_LABEL}"]', "operator": "Exists"} in expressions, stage["metadata"]
    complete = next(s for s in pod_stages if s["metadata"]["name"] == "argo-conformance-pod-complete")
    assert workload.DURATION_ANNOTATION in complete["spec"]["delay"]["durationFrom"]["expressionFrom"]


def test_simulated_nodes_are_tainted_and_owned() -> None:
    node = nodes.manifest("n0", 0, "run1", nodes.NodeShape())
    assert node["spec"]["taints"] == [{"key": nodes.TAINT_KEY, "value": nodes.TAINT_VALUE, "effect": "NoSchedule"}]
    assert node["metadata"]["labels"][LANE_LABEL] == "run1"
    assert node["metadata"]["labels"]["argo-conformance/owned"] == "true"
    assert node["status"]["capacity"][nodes.GPU_RESOURCE] == "8"
    assert node["status"]["addresses"][0]["address"].startswith("192.0.2.")


def test_kwok_manages_only_the_runs_nodes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pytest_argo_conformance.components.kwok import process

    monkeypatch.setattr(process, "binary", lambda: Path("/opt/kwok"))
    kwok = process.Kwok(tmp_path / "kubeconfig", "run1", tmp_path / "kwok.log")
    assert "--manage-all-nodes=false" in kwok.argv
    assert f"--manage-nodes-with-label-selector={LANE_LABEL}=run1" in kwok.argv
    assert kwok.argv[kwok.argv.index("--config") + 1].endswith("clusters/kwok/stages.yaml")


def test_kwok_gets_a_private_kubeconfig_only_for_another_context(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    """KWOK has no --context: for another context than the current one it gets a copy, in a private folder that goes
    when it stops (never in the report folder, which CI uploads)."""
    from pytest_argo_conformance.components.kwok import process

    monkeypatch.setattr(process, "binary", lambda: Path("/opt/kwok"))
    config = tmp_path / "kubeconfig"
    config.write_text(yaml.safe_dump({"current-context": "a", "contexts": [{"name": "a"}, {"name": "b"}]}))
    report = tmp_path / "report"
    same = process.Kwok(config, "run1", report / "kwok.log", context="a")
    assert same.private is None and same.argv[same.argv.index("--kubeconfig") + 1] == str(config)
    other = process.Kwok(config, "run1", report / "kwok.log", context="b")
    assert other.private is not None and report not in other.private.parents
    assert yaml.safe_load(other.private.read_text())["current-context"] == "b"
    assert other.private.stat().st_mode & 0o077 == 0
    other.stop()
    assert not other.private.exists()
