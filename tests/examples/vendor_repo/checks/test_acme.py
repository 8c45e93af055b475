"""Acme's own check: its workflow (from `manifests/workflows/` beside this file) succeeds in every cell."""

from __future__ import annotations

from pytest_argo_conformance.api import Installation, WorkflowRunner


def test_acme_hello_workflow(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    manifest = argo_workflows.load("acme-hello")
    assert manifest["metadata"]["generateName"] == "acme-hello-"
    wf = argo_workflows.run(manifest)
    assert wf["status"]["phase"] == "Succeeded", f"{argo.topology.id}: {wf['status']}"
