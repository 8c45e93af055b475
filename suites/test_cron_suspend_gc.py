"""CronWorkflow policies (concurrency, history limits, suspend), suspend steps and spec.suspend, and garbage
collection (podGC, ttlStrategy): each check drives the behaviour at its boundary and asserts what can be observed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import cron_gc, shapes
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.kube import WaitTimeout

Workflow = dict[str, Any]


def _finished(wf: Workflow) -> bool:
    return wfapi.phase(wf) in wfapi.TERMINAL


@pytest.mark.conformance(id="cron.forbid-skips-while-active", area="cron")
def test_cron_forbid_never_overlaps(argo_workflows: WorkflowRunner) -> None:
    """A CronWorkflow with concurrencyPolicy Forbid MUST NOT start a run while one of its runs is still active."""
    cron = argo_workflows.create_cron(argo_workflows.load("crn-forbid"))
    most_active: dict[str, Any] = {"count": 0, "runs": ""}

    def two_runs(runs: list[Workflow]) -> bool:
        active = [r for r in runs if not _finished(r)]
        if len(active) > most_active["count"]:
            most_active.update(count=len(active), runs=cron_gc.phases(runs))
        return len(runs) >= 2

    try:
        runs = cron_gc.watch_runs(argo_workflows, cron, f"CronWorkflow {cron} to start 2 runs", two_runs, timeout=90)
        assert most_active["count"] <= 1, (
            f"concurrencyPolicy Forbid (schedule every 3 s, runs of about 8 s): expected at most 1 active run at a "
            f"time, saw {most_active['count']} at once: {most_active['runs']}")
        first, second = runs[0], runs[1]
        assert _finished(first), (
            f"concurrencyPolicy Forbid: the second run {second['metadata']['name']} started while the first "
            f"{first['metadata']['name']} was still {wfapi.phase(first)}")
        finished = wfapi.timestamp(first["status"]["finishedAt"])
        started = wfapi.timestamp(second["metadata"]["creationTimestamp"])
        assert started >= finished - 1, (
            f"concurrencyPolicy Forbid: the second run was created {finished - started:.0f}s before the first "
            "one finished")
    finally:
        cron_gc.remove_cron(argo_workflows, cron)


@pytest.mark.conformance(id="cron.replace-stops-active-run", area="cron")
def test_cron_replace_stops_active_run(argo_workflows: WorkflowRunner) -> None:
    """A CronWorkflow with concurrencyPolicy Replace MUST stop its active run when the next schedule starts a run."""
    cron = argo_workflows.create_cron(argo_workflows.load("crn-replace"))
    try:
        runs = cron_gc.watch_runs(argo_workflows, cron, f"CronWorkflow {cron} to start 2 runs",
                                  lambda found: len(found) >= 2, timeout=60)
        first = runs[0]["metadata"]["name"]
        try:
            wf = argo_workflows.wait(first, _finished, "finish", timeout=30, fail_fast=False)
        except wfapi.WorkflowWaitError as exc:
            raise AssertionError(
                f"concurrencyPolicy Replace: the first run {first} (a 40 s sleep) was not stopped when the next run "
                f"started; 30 s later it was still running ({exc})") from None
        assert wfapi.phase(wf) in ("Failed", "Error"), (
            f"concurrencyPolicy Replace: expected the replaced run {first} to be stopped (Failed), "
            f"saw {wfapi.phase(wf)}: {wf['status'].get('message', '')!r}")
        stopped = wf.get("spec", {}).get("shutdown", "")
        assert stopped == "Terminate", (
            f"concurrencyPolicy Replace: expected the replaced run {first} to be terminated (spec.shutdown "
            f"Terminate), saw shutdown {stopped!r} and message {wf['status'].get('message', '')!r}")
    finally:
        cron_gc.remove_cron(argo_workflows, cron)


@pytest.mark.conformance(id="cron.failed-history-limit", area="cron")
def test_cron_failed_history_limit(argo_workflows: WorkflowRunner) -> None:
    """A CronWorkflow MUST keep no more failed runs than failedJobsHistoryLimit, whatever its successful-runs limit."""
    cron = argo_workflows.create_cron(argo_workflows.load("crn-failed-history"))
    failed_seen: set[str] = set()

    def failed(runs: list[Workflow]) -> list[Workflow]:
        return [r for r in runs if wfapi.phase(r) in ("Failed", "Error")]

    def three_failed(runs: list[Workflow]) -> bool:
        failed_seen.update(r["metadata"]["name"] for r in failed(runs))
        return len(failed_seen) >= 3

    try:
        cron_gc.watch_runs(argo_workflows, cron, f"CronWorkflow {cron} to have 3 failed runs", three_failed,
                           timeout=90)
        cron_gc.patch_cron(argo_workflows, cron, {"suspend": True})
        try:
            runs = cron_gc.watch_runs(
                argo_workflows, cron, f"CronWorkflow {cron} to keep at most 1 failed run",
                lambda found: all(_finished(r) for r in found) and len(failed(found)) <= 1, timeout=45,
                describe=lambda found: f"kept {cron_gc.phases(found)}")
        except WaitTimeout as exc:
            raise AssertionError(
                f"failedJobsHistoryLimit 1 (successfulJobsHistoryLimit 3): after {len(failed_seen)} failed runs "
                f"expected 1 failed run kept; {exc}") from None
        kept = [r["metadata"]["name"] for r in failed(runs)]
        assert len(kept) == 1, (
            f"failedJobsHistoryLimit 1: expected the newest failed run to be kept, kept {kept} of "
            f"{sorted(failed_seen)}")
    finally:
        cron_gc.remove_cron(argo_workflows, cron)


@pytest.mark.conformance(id="cron.suspended-does-not-fire", area="cron")
def test_cron_suspended_does_not_fire(argo_workflows: WorkflowRunner) -> None:
    """A CronWorkflow with spec.suspend true MUST NOT start runs, and MUST fire again once it is unsuspended."""
    cron = argo_workflows.create_cron(argo_workflows.load("crn-suspended"))
    try:
        time.sleep(10)  # three schedules of "@every 3s"
        runs = cron_gc.runs_of(argo_workflows, cron)
        assert not runs, (
            f"spec.suspend true: expected no runs in 10 s of an every-3-s schedule, saw {len(runs)}: "
            f"{cron_gc.phases(runs)}")
        cron_gc.patch_cron(argo_workflows, cron, {"suspend": False})
        try:
            cron_gc.watch_runs(argo_workflows, cron, f"CronWorkflow {cron} to fire once unsuspended",
                               lambda found: len(found) >= 1, timeout=40)
        except WaitTimeout as exc:
            raise AssertionError(f"spec.suspend set back to false: expected the CronWorkflow to fire again "
                                 f"(every 3 s), it did not: {exc}") from None
    finally:
        cron_gc.remove_cron(argo_workflows, cron)


@pytest.mark.conformance(id="suspend.duration-counts-from-the-step", area="suspend")
def test_suspend_duration_resumes_by_itself(argo_workflows: WorkflowRunner) -> None:
    """A suspend step with a duration MUST stay suspended that long from the moment it is reached, then resume by
    itself."""
    name = argo_workflows.submit(argo_workflows.load("crn-suspend-duration"))
    try:
        wf = argo_workflows.wait_phase(name, "Succeeded", timeout=75)
    except wfapi.WorkflowWaitError as exc:
        raise AssertionError(f"a suspend step with duration 6 s: expected it to resume by itself and the workflow "
                             f"to succeed within 75 s: {exc}") from None
    wait = shapes.node(wf, "wait")
    assert wait.get("type") == "Suspend" and wait.get("phase") == "Succeeded", (
        f"expected the suspend step `wait` to be a Succeeded Suspend node, saw {wait.get('type')} {wait.get('phase')}")
    held = wfapi.timestamp(wait["finishedAt"]) - wfapi.timestamp(wait["startedAt"])
    assert held >= 5, (
        f"suspend duration 6 s (reached after a pod step): expected the step held about 6 s from when it was "
        f"reached, it was held {held:.0f}s")
    after = shapes.node(wf, "after")
    assert wfapi.timestamp(after["startedAt"]) >= wfapi.timestamp(wait["finishedAt"]), (
        "the step after the suspend started before the suspend step ended")


@pytest.mark.conformance(id="suspend.spec-suspend-holds-new-workflow", area="suspend")
def test_spec_suspend_holds_new_workflow(argo_workflows: WorkflowRunner) -> None:
    """A workflow submitted with spec.suspend true MUST NOT start any step or pod until spec.suspend is cleared."""
    name = argo_workflows.submit(argo_workflows.load("crn-spec-suspend"))
    argo_workflows.wait(name, lambda wf: wfapi.phase(wf) != "Pending", "be picked up by the controller", timeout=60,
                        fail_fast=False)
    time.sleep(3)
    wf = argo_workflows.get(name)
    started = shapes.tree_names(wf)
    pods = [p.metadata.name for p in argo_workflows.pods(name) if p.metadata is not None]
    assert not started and not pods, (
        f"spec.suspend true at submission: expected no nodes and no pods, saw nodes {started} and pods {pods} "
        f"(phase {wfapi.phase(wf)})")
    assert wfapi.phase(wf) == "Running", f"expected a held workflow to be Running (suspended), saw {wfapi.phase(wf)}"
    cron_gc.clear_suspend(argo_workflows, name)
    argo_workflows.wait_phase(name, "Succeeded", timeout=60)


@pytest.mark.conformance(id="gc.pod-on-pod-success-keeps-failed", area="gc")
def test_podgc_on_pod_success_keeps_failed_pods(argo_workflows: WorkflowRunner) -> None:
    """podGC strategy OnPodSuccess MUST delete the pods that succeeded and keep the pods that failed."""
    name = argo_workflows.submit(argo_workflows.load("crn-podgc-on-pod-success"))
    argo_workflows.wait_phase(name, "Succeeded")
    good, bad = f"{name}[0].good", f"{name}[0].bad"
    try:
        cron_gc.watch_pod_gone(argo_workflows, name, good, timeout=45)
    except WaitTimeout as exc:
        raise AssertionError(f"podGC OnPodSuccess: the succeeded step's pod was not deleted within 45 s: {exc}") \
            from None
    time.sleep(2)  # both pods completed before the workflow did: a wrong deletion would be on its way by now
    pods = cron_gc.pods_by_node(argo_workflows, name)
    assert bad in pods, (
        f"podGC OnPodSuccess: expected the failed step's pod to be kept, it was deleted (pods left: {sorted(pods)})")


@pytest.mark.conformance(id="gc.ttl-seconds-after-failure", area="gc")
def test_ttl_seconds_after_failure(argo_workflows: WorkflowRunner) -> None:
    """A failed workflow MUST be deleted after ttlStrategy.secondsAfterFailure, even when secondsAfterSuccess is
    longer."""
    name = argo_workflows.submit(argo_workflows.load("crn-ttl-failure"))
    argo_workflows.wait_phase(name, "Failed")
    try:
        argo_workflows.wait_deleted(name, timeout=45)
    except WaitTimeout as exc:
        raise AssertionError(
            f"ttlStrategy secondsAfterFailure 2 (secondsAfterSuccess 3600): expected the failed workflow deleted "
            f"within 45 s, it was not: {exc}") from None
