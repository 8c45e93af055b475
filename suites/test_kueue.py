"""Kueue admission gating of workflows through Kueue's plain-pod integration.

The queue label (`kueue.x-k8s.io/queue-name`) in `spec.podMetadata` queues the whole workflow, in a template's
`metadata` one step; Kueue's webhook gates each such pod (`kueue.x-k8s.io/admission`), makes it a Workload, and
removes the gate when the Workload is admitted. Every check watches the pods (`PodWatch`) and reads the order of
events from there; the admission latency (pod created -> gate removed) becomes the cell's figure.
"""

from __future__ import annotations

import statistics
from itertools import pairwise
from typing import Any

import pytest

from pytest_argo_conformance import kube
from pytest_argo_conformance.api import Installation, Recorder, WorkflowRunner
from pytest_argo_conformance.checks.kueue import (
    for_queue,
    gating_problems,
    latencies,
    step,
    stopped_attempt,
    unqueued,
)
from pytest_argo_conformance.checks.shapes import pod_nodes
from pytest_argo_conformance.components.kueue.queues import (
    ADMISSION_GATE,
    Quota,
    admitted,
    describe_workload,
    finished,
)
from pytest_argo_conformance.config.timeouts import KUEUE_ADMISSION, KUEUE_QUEUED
from pytest_argo_conformance.kube.podwatch import PodHistory, PodWatch

# Kueue quota and admission: no other check's workflows beside them
pytestmark = pytest.mark.argo_serial("Kueue quota and admission: no other check's workflows beside them")

PREEMPTION_TRIES = 3


def record_latency(argo_record: Recorder, pods: list[PodHistory]) -> None:
    seconds = latencies(pods)
    if seconds:
        argo_record.figure("kueue.admission_latency_seconds", round(statistics.median(seconds), 3))
        argo_record.figure("kueue.admission_latency_max_seconds", round(max(seconds), 3))


@pytest.mark.conformance(id="kueue.gates-labelled", area="kueue")
def test_kueue_gates_labelled_workflow(
    argo: Installation, argo_workflows: WorkflowRunner, kueue_queues: Any, argo_record: Recorder
) -> None:
    """The pods of a workflow labelled for a Kueue queue MUST be gated until Kueue admits them, and an unlabelled
    workflow's pods MUST NOT be."""
    queues = kueue_queues(Quota())
    manifest = argo_workflows.load("kueue-steps")
    with PodWatch(argo.core(), argo.namespace) as pods:
        labelled = argo_workflows.submit(for_queue(manifest, queues.local_queue))
        plain = argo_workflows.submit(unqueued(manifest))
        argo_workflows.wait_phase(labelled, "Succeeded", KUEUE_QUEUED)
        argo_workflows.wait_phase(plain, "Succeeded", KUEUE_QUEUED)
    queued_pods, plain_pods = pods.of_workflow(labelled), pods.of_workflow(plain)
    assert len(queued_pods) == 2, f"expected 2 pods of {labelled}, saw {[p.name for p in queued_pods]}"
    assert not gating_problems(queued_pods), gating_problems(queued_pods)
    for pod in queued_pods:
        workload = queues.workload_of(pod.uid)
        assert workload is not None, f"no Workload for {pod.node_name}"
        assert admitted(workload) or finished(workload), describe_workload(workload)
    assert not any(p.gates_at_creation for p in plain_pods), [(p.name, p.gates_at_creation) for p in plain_pods]
    assert not any(queues.workload_of(p.uid) for p in plain_pods), "Kueue made Workloads of the unlabelled workflow"
    record_latency(argo_record, queued_pods)


@pytest.mark.conformance(id="kueue.quota-queues", area="kueue")
def test_kueue_quota_queues_second_workflow(
    argo: Installation, argo_workflows: WorkflowRunner, kueue_queues: Any, argo_record: Recorder
) -> None:
    """A second workflow beyond the queue's quota MUST wait until the first one's pod has finished."""
    queues = kueue_queues(Quota(cpu="1"))  # each workflow's pod asks for 600m: one at a time
    manifest = for_queue(argo_workflows.load("kueue-hold"), queues.local_queue)
    with PodWatch(argo.core(), argo.namespace) as pods:
        first = argo_workflows.submit(manifest)
        kube.wait_for(f"{first}'s pod to run", lambda: _running(pods.of_workflow(first)), KUEUE_ADMISSION)
        second = argo_workflows.submit(manifest)
        kube.wait_for(f"{second}'s Workload to be pending while {first} holds the quota",
                      lambda: _pending(queues, pods.of_workflow(second)), KUEUE_ADMISSION)
        argo_workflows.wait_phase(first, "Succeeded", KUEUE_QUEUED)
        argo_workflows.wait_phase(second, "Succeeded", KUEUE_QUEUED)
    (held,), (waited,) = pods.of_workflow(first), pods.of_workflow(second)
    assert waited.gated_at_creation(ADMISSION_GATE) and waited.ungated is not None
    assert held.finished is not None and waited.ungated >= held.finished, (
        f"{second}'s pod was admitted {waited.ungated - (held.finished or 0):+.1f}s after {first}'s pod finished: "
        "the quota let both run at once")
    argo_record.figure("kueue.queued_seconds", round(waited.ungated - waited.created, 3))
    record_latency(argo_record, [held])


@pytest.mark.conformance(id="kueue.per-template-queue", area="kueue")
def test_kueue_per_template_queue(
    argo: Installation, argo_workflows: WorkflowRunner, kueue_queues: Any, argo_record: Recorder
) -> None:
    """A template's own Kueue queue label MUST reach its pods and decide their admission."""
    queues = kueue_queues(Quota())
    with PodWatch(argo.core(), argo.namespace) as pods:
        name = argo_workflows.run(for_queue(argo_workflows.load("kueue-per-template"), queues.local_queue),
                                  timeout=KUEUE_QUEUED)["metadata"]["name"]
    mine = pods.of_workflow(name)
    queued, free = step(mine, "queued"), step(mine, "free")
    assert not gating_problems([queued]), gating_problems([queued])
    assert not free.gates_at_creation, f"the unlabelled template's pod was gated: {free.gates_at_creation}"
    assert queues.workload_of(free.uid) is None, "Kueue made a Workload of the unlabelled template's pod"
    record_latency(argo_record, [queued])


@pytest.mark.conformance(id="kueue.cpu-beside-gpu-quota", area="kueue")
def test_kueue_story1_cpu_runs_while_gpu_quota_exhausted(
    argo: Installation, argo_workflows: WorkflowRunner, kueue_queues: Any, gpu_nodes: Any, argo_record: Recorder
) -> None:
    """CPU work MUST run while the GPU quota is held by another workflow."""
    queues = kueue_queues(Quota(gpu=1))
    with PodWatch(argo.core(), argo.namespace) as pods:
        holder = argo_workflows.submit(for_queue(argo_workflows.load("kueue-gpu-hold"), queues.local_queue))
        kube.wait_for(f"{holder}'s GPU pod to run", lambda: _running(pods.of_workflow(holder)), KUEUE_ADMISSION)
        pipeline = argo_workflows.submit(for_queue(argo_workflows.load("kueue-gpu-pipeline"), queues.local_queue))
        argo_workflows.wait_phase(holder, "Succeeded", KUEUE_QUEUED)
        argo_workflows.wait_phase(pipeline, "Succeeded", KUEUE_QUEUED)
    (gpu_holder,) = pods.of_workflow(holder)
    mine = pods.of_workflow(pipeline)
    preprocess, train = step(mine, "preprocess"), step(mine, "train-1")
    assert gpu_holder.finished is not None
    assert preprocess.finished is not None and preprocess.finished <= gpu_holder.finished, (
        "the CPU step did not finish while the GPU quota was held: it waited for GPU quota it does not need")
    assert train.ungated is not None and train.ungated >= gpu_holder.finished, (
        "the GPU step was admitted while the only GPU of the quota was held")
    record_latency(argo_record, mine)


@pytest.mark.conformance(id="kueue.sequential-gpu-steps", area="kueue")
def test_kueue_story2_sequential_gpu_steps_reuse_quota(
    argo: Installation, argo_workflows: WorkflowRunner, kueue_queues: Any, gpu_nodes: Any, argo_record: Recorder
) -> None:
    """Sequential GPU steps of one workflow MUST each be admitted in turn under a quota of one GPU."""
    queues = kueue_queues(Quota(gpu=1))
    with PodWatch(argo.core(), argo.namespace) as pods:
        name = argo_workflows.run(for_queue(argo_workflows.load("kueue-gpu-pipeline"), queues.local_queue),
                                  timeout=KUEUE_QUEUED)["metadata"]["name"]
    mine = pods.of_workflow(name)
    trains = [step(mine, f"train-{i}") for i in (1, 2, 3)]
    assert not gating_problems(trains), gating_problems(trains)
    handovers = []
    for before, after in pairwise(trains):
        assert before.finished is not None and after.ungated is not None and after.ungated >= before.finished
        handovers.append(after.ungated - before.finished)
    assert pods.max_concurrent(trains) == 1
    argo_record.figure("kueue.gpu_handover_seconds", round(max(handovers), 3))
    record_latency(argo_record, trains)


@pytest.mark.conformance(id="kueue.preemption", area="kueue")
def test_kueue_preemption_of_admitted_step(
    argo: Installation, argo_workflows: WorkflowRunner, argo_kueue: Any, kueue_queues: Any, argo_record: Recorder,
    argo_behaviour: Any,
) -> None:
    """A running low-priority step MUST be stopped when a high-priority workflow preempts it, and the workflow's
    outcome MUST match the baseline's.

    A high-priority workflow preempts a running low-priority step; how the controller shows the stopped pod
    and whether `retryStrategy` (retryPolicy: Always) runs it again is noted; the workflow's outcome is behaviour,
    compared with the baseline's.

    Kueue sometimes evicts the low-priority Workload without stopping its pod: the controller then sees nothing, so
    the scenario is repeated (each such try is a note), and after three the check is skipped with that reason:
    Kueue, not the controller, did not do its part."""
    queues = kueue_queues(Quota(cpu="1"), preemption=True)
    low, high = queues.priority_class("low", 100), queues.priority_class("high", 1000)
    manifest = argo_workflows.load("kueue-hold")
    for attempt in range(1, PREEMPTION_TRIES + 1):
        with PodWatch(argo.core(), argo.namespace) as pods:
            victim = argo_workflows.submit(_with_seconds(for_queue(manifest, queues.local_queue, low), 20))
            kube.wait_for(f"{victim}'s pod to run",
                          lambda: _running(pods.of_workflow(victim)),  # noqa: B023 - called within this iteration
                          KUEUE_ADMISSION)
            queues.wait_condition(pods.of_workflow(victim)[0].uid, "PodsReady")
            winner = argo_workflows.submit(_with_seconds(for_queue(manifest, queues.local_queue, high), 3))
            argo_workflows.wait_phase(winner, "Succeeded", KUEUE_QUEUED)
            outcome = argo_workflows.wait(victim, lambda wf: wf.get("status", {}).get("phase") in (
                "Succeeded", "Failed", "Error"), "finish", KUEUE_QUEUED, fail_fast=False)
        attempts = sorted(pods.of_workflow(victim), key=lambda p: p.created)
        (winning,) = pods.of_workflow(winner)
        first = attempts[0]
        if first.deleted is not None or any("TerminationTarget" in c for c in first.conditions):
            break
        seen = "; ".join(f"{p.name} {p.phase}{' deleted' if p.deleted else ''} [{', '.join(p.conditions)}]"
                         for p in attempts)
        argo_record.note(f"try {attempt}: Kueue preempted {victim}'s Workload but did not stop its pod: {seen}"
                         + (f" (pod watch: {pods.error})" if pods.error else ""))
    else:
        pytest.skip(f"Kueue {argo_kueue.release} preempted the low-priority Workload but did not stop its pod in "
                    f"{PREEMPTION_TRIES} tries: the controller's reaction could not be observed (see the notes)")
    assert winning.ungated is not None and first.running is not None and winning.ungated > first.running
    # How the stopped attempt shows varies from run to run for v3.6.10 (README, "what the checks found"): noted, not
    # compared; the workflow's outcome is the behaviour compared with the baseline's.
    argo_record.note(f"stopped attempt -> {stopped_attempt(outcome)}; Argo attempts: {len(pod_nodes(outcome))}; "
                     f"pods: {len(attempts)}")
    argo_record.figure("kueue.preemption_seconds", round(winning.ungated - winning.created, 3))
    behaviour = f"workflow {outcome['status']['phase']}"
    reference = argo_behaviour(behaviour)
    assert reference is None or behaviour == reference, (
        f"the build it is judged against: {reference}; this build: {behaviour}")


@pytest.mark.parametrize("unit", ["workflow", "layer"])
@pytest.mark.conformance(id="kueue.admits-as-unit", area="kueue")
def test_kueue_admits_as_a_unit(
    unit: str, argo: Installation, argo_workflows: WorkflowRunner, argo_kueue: Any, kueue_queues: Any
) -> None:
    """Where Kueue integrates Argo Workflows, a workflow (or a layer) MUST be admitted as a unit."""
    if not argo_kueue.supports_workflows():
        pytest.skip(f"unsupported by Kueue {argo_kueue.release}: it has no Argo Workflows integration, so it cannot "
                    f"admit a {unit} as a unit (its integrations: {', '.join(argo_kueue.integrations)})")
    queues = kueue_queues(Quota(cpu="1"))
    name = argo_workflows.run(for_queue(argo_workflows.load("kueue-parallel-layer"), queues.local_queue),
                              timeout=KUEUE_QUEUED)["metadata"]["name"]
    owners = [ref for wl in queues.workloads() for ref in wl["metadata"].get("ownerReferences", [])]
    by_workflow = [ref for ref in owners if ref.get("kind") == "Workflow" and ref.get("name") == name]
    expected = 1 if unit == "workflow" else 3  # before, the layer {a, b, c}, after
    assert len(by_workflow) == expected, f"{len(by_workflow)} Workloads owned by {name}, expected {expected}"


def _running(pods: list[PodHistory]) -> tuple[bool, str]:
    return any(p.running for p in pods), ", ".join(f"{p.name} {p.phase}" for p in pods) or "no pods yet"


def _pending(queues: Any, pods: list[PodHistory]) -> tuple[bool, str]:
    if not pods:
        return False, "no pod yet"
    workload = queues.workload_of(pods[0].uid)
    if workload is None:
        return False, f"{pods[0].name}: no Workload yet"
    return not admitted(workload) and bool(pods[0].gates_at_creation), describe_workload(workload)


def _with_seconds(manifest: dict[str, Any], seconds: int) -> dict[str, Any]:
    manifest["spec"]["arguments"]["parameters"][0]["value"] = str(seconds)
    return manifest
