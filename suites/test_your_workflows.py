"""Bring your own workflows: `--argo-workflows PATH_OR_GLOB` makes each Workflow manifest found a check that must
succeed for every build and topology (label one `argo-conformance/skip: <reason>` to leave it out)."""

from __future__ import annotations

from typing import Any

import pytest


def test_your_workflow_succeeds(argo: Any, argo_provider: Any, argo_workflows: Any, argo_user_workflow: Any) -> None:
    if argo_user_workflow.skip_reason:
        pytest.skip(argo_user_workflow.skip_reason)
    missing = getattr(argo_provider, "missing_images", lambda names: [])(argo_user_workflow.images())
    if missing:
        pytest.skip(f"images not available to the {argo_provider.name} cluster (never pulled): {', '.join(missing)}")
    argo_workflows.run(argo_user_workflow.manifest, timeout=600)
