"""Parameters and artifacts: output parameters read from files (newline trimming, valueFrom.default, globalName),
input defaults and arguments, step output references, enum validation, optional and passed artifacts.

Most checks read one shared run of `io-params` (two pods) per cell, each asserting a different part of it."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import io, shapes
from pytest_argo_conformance.components.argo import workflows as wfapi


def _produce(argo_workflows: WorkflowRunner) -> shapes.Node:
    wf = io.run_shared(argo_workflows, "io-params")
    produce = shapes.node(wf, "produce")
    assert produce["phase"] == "Succeeded", f"step `produce` should succeed, it did not: {io.describe(wf)}"
    return produce


def _consume(argo_workflows: WorkflowRunner) -> shapes.Node:
    wf = io.run_shared(argo_workflows, "io-params")
    assert wfapi.phase(wf) == "Succeeded", f"io-params should succeed: {io.describe(wf)}"
    return shapes.node(wf, "consume")


@pytest.mark.conformance(id="parameters.output-trailing-newline-trimmed", area="parameters")
def test_output_parameter_trailing_newline_trimmed(argo_workflows: WorkflowRunner) -> None:
    """An output parameter read from a file (valueFrom.path) MUST have its single trailing newline trimmed."""
    value = shapes.output_parameter(_produce(argo_workflows), "trimmed")
    assert value == "line", f"`echo line > file` as an output parameter: expected 'line', saw {value!r}"


@pytest.mark.conformance(id="parameters.valuefrom-default-when-missing", area="parameters")
def test_output_parameter_default_when_file_missing(argo_workflows: WorkflowRunner) -> None:
    """An output parameter whose file is missing MUST take its valueFrom.default, and the step MUST succeed."""
    value = shapes.output_parameter(_produce(argo_workflows), "fallback")
    assert value == "fallback-value", f"valueFrom.default 'fallback-value' for a missing file: saw {value!r}"


@pytest.mark.conformance(id="parameters.global-name-exported", area="parameters")
def test_output_parameter_global_name_exported(argo_workflows: WorkflowRunner) -> None:
    """An output parameter with a globalName MUST appear under that name in the workflow's outputs."""
    _produce(argo_workflows)
    wf = io.run_shared(argo_workflows, "io-params")
    value = io.workflow_output(wf, "io-exported")
    seen = (wf.get("status", {}).get("outputs") or {}).get("parameters")
    assert value == "exported-value", (f"globalName io-exported: expected status.outputs.parameters to hold "
                                       f"io-exported='exported-value', saw {seen!r}")


@pytest.mark.conformance(id="parameters.input-default-used", area="parameters")
def test_input_parameter_default_used(argo_workflows: WorkflowRunner) -> None:
    """An input parameter that no argument supplies MUST take its default."""
    value = io.input_parameter(_consume(argo_workflows), "greeting")
    assert value == "from-default", f"input `greeting` with default 'from-default' and no argument: saw {value!r}"


@pytest.mark.conformance(id="parameters.argument-overrides-default", area="parameters")
def test_argument_overrides_input_default(argo_workflows: WorkflowRunner) -> None:
    """An argument a step supplies MUST override the called template's input default."""
    value = io.input_parameter(_consume(argo_workflows), "who")
    assert value == "from-argument", (f"input `who` (default 'default-who') given the argument 'from-argument': "
                                      f"saw {value!r}")


@pytest.mark.conformance(id="parameters.step-output-reference", area="parameters")
def test_step_output_reference_resolved(argo_workflows: WorkflowRunner) -> None:
    """`{{steps.X.outputs.parameters.Y}}` in a later step's arguments MUST resolve to X's output value."""
    value = io.input_parameter(_consume(argo_workflows), "upstream")
    assert value == "line", f"{{{{steps.produce.outputs.parameters.trimmed}}}}: expected 'line', saw {value!r}"


@pytest.mark.conformance(id="artifacts.optional-output-may-be-missing", area="artifacts")
def test_optional_output_artifact_may_be_missing(argo_workflows: WorkflowRunner) -> None:
    """A step whose `optional: true` output artifact was never written MUST still succeed, without that artifact."""
    produce = _produce(argo_workflows)
    names = [a["name"] for a in (produce.get("outputs") or {}).get("artifacts", []) or []]
    assert "real" in names, f"step `produce` should output artifact `real`, its artifacts: {names}"
    assert "absent" not in names, f"optional artifact `absent` was never written but is listed: {names}"


@pytest.mark.conformance(id="artifacts.passed-between-steps", area="artifacts")
def test_artifact_passed_between_steps(argo_workflows: WorkflowRunner) -> None:
    """An output artifact passed with `from: {{steps.X.outputs.artifacts.Y}}` MUST reach the next step intact."""
    value = shapes.output_parameter(_consume(argo_workflows), "got")
    assert value == "artifact-content", f"artifact `real` should read 'artifact-content' in `consume`, saw {value!r}"


@pytest.mark.conformance(id="parameters.enum-rejects-other-values", area="parameters")
def test_enum_rejects_value_outside_list(argo_workflows: WorkflowRunner) -> None:
    """A workflow argument whose value is not in its enum list MUST be rejected without running any pod."""
    wf = argo_workflows.wait_finished(argo_workflows.submit(argo_workflows.load("io-enum")), timeout=90)
    assert wfapi.phase(wf) in ("Failed", "Error"), (f"argument color='purple' with enum [red, green] should fail "
                                                    f"validation, but: {io.describe(wf)}")
    assert not shapes.pod_nodes(wf), f"a rejected workflow ran pods: {io.describe(wf)}"
    message = wf.get("status", {}).get("message", "")
    assert "enum" in message, f"the rejection should name the enum, the message was {message!r}"
