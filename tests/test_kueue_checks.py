"""What the Kueue checks compute from manifests and from a PodWatch record, on hand-made inputs."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance.checks.kueue import (
    for_queue,
    gating_problems,
    latencies,
    step,
    unqueued,
)
from pytest_argo_conformance.components.argo.runner import load_manifest
from pytest_argo_conformance.components.kueue.queues import ADMISSION_GATE, PRIORITY_LABEL, QUEUE_LABEL
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.kube.podwatch import PodHistory, PodWatch


def manifest(name: str) -> dict[str, Any]:
    return load_manifest(suites_dir() / "manifests" / "workflows" / f"{name}.yaml")


def pod(name: str, created: float, ungated: float | None, running: float | None, finished: float | None = None,
        gates: tuple[str, ...] = (ADMISSION_GATE,)) -> PodHistory:
    return PodHistory(name=name, uid=name, labels={}, node_name=f"wf.{name}", workflow="wf", requests={},
                      created=created, gates_at_creation=gates, ungated=ungated, running=running, finished=finished)


def test_for_queue_sets_the_workflow_label_and_drops_an_unset_priority() -> None:
    wf = for_queue(manifest("kueue-hold"), "acf-1234")
    assert wf["spec"]["podMetadata"]["labels"] == {QUEUE_LABEL: "acf-1234"}
    with_priority = for_queue(manifest("kueue-hold"), "acf-1234", "acf-1234-high")
    assert with_priority["spec"]["podMetadata"]["labels"][PRIORITY_LABEL] == "acf-1234-high"


def test_for_queue_sets_a_template_label_only_where_it_is() -> None:
    wf = for_queue(manifest("kueue-per-template"), "acf-q")
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    assert templates["queued-work"]["metadata"]["labels"] == {QUEUE_LABEL: "acf-q"}
    assert "metadata" not in templates["free-work"] and "podMetadata" not in wf["spec"]


def test_unqueued_removes_only_the_workflow_level_label() -> None:
    wf = unqueued(manifest("kueue-steps"))
    assert "podMetadata" not in wf["spec"]
    assert "podMetadata" in manifest("kueue-steps")["spec"]  # the loaded manifest is not changed


def test_gating_problems_name_each_pod_and_why() -> None:
    ok = pod("ok", 0.0, 0.2, 0.5)
    ungated_never = pod("stuck", 0.0, None, None)
    ran_early = pod("early", 0.0, 2.0, 1.0)
    not_gated = pod("free", 0.0, 0.0, 0.3, gates=())
    problems = gating_problems([ok, ungated_never, ran_early, not_gated])
    assert problems == [
        "wf.stuck was never ungated",
        "wf.early ran before its gate was removed",
        f"wf.free was created without the {ADMISSION_GATE} gate (labels {{}}, gates [])",
    ]


def test_latencies_are_creation_to_gate_removal() -> None:
    assert latencies([pod("a", 1.0, 1.25, 2.0), pod("b", 3.0, None, None), pod("c", 0, 0, 1, gates=())]) == [0.25]


def test_step_finds_the_last_attempt() -> None:
    first, retry = pod("x", 0.0, 0.1, 0.2), pod("x2", 5.0, 5.1, 5.2)
    retry.node_name = "wf.x"
    first.node_name = "wf.x"
    assert step([first, retry], "x") is retry


def test_max_concurrent_counts_overlapping_runs() -> None:
    watch = PodWatch.__new__(PodWatch)
    pods = [pod("a", 0, 0, 1.0, 3.0), pod("b", 0, 0, 2.0, 4.0), pod("c", 0, 0, 3.0, 5.0), pod("d", 0, 0, 6.0, 7.0)]
    # a ends at 3.0 exactly when c starts: ends are counted first, so a and c never overlap
    assert watch.max_concurrent(pods) == 2
    assert watch.max_concurrent([pods[0]]) == 1
    assert watch.max_concurrent([pod("never", 0, None, None)]) == 0
