"""Bring your own workflows: `--argo-workflows PATH_OR_GLOB` makes each Workflow manifest found a check that must
succeed for every build and topology, run as given (never converted to another line's dialect) (label one
`argo-conformance/skip: <reason>` to leave it out)."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.api import Installation, WorkflowRunner
from pytest_argo_conformance.components.argo.workflows import rejection


@pytest.mark.conformance(id="workflows.your-workflow", area="workflows")
def test_your_workflow_succeeds(
    argo: Installation, argo_provider: Any, argo_workflows: WorkflowRunner, argo_user_workflow: Any
) -> None:
    """Each of your own workflows (--argo-workflows) MUST succeed on every build and topology."""
    if argo_user_workflow.skip_reason:
        pytest.skip(argo_user_workflow.skip_reason)
    # a vendor's provider may predate `missing_images`: without it, every image counts as available
    missing: list[str] = getattr(argo_provider, "missing_images", lambda names: [])(argo_user_workflow.images())
    if missing:
        pytest.skip(f"images not available to the {argo_provider.name} cluster (never pulled): {', '.join(missing)}")
    try:
        name = argo_workflows.submit(argo_user_workflow.manifest)
    except ApiException as exc:
        refused = rejection(exc)
        if refused is None:
            raise
        # run as given (no dialect conversion): a manifest this build's API refuses is reported as such
        pytest.fail(f"{argo_user_workflow.path.name}: the API server rejected the workflow, so it never reached the "
                    f"controller: {refused}", pytrace=False)
    argo_workflows.wait_phase(name, "Succeeded", timeout=600)
