"""Argo's own examples: `--argo-workflows upstream-examples` makes each Workflow in the `examples/` folder of the
Argo module a check that must succeed on every build and topology, run as given. A build runs the examples of the
upstream release it is judged against. Which run is a rule with a list: suites/examples/exclusions.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.api import Installation, WorkflowRunner
from pytest_argo_conformance.checks.given import objects_from, run_as_given
from pytest_argo_conformance.config.timeouts import UPSTREAM_EXAMPLE


@pytest.mark.conformance(id="workflows.upstream-example", area="workflows")
def test_upstream_example(
    argo: Installation, argo_images: Any, argo_workflows: WorkflowRunner, argo_upstream_example: Any,
    argo_record: Any,
) -> None:
    """Each Workflow of Argo's own examples/ that the lane selects MUST succeed on every build and topology."""
    example = argo_upstream_example
    if example.excluded:
        pytest.skip(f"excluded (suites/examples/exclusions.yaml): {example.excluded}")
    release, workflow = example.for_build(argo.build)
    if workflow is None:
        pytest.skip(f"not among the examples of {release}, which {argo.build.name} is judged against")
    root = workflow.path.parents[len(example.relpath.split("/")) - 1]
    needs = [root / rel for rel in example.needs]
    with objects_from(needs, argo_workflows) as made:
        if made:
            argo_record.note(f"made for it: {', '.join(made)}")
        run_as_given(workflow, argo_images, argo_workflows, argo_record.note, UPSTREAM_EXAMPLE)
