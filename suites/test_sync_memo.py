"""Synchronization (a semaphore's ConfigMap limit, a mutex released by a failed holder) and memoization (the
cache key, maxAge). Each check asserts what can be observed: the node tree, the outputs the pods wrote (their own
start and end times), and the nodes' memoization status."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.checks import templates_hooks as th
from pytest_argo_conformance.components.argo import workflows as wfapi


@pytest.mark.argo_serial("measures concurrency")
@pytest.mark.conformance(id="synchronization.semaphore-limit", area="synchronization")
def test_semaphore_limit(argo_workflows: WorkflowRunner) -> None:
    """A template-level semaphore MUST let no more holders run at once than its ConfigMap's limit, and all of them
    MUST run in the end."""
    with th.config_map(argo_workflows, "ref-semaphore", {"limit": "2"}):
        wf = argo_workflows.run(argo_workflows.load("ref-semaphore"), timeout=180)
    holders = [n for n in shapes.pod_nodes(wf) if str(n.get("displayName", "")).startswith("hold(")]
    assert len(holders) == 3 and all(n["phase"] == "Succeeded" for n in holders), th.describe(wf)
    spans = sorted((int(shapes.output_parameter(n, "start")), int(shapes.output_parameter(n, "end")),
                    str(n["displayName"])) for n in holders)
    events = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
    peak = running = 0
    for _, delta in events:  # an end and a start in the same second: the end sorts first
        running += delta
        peak = max(peak, running)
    assert peak == 2, (
        f"semaphore limit 2 (ConfigMap ref-semaphore): expected at most 2 and, with 3 waiting, exactly 2 holders "
        f"at once; saw {peak} (container start..end seconds: {spans})")


@pytest.mark.conformance(id="synchronization.mutex-released-on-failure", area="synchronization")
def test_mutex_released_on_failure(argo_workflows: WorkflowRunner) -> None:
    """A mutex MUST be released when the step holding it fails, so that the next step waiting for it runs."""
    name = argo_workflows.submit(argo_workflows.load("ref-mutex-failure"))
    try:
        wf = argo_workflows.wait_phase(name, "Succeeded", timeout=90)
    except wfapi.WorkflowWaitError as exc:
        wf = argo_workflows.get(name)
        if wfapi.phase(wf) in wfapi.TERMINAL:
            raise
        raise AssertionError(
            f"mutex ref-mutex after its holder failed (continueOn: failed): expected `next-holder` to take it and "
            f"the workflow to succeed; after 90 s: {th.describe(wf)}") from exc
    assert th.step(wf, "fails-holding")["phase"] == "Failed", th.describe(wf)
    assert th.step(wf, "next-holder")["phase"] == "Succeeded", th.describe(wf)


@pytest.mark.conformance(id="memoization.key-distinguishes-entries", area="memoization")
def test_memoize_key_distinguishes_entries(argo_workflows: WorkflowRunner) -> None:
    """A memoized template MUST take a cached output only for the same key: keys that differ (here only after their
    63rd character) MUST run separately, and a repeated key MUST be a cache hit."""
    with th.memo_cache(argo_workflows, "ref-memo-key"):
        wf = argo_workflows.run(argo_workflows.load("ref-memo-key"))
    first, beta, again = (th.step(wf, s) for s in ("first-alpha", "beta", "again-alpha"))
    assert th.memo_hit(first) is False, f"first-alpha (empty cache): memoizationStatus {first.get('memoizationStatus')}"
    seen = shapes.output_parameter(beta, "word")
    assert th.memo_hit(beta) is False and seen == "beta", (
        "memoize key ...-beta after an entry for ...-alpha: expected a cache miss and output 'beta', saw "
        f"hit={th.memo_hit(beta)} output {seen!r}")
    assert th.memo_hit(again) is True, (
        f"memoize key ...-alpha repeated: expected a cache hit, saw memoizationStatus {again.get('memoizationStatus')}")
    assert shapes.output_parameter(again, "word") == "alpha"


@pytest.mark.conformance(id="memoization.max-age-expires", area="memoization")
def test_memoize_max_age_expires(argo_workflows: WorkflowRunner) -> None:
    """A memoized template MUST run again when the cached entry is older than its maxAge, and MUST take the cached
    output when it is younger."""
    with th.memo_cache(argo_workflows, "ref-memo-maxage"):
        wf = argo_workflows.run(argo_workflows.load("ref-memo-maxage"))
    first, short, long = (th.step(wf, s) for s in ("first", "short", "long"))
    cached = shapes.output_parameter(first, "run")
    short_run = shapes.output_parameter(short, "run")
    assert th.memo_hit(short) is False and short_run != cached, (
        f"memoize.maxAge 2s, entry about 4 s old: expected a cache miss and a new run, saw hit={th.memo_hit(short)} "
        f"output {short_run!r} (the cached one: {cached!r})")
    long_run = shapes.output_parameter(long, "run")
    assert th.memo_hit(long) is True and long_run == cached, (
        f"memoize.maxAge 1h, same entry: expected a cache hit with output {cached!r}, saw hit={th.memo_hit(long)} "
        f"output {long_run!r}")
