"""GPU-resource scenarios: what a controller build carries to GPU pods, and the scheduling outcomes.

GPUs are real where a device plugin advertises `nvidia.com/gpu`; otherwise the local and kind providers fake
them (node status capacity, `nvidia.com/gpu.present=true`; see `gpus.py`), and `gpu_nodes` skips the checks on an
existing cluster without GPUs. The device check needs real GPUs and is skipped with fake ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.api import Installation, Recorder, WorkflowRunner
from pytest_argo_conformance.checks.kueue import for_queue
from pytest_argo_conformance.checks.shapes import pod_nodes
from pytest_argo_conformance.components.argo.workflows import WorkflowWaitError, times
from pytest_argo_conformance.components.gpus import GPU, GPU_NODE_LABEL
from pytest_argo_conformance.components.kueue.queues import Quota
from pytest_argo_conformance.config.timeouts import DEADLINE_GRACE, KUEUE_QUEUED, WORKFLOW_DEFAULT
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.kube.podwatch import PodHistory, PodWatch

# GPU capacity and quota: no other check's workflows beside them
pytestmark = pytest.mark.argo_serial("GPU capacity and quota: no other check's workflows beside them")

WORKFLOW_DEFAULTS = {
    "node_selector": {GPU_NODE_LABEL: "true"},
    "tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}],
}


@pytest.mark.conformance(id="gpu.requests-and-placement", area="gpu")
def test_gpu_requests_and_placement_reach_pods(argo_workflows: WorkflowRunner, gpu_nodes: Any) -> None:
    """GPU requests and limits (container, podSpecPatch, container set) and the nodeSelector and tolerations of the
    template or of the workflow's defaults MUST reach the pods verbatim."""
    manifest = argo_workflows.load("gpu-requests")
    name = argo_workflows.run(manifest)["metadata"]["name"]
    pods = {(objects.meta(p).annotations or {}).get("workflows.argoproj.io/node-name", "").rsplit(".", 1)[-1]: p
            for p in argo_workflows.pods(name)}
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}

    container = _container(pods["container"], "main")
    assert _resources(container) == templates["container"]["container"]["resources"]
    assert _placement(pods["container"]) == (WORKFLOW_DEFAULTS["node_selector"], WORKFLOW_DEFAULTS["tolerations"])

    patched = _container(pods["patched"], "main")
    assert _resources(patched) == {"requests": {"cpu": "50m", "memory": "16Mi", GPU: "2"}, "limits": {GPU: "2"}}, (
        "podSpecPatch's GPU request did not reach the main container verbatim")
    assert _placement(pods["patched"]) == (templates["patched"]["nodeSelector"], templates["patched"]["tolerations"])

    wanted = {c["name"]: c["resources"] for c in templates["set"]["containerSet"]["containers"]}
    for cname, resources in wanted.items():
        assert _resources(_container(pods["set"], cname)) == resources, f"container set: {cname}"
    assert _placement(pods["set"]) == (WORKFLOW_DEFAULTS["node_selector"], WORKFLOW_DEFAULTS["tolerations"])


@pytest.mark.conformance(id="gpu.placement", area="gpu")
def test_gpu_step_lands_on_gpu_node_and_cpu_step_takes_no_gpu(
    argo: Installation, argo_workflows: WorkflowRunner, gpu_nodes: Any, argo_record: Recorder
) -> None:
    """A GPU step MUST land on a GPU node and a CPU step MUST ask for no GPU."""
    with PodWatch(argo.core(), argo.namespace) as watch:
        name = argo_workflows.run(argo_workflows.load("gpu-and-cpu"))["metadata"]["name"]
    pods = {p.node_name.rsplit(".", 1)[-1].split("(")[0]: p for p in watch.of_workflow(name)}
    gpu_pod, cpu_pod = pods["gpu"], pods["cpu"]
    assert gpu_pod.node in gpu_nodes.capacity, f"the GPU step ran on {gpu_pod.node}; GPU nodes: {gpu_nodes.describe()}"
    spec = objects.pod_spec(argo.core().read_namespaced_pod(cpu_pod.name, argo.namespace))
    asked = [c.name for c in (spec.init_containers or []) + spec.containers
             if GPU in ((c.resources.requests or {}) if c.resources else {})
             or GPU in ((c.resources.limits or {}) if c.resources else {})]
    assert not asked, f"the CPU step's containers {asked} ask for GPUs"
    nodes = argo.core().list_node().items
    argo_record.note(f"{len(nodes)} node(s), GPU nodes: {gpu_nodes.describe()}")


@pytest.mark.conformance(id="gpu.over-request-deadline", area="gpu")
def test_gpu_over_request_pends_until_deadline(
    argo: Installation, argo_workflows: WorkflowRunner, gpu_nodes: Any, argo_record: Recorder, argo_behaviour: Any
) -> None:
    """A step that asks for more GPUs than a node has MUST stay Pending, and the workflow's activeDeadlineSeconds MUST
    end the workflow as Failed.

    The over-requesting step stays Pending with the scheduler's reason; the workflow neither succeeds nor errors,
    and its activeDeadlineSeconds ends it as Failed. Whether the controller ends it at the deadline by itself, or
    only at its next reconcile of the workflow (an event, or the informer's resync), is recorded as behaviour
    and compared with the build it is judged against (its own line's upstream release)."""
    manifest = argo_workflows.load("gpu-over-request")
    deadline = manifest["spec"]["activeDeadlineSeconds"]
    assert 99 > gpu_nodes.per_node
    with PodWatch(argo.core(), argo.namespace) as watch:
        name = argo_workflows.submit(manifest)
        reason = kube.wait_for(f"the scheduler to refuse {name}'s pod",
                               lambda: _unschedulable(watch.of_workflow(name)), WORKFLOW_DEFAULT)
        argo_record.note(f"scheduler: {reason}")
        assert f"Insufficient {GPU}" in reason, reason
        assert argo_workflows.get(name)["status"].get("phase") == "Running"
        ended = "by itself at its deadline"
        try:
            wf = argo_workflows.wait(name, _finished, f"end by its activeDeadlineSeconds ({deadline}s)",
                                     deadline + DEADLINE_GRACE, fail_fast=False)
        except WorkflowWaitError as exc:
            still = exc.workflow or argo_workflows.get(name)
            assert still["status"].get("phase") == "Running", f"spurious end: {still['status'].get('phase')}"
            ended = "only when the workflow was next reconciled (nothing requeued it at its deadline)"
            argo_workflows.nudge(name)
            wf = argo_workflows.wait(name, _finished, "end once reconciled after its deadline", WORKFLOW_DEFAULT,
                                     fail_fast=False)
    started, finished = times(wf)
    assert finished - started >= deadline - 1, (
        f"the workflow ended after {finished - started:.0f}s, before its deadline")
    argo_record.figure("gpu.deadline_overrun_seconds", round(finished - started - deadline, 1))
    status, node = wf["status"], pod_nodes(wf)[0]
    assert status["phase"] == "Failed", f"{status['phase']}: {status.get('message')}"
    behaviour = (f"ended {ended}; workflow {status['phase']}: {status.get('message', '')}; "
                 f"step {node['phase']}: {node.get('message', '')}")
    reference = argo_behaviour(behaviour)
    assert reference is None or behaviour == reference, (
        f"the build it is judged against: {reference}; this build: {behaviour}")


@pytest.mark.conformance(id="gpu.fanout-bounded", area="gpu")
def test_gpu_fanout_bounded_by_capacity(
    argo: Installation, argo_workflows: WorkflowRunner, gpu_nodes: Any, argo_record: Recorder
) -> None:
    """A GPU fan-out larger than the cluster's GPU capacity MUST complete with at most capacity-many GPU pods at
    once."""
    with PodWatch(argo.core(), argo.namespace) as watch:
        name = argo_workflows.run(argo_workflows.load("gpu-fanout"), timeout=WORKFLOW_DEFAULT)["metadata"]["name"]
    pods = watch.of_workflow(name)
    peak = watch.max_concurrent(pods)
    argo_record.figure("gpu.fanout_peak", peak)
    assert len(pods) == 5 and all(p.phase == "Succeeded" for p in pods), [(p.name, p.phase) for p in pods]
    assert 1 <= peak <= gpu_nodes.total, f"{peak} one-GPU pods ran at once on {gpu_nodes.total} GPU(s)"


@pytest.mark.conformance(id="gpu.quota-gates", area="gpu")
def test_gpu_quota_gates_gpu_steps_while_cpu_steps_proceed(
    argo: Installation, argo_workflows: WorkflowRunner, gpu_nodes: Any, kueue_queues: Any, argo_record: Recorder
) -> None:
    """With a Kueue GPU quota of one, GPU steps MUST run one at a time while CPU steps of the same workflow proceed."""
    assert gpu_nodes.total >= 2, "the check needs GPU capacity above the quota of one GPU"
    queues = kueue_queues(Quota(gpu=1))
    with PodWatch(argo.core(), argo.namespace) as watch:
        name = argo_workflows.run(for_queue(argo_workflows.load("gpu-quota-mixed"), queues.local_queue),
                                  timeout=KUEUE_QUEUED)["metadata"]["name"]
    pods = watch.of_workflow(name)
    gpu = [p for p in pods if GPU in p.requests]
    cpu = [p for p in pods if GPU not in p.requests]
    assert len(gpu) == 3 and len(cpu) == 3, [(p.node_name, p.requests) for p in pods]
    assert watch.max_concurrent(gpu) == 1, "GPU quota of 1 but GPU steps ran together: capacity, not quota, decided"
    last_gpu = max(p.ungated or 0 for p in gpu)
    assert all(p.ungated is not None and p.ungated < last_gpu for p in cpu), (
        "a CPU step waited behind the GPU steps' quota")
    argo_record.figure("gpu.quota_peak", watch.max_concurrent(gpu))


@pytest.mark.conformance(id="gpu.device-visible", area="gpu")
def test_gpu_device_visible_to_step(argo_workflows: WorkflowRunner, gpu_nodes: Any) -> None:
    """On real GPUs, a step that requests a GPU MUST see the device."""
    if gpu_nodes.fake:
        pytest.skip(f"needs real GPUs (a device plugin's nvidia.com/gpu); this cluster has {gpu_nodes.describe()}")
    name = argo_workflows.run(argo_workflows.load("gpu-device"))["metadata"]["name"]
    (pod,) = argo_workflows.pods(name)
    log = argo_workflows.installation.core().read_namespaced_pod_log(objects.name(pod), objects.namespace(pod),
                                                                     container="main")
    assert "GPU 0" in log, f"nvidia-smi -L printed: {log!r}"


def _container(pod: client.V1Pod, name: str) -> client.V1Container:
    return next(c for c in objects.pod_spec(pod).containers if c.name == name)


def _resources(container: client.V1Container) -> dict[str, dict[str, str]]:
    res = objects.present(container.resources, f"container {container.name}'s resources")
    out = {"requests": dict(res.requests or {}), "limits": dict(res.limits or {})}
    return {k: v for k, v in out.items() if v}


def _placement(pod: client.V1Pod) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The pod's nodeSelector and the tolerations that did not come from Kubernetes' own defaults."""
    spec = objects.pod_spec(pod)
    tolerations = []
    for t in spec.tolerations or []:
        if t.key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            continue
        tolerations.append({k: v for k, v in (("key", t.key), ("operator", t.operator), ("value", t.value),
                                               ("effect", t.effect)) if v is not None})
    return dict(spec.node_selector or {}), tolerations


def _unschedulable(pods: list[PodHistory]) -> tuple[bool, str]:
    found = [p.unschedulable for p in pods if p.unschedulable]
    return bool(found), found[0] if found else ", ".join(f"{p.name} {p.phase}" for p in pods) or "no pod yet"


def _finished(wf: dict[str, Any]) -> bool:
    return wf.get("status", {}).get("finishedAt") is not None
