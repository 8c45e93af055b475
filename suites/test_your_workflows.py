"""Bring your own workflows: `--argo-workflows PATH_OR_GLOB` makes each Workflow manifest found a check that must
succeed for every build and topology, run as given (never converted to another line's dialect) (label one
`argo-conformance/skip: <reason>` to leave it out). Images come from the cluster, `--argo-image NAME=ARCHIVE`,
or, on the local provider, the image catalog (clusters/local/images.yaml); a missing image is a skip."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.api import Installation, WorkflowRunner
from pytest_argo_conformance.checks.given import run_as_given
from pytest_argo_conformance.config.timeouts import USER_WORKFLOW


@pytest.mark.conformance(id="workflows.your-workflow", area="workflows")
def test_your_workflow_succeeds(
    argo: Installation, argo_images: Any, argo_workflows: WorkflowRunner, argo_user_workflow: Any, argo_record: Any
) -> None:
    """Each of your own workflows (--argo-workflows) MUST succeed on every build and topology."""
    run_as_given(argo_user_workflow, argo_images, argo_workflows, argo_record.note, USER_WORKFLOW)
