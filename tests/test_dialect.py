"""The suite's manifests are converted to the dialect of the controller's line, as `argo convert` does."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.checks import crds
from pytest_argo_conformance.components.argo.build import upstream_source
from pytest_argo_conformance.components.argo.dialect import convert
from pytest_argo_conformance.components.argo.lines import Line, line_of_version, pinned_lines
from pytest_argo_conformance.components.argo.runner import load_manifest
from pytest_argo_conformance.config.paths import suites_dir

CRON: dict[str, Any] = {
    "kind": "CronWorkflow",
    "spec": {
        "schedule": "@every 3s",
        "workflowSpec": {"synchronization": {"mutex": {"name": "m"}}, "templates": [{"name": "t", "priority": 3}]},
    },
}


def test_v4_gets_the_plural_forms_and_no_template_priority() -> None:
    doc, notes = convert(CRON, Line(4, 0))
    assert doc["spec"]["schedules"] == ["@every 3s"] and "schedule" not in doc["spec"]
    assert doc["spec"]["workflowSpec"]["synchronization"] == {"mutexes": [{"name": "m"}]}
    assert "priority" not in doc["spec"]["workflowSpec"]["templates"][0]
    assert len(notes) == 3 and any("spec.schedule -> schedules" in n for n in notes)
    assert CRON["spec"]["schedule"] == "@every 3s", "the loaded manifest itself is not changed"


def test_v3_7_keeps_both_forms_as_written_but_drops_template_priority() -> None:
    doc, notes = convert(CRON, Line(3, 7))
    assert doc["spec"]["schedule"] == "@every 3s"
    assert notes == ["spec.workflowSpec.templates[0].priority dropped (removed in v3.7)"]


def test_a_line_before_v3_6_gets_the_singular_form_of_a_list_of_one() -> None:
    wf = {"kind": "Workflow", "spec": {"synchronization": {"semaphores": [{"configMapKeyRef": {"name": "s"}}]}}}
    doc, notes = convert(wf, Line(3, 5))
    assert doc["spec"]["synchronization"] == {"semaphore": {"configMapKeyRef": {"name": "s"}}}
    assert notes


def test_every_packaged_manifest_converts_to_every_pinned_line_without_singular_forms_on_v4() -> None:
    for path in sorted((suites_dir() / "manifests" / "workflows").glob("*.yaml")):
        doc, _ = convert(load_manifest(path), Line(4, 0))
        text = repr(doc)
        for removed in ("'schedule':", "'mutex':", "'semaphore':"):
            assert removed not in text, f"{path.name} still has {removed} for v4"


def unknown_fields(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Fields the API server would prune (or reject under strict validation): not in the structural schema."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                found += unknown_fields(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(item, extra, f"{path}.{key}")
            elif properties is not None or extra is False:
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{i}]")
    return found


KINDS = {"Workflow": "workflows", "WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows",
         "ClusterWorkflowTemplate": "clusterworkflowtemplates"}


@pytest.mark.parametrize("release", sorted(set(pinned_lines().values())))
def test_every_packaged_manifest_fits_each_pinned_lines_full_crd_once_converted(release: str) -> None:
    """The full CRDs of each line's release (from its Go module) accept every field the suite sends that line."""
    source = upstream_source(release, "dialect-test")
    line = line_of_version(release)
    assert line is not None
    problems, unconverted = [], []
    for path in sorted((suites_dir() / "manifests" / "workflows").glob("*.yaml")):
        manifest = load_manifest(path)
        crd = crds._load(source, KINDS[manifest["kind"]])
        assert crd is not None
        schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        converted, _ = convert(manifest, line)
        problems += [f"{path.name}: {f}" for f in unknown_fields(converted, schema)]
        unconverted += [f"{path.name}: {f}" for f in unknown_fields(manifest, schema)]
    assert problems == []
    if line >= Line(4, 0):  # and the conversion is what makes them fit
        assert "cron-every-3s.yaml: .spec.schedule" in unconverted
