"""Steps and DAG control flow and retries at their boundaries: retry limits reached, retry policies and expressions
that refuse a retry, backoff.maxDuration, continueOn, numeric `when` comparisons, a template's failFast and skipped
dependencies. Each check runs one small workflow to its end and reads the node tree."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import control_flow as cf
from pytest_argo_conformance.checks import shapes


@pytest.mark.conformance(id="retries.limit-caps-attempts", area="retries")
def test_retry_limit_caps_attempts(argo_workflows: WorkflowRunner) -> None:
    """A template's retryStrategy.limit MUST cap the retries: with limit 2 a step that always fails runs exactly 3
    times and then fails."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-retry-limit"))
    seen = cf.attempts(wf)
    assert len(seen) == 3, (f"retryStrategy.limit 2 on a step that always fails: expected 3 attempts (1 + 2 retries), "
                            f"saw {len(seen)}: {cf.describe(seen)}")
    assert all(n["phase"] == "Failed" for n in seen), f"every attempt exits 1, saw {cf.describe(seen)}"
    assert wf["status"]["phase"] == "Failed", f"the workflow should fail once the retries are used up, it is " \
                                              f"{wf['status']['phase']}"


@pytest.mark.conformance(id="retries.on-error-policy-skips-failures", area="retries")
def test_retry_on_error_policy_skips_failures(argo_workflows: WorkflowRunner) -> None:
    """A retryStrategy with retryPolicy OnError MUST NOT retry a step that failed with a non-zero exit code."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-retry-on-error"))
    seen = cf.attempts(wf)
    assert len(seen) == 1, (f"retryPolicy OnError, the step exits 1 (Failed, not Error): expected 1 attempt and no "
                            f"retry, saw {len(seen)}: {cf.describe(seen)}")
    assert wf["status"]["phase"] == "Failed", f"expected the workflow Failed, it is {wf['status']['phase']}"


@pytest.mark.conformance(id="retries.expression-false-stops", area="retries")
def test_retry_expression_false_stops(argo_workflows: WorkflowRunner) -> None:
    """A retryStrategy.expression that evaluates false after an attempt MUST stop the retries at once, whatever the
    limit."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-retry-expression"))
    seen = cf.attempts(wf)
    assert len(seen) == 1, (f"expression 'asInt(lastRetry.exitCode) == 2' with limit 3, the step exits 1: expected 1 "
                            f"attempt and no retry, saw {len(seen)}: {cf.describe(seen)}")
    assert wf["status"]["phase"] == "Failed", f"expected the workflow Failed, it is {wf['status']['phase']}"


@pytest.mark.conformance(id="retries.backoff-max-duration", area="retries")
def test_retry_backoff_max_duration(argo_workflows: WorkflowRunner) -> None:
    """A retryStrategy.backoff.maxDuration MUST stop the retries once that long has passed since the first attempt
    started, even if the limit allows more."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-retry-max-duration"))
    seen = cf.attempts(wf)
    assert len(seen) == 1, (f"backoff.maxDuration 1s with limit 2, and the first attempt alone takes over 2s: expected "
                            f"1 attempt and no retry, saw {len(seen)}: {cf.describe(seen)}")
    assert wf["status"]["phase"] == "Failed", f"expected the workflow Failed, it is {wf['status']['phase']}"


@pytest.mark.conformance(id="control-flow.steps-continue-on-failed", area="control-flow")
def test_steps_continue_on_failed(argo_workflows: WorkflowRunner) -> None:
    """A step with continueOn.failed MUST let the workflow go on to the next step group when it fails, and the
    workflow MUST succeed."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-steps-continue-on"))
    fails, after = cf.named(wf, "fails"), cf.named(wf, "after")
    assert [n["phase"] for n in fails] == ["Failed"], f"step `fails` exits 1: expected it Failed, saw " \
                                                      f"{cf.describe(fails)}"
    assert [n["phase"] for n in after] == ["Succeeded"], (
        f"`fails` has continueOn.failed, so the next step `after` should run and succeed; saw {cf.describe(after)} "
        f"(workflow {wf['status']['phase']}: {wf['status'].get('message', '')})")
    assert wf["status"]["phase"] == "Succeeded", (f"a failure covered by continueOn should not fail the workflow; it "
                                                  f"is {wf['status']['phase']}: {wf['status'].get('message', '')}")


@pytest.mark.conformance(id="control-flow.when-numeric-comparison", area="control-flow")
def test_when_numeric_comparison(argo_workflows: WorkflowRunner) -> None:
    """A step's `when` MUST compare numbers numerically: `10 > 9` runs the step and `10 < 9` skips it."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-when-numeric"))
    big, small = cf.named(wf, "big"), cf.named(wf, "small")
    assert [n["phase"] for n in big] == ["Succeeded"], f"when '10 > 9' is true: expected `big` to run and succeed, " \
                                                       f"saw {cf.describe(big)}"
    assert [n["phase"] for n in small] == ["Skipped"], f"when '10 < 9' is false: expected `small` Skipped, saw " \
                                                       f"{cf.describe(small)}"
    assert wf["status"]["phase"] == "Succeeded", f"expected the workflow Succeeded, it is {wf['status']['phase']}"


@pytest.mark.conformance(id="control-flow.template-fail-fast", area="control-flow")
def test_template_fail_fast(argo_workflows: WorkflowRunner) -> None:
    """A DAG template with failFast: true MUST start no further tasks once one of its tasks has failed, and MUST
    fail."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-fail-fast"))
    failed = cf.named(wf, "a-fail")
    assert [n["phase"] for n in failed] == ["Failed"], f"task `a-fail` exits 1: expected it Failed, saw " \
                                                       f"{cf.describe(failed)}"
    started = cf.named(wf, "b-later")
    assert not started, (f"failFast: true with parallelism 1: once `a-fail` failed, the waiting task `b-later` should "
                         f"never be started, but the controller created it: {cf.describe(started)}")
    assert wf["status"]["phase"] == "Failed", f"expected the workflow Failed, it is {wf['status']['phase']}"


@pytest.mark.conformance(id="control-flow.dag-dependencies-skipped-or-continued", area="control-flow")
def test_dag_dependencies_skipped_or_continued(argo_workflows: WorkflowRunner) -> None:
    """A DAG task listed in `dependencies` MUST run when its dependencies were skipped by their `when` or failed
    with continueOn.failed."""
    wf = cf.run_to_end(argo_workflows, argo_workflows.load("cf-dag-dependencies"))
    maybe, nxt = cf.named(wf, "maybe"), cf.named(wf, "next")
    assert [n["phase"] for n in maybe] == ["Skipped"], f"when '1 == 2' is false: expected `maybe` Skipped, saw " \
                                                       f"{cf.describe(maybe)}"
    assert [n["phase"] for n in nxt] == ["Succeeded"], (
        f"`next` has dependencies [maybe, fails], `maybe` was Skipped and `fails` failed with continueOn.failed: "
        f"expected `next` to run and succeed, saw {cf.describe(nxt)}; nodes: {cf.describe(shapes.nodes(wf))}")
    assert wf["status"]["phase"] == "Succeeded", f"expected the workflow Succeeded, it is {wf['status']['phase']}"
