"""Acme's own check: its workflow (from `manifests/workflows/` beside this file) succeeds in every cell."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import Installation, WorkflowRunner


@pytest.mark.conformance(id="workflows.acme-hello", area="workflows")
def test_acme_hello_workflow(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    """Acme's hello workflow MUST succeed in every cell."""
    manifest = argo_workflows.load("acme-hello")
    assert manifest["metadata"]["generateName"] == "acme-hello-"
    wf = argo_workflows.run(manifest)
    assert wf["status"]["phase"] == "Succeeded", f"{argo.topology.id}: {wf['status']}"
