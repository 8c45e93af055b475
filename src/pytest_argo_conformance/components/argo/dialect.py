"""Speak each line's dialect: the suite's manifests converted to the form the controller's line accepts.

The suite writes its manifests once. Lines renamed or removed fields, as `argo convert` knows:
- v3.6 added CronWorkflow `schedules` and synchronization `mutexes`/`semaphores` beside the singular forms;
  v4.0 removed the singular forms (`schedule`, `mutex`, `semaphore`);
- v3.7 removed the template-level `priority` (the workflow-level `priority` stays).
Going up, the singular forms become lists of one; going down (a line before v3.6), a list of one becomes the
singular form. Workflows a user brings (`--argo-workflows`) are run as given, never converted.
"""

from __future__ import annotations

import copy
from typing import Any

from pytest_argo_conformance.components.argo.lines import Line

PLURALS_ADDED = Line(3, 6)
SINGULARS_REMOVED = Line(4, 0)
TEMPLATE_PRIORITY_REMOVED = Line(3, 7)
RENAMES = (("mutex", "mutexes"), ("semaphore", "semaphores"))

Obj = dict[str, Any]


def convert(manifest: Obj, line: Line) -> tuple[Obj, list[str]]:
    """A copy of `manifest` in `line`'s dialect, and one note per change made."""
    doc = copy.deepcopy(manifest)
    notes: list[str] = []
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return doc, notes
    where = "spec"
    if doc.get("kind") == "CronWorkflow":
        _plural(spec, "schedule", "schedules", line, "spec", notes)
        inner = spec.get("workflowSpec")
        spec = inner if isinstance(inner, dict) else {}
        where = "spec.workflowSpec"
    _synchronization(spec.get("synchronization"), line, f"{where}.synchronization", notes)
    for i, template in enumerate(spec.get("templates") or []):
        if not isinstance(template, dict):
            continue
        _synchronization(template.get("synchronization"), line, f"{where}.templates[{i}].synchronization", notes)
        if line >= TEMPLATE_PRIORITY_REMOVED and "priority" in template:
            del template["priority"]
            notes.append(f"{where}.templates[{i}].priority dropped (removed in v3.7)")
    return doc, notes


def _synchronization(sync: Any, line: Line, where: str, notes: list[str]) -> None:
    if isinstance(sync, dict):
        for singular, plural in RENAMES:
            _plural(sync, singular, plural, line, where, notes)


def _plural(obj: Obj, singular: str, plural: str, line: Line, where: str, notes: list[str]) -> None:
    if line >= SINGULARS_REMOVED and singular in obj:
        value = obj.pop(singular)
        obj[plural] = [*obj.get(plural, []), value]
        notes.append(f"{where}.{singular} -> {plural} (the singular form was removed in v4.0)")
    elif line < PLURALS_ADDED and plural in obj:
        values = obj[plural]
        if isinstance(values, list) and len(values) == 1 and singular not in obj:
            obj[singular] = obj.pop(plural)[0]
            notes.append(f"{where}.{plural} -> {singular} ({line} has no {plural})")
