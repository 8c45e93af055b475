"""Python workflows, as the PoC's ML pipelines write them: `script` templates that run Python and pass their
results on. The image (`python:3.12-alpine`) is present on the cluster, or on the local provider answered by the
image catalog's Debian Python (clusters/local/images.yaml; the matrix notes the alias)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.checks.given import prepare_images


def _run(runner: WorkflowRunner, images: Any, record: Any, name: str) -> dict[str, Any]:
    manifest = prepare_images(runner.load(name), images, record.note, f"{name}.yaml")
    return runner.run(manifest, timeout=300)


@pytest.mark.conformance(id="workflows.python-script", area="workflows")
def test_python_script_template(argo_workflows: WorkflowRunner, argo_images: Any, argo_record: Any) -> None:
    """A Python `script` template's printed result MUST become its output result, and a later step MUST receive it
    unchanged as an input parameter."""
    wf = _run(argo_workflows, argo_images, argo_record, "py-script")
    record = {"n": 8, "mean": 3.875, "major": 3}
    expected = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
    produced = shapes.node(wf, "produce").get("outputs", {}).get("result")
    consumed = shapes.node(wf, "consume").get("outputs", {}).get("result")
    assert json.loads(produced or "null") == record, f"produce's result was {produced!r}"
    assert consumed == expected, f"consume printed {consumed!r}, expected {expected!r} (the digest of {record})"
    assert shapes.output_parameter(shapes.node(wf, wf["metadata"]["name"]), "digest") == expected


@pytest.mark.conformance(id="workflows.python-dag", area="workflows")
def test_python_dag(argo_workflows: WorkflowRunner, argo_images: Any, argo_record: Any) -> None:
    """A DAG of Python steps MUST carry each task's result along its edges: split -> (square, factorial) -> join
    MUST print 1²+…+5² + 5! = 175."""
    wf = _run(argo_workflows, argo_images, argo_record, "py-dag")
    results = {name: shapes.node(wf, name).get("outputs", {}).get("result")
               for name in ("split", "square", "factorial", "join")}
    assert results == {"split": "[1, 2, 3, 4, 5]", "square": "55", "factorial": "120", "join": "175"}, results
    assert shapes.output_parameter(shapes.node(wf, wf["metadata"]["name"]), "total") == "175"
