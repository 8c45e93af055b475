"""The suite's manifests are converted to the dialect of the controller's line, as `argo convert` does."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance.argo.dialect import convert
from pytest_argo_conformance.argo.lines import Line
from pytest_argo_conformance.resources import suites_dir
from pytest_argo_conformance.runner import load_manifest

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
