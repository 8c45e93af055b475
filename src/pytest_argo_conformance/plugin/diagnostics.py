"""What a failing check's report carries: node trees, workflow YAML, controller log, events, failing pod logs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.kube import objects, secrets

LOG_TAIL = 60
EPOCH = datetime.fromtimestamp(0, timezone.utc)
EVENTS = 40


def collect(runner: WorkflowRunner) -> list[tuple[str, str]]:
    """(title, text) sections; each is collected on its own so one API error does not hide the others. Nothing when
    the check submitted no workflow (e.g. the API server refused it): the controller never saw anything."""
    sections: list[tuple[str, str]] = []
    if not runner.submitted:
        return sections
    api = runner.api
    core = client.CoreV1Api(api)
    for name in runner.submitted:
        try:
            wf = runner.get(name)
        except ApiException as exc:
            sections.append((f"workflow {name}", f"(not readable: {exc.status} {exc.reason})"))
            continue
        sections.append((f"workflow {name}: node tree", wfapi.node_tree(wf)))
        wf["metadata"].pop("managedFields", None)
        sections.append((f"workflow {name}: YAML", yaml.safe_dump(wf, sort_keys=False)))
        for pod in runner.pods(name):
            phase = objects.pod_status(pod).phase
            if phase != "Succeeded":
                sections.append((f"pod {objects.name(pod)} ({phase}): log", _pod_log(core, pod)))
    try:
        sections.append(("controller log (tail)", runner.installation.controller_log(tail=LOG_TAIL)))
    except ApiException as exc:
        sections.append(("controller log (tail)", f"(not readable: {exc.status} {exc.reason})"))
    sections.append((f"events in {runner.namespace}", _events(core, runner.namespace)))
    return sections


def _pod_log(core: client.CoreV1Api, pod: client.V1Pod) -> str:
    out = []
    for container in ("main", "wait", "init"):
        try:
            text = core.read_namespaced_pod_log(objects.name(pod), objects.namespace(pod), container=container,
                                                tail_lines=LOG_TAIL)
        except ApiException:
            continue
        out.append(f"[{container}]\n{text}")
    status = objects.pod_status(pod)
    reasons = [
        f"{cs.name}: {cs.state.waiting.reason}"
        for cs in (status.container_statuses or [])
        if cs.state and cs.state.waiting
    ]
    conditions = [f"{c.type}={c.status} {c.reason or ''} {c.message or ''}".strip() for c in status.conditions or []]
    return "\n".join(out + reasons + conditions) or "(no log)"


def _events(core: client.CoreV1Api, namespace: str) -> str:
    try:
        items = core.list_namespaced_event(namespace).items
    except ApiException as exc:
        return f"(not readable: {exc.status} {exc.reason})"
    items.sort(key=lambda e: e.last_timestamp or e.event_time or objects.meta(e).creation_timestamp or EPOCH)
    return "\n".join(
        f"{e.type} {e.reason} {e.involved_object.kind}/{e.involved_object.name}: {e.message}" for e in items[-EVENTS:]
    ) or "(no events)"


def attach(report: pytest.TestReport, sections: list[tuple[str, str]]) -> None:
    """Add the sections to the report (terminal, JUnit) and, when Allure is recording, to Allure; redacted (logs may
    hold a token), since they are added after the plugin's redaction of the report (plugin/redaction.py)."""
    sections = [(secrets.redact(title), secrets.redact(text)) for title, text in sections]
    try:
        import allure

        for title, text in sections:
            allure.attach(text, name=title, attachment_type=allure.attachment_type.TEXT)
    except Exception:  # noqa: BLE001 - Allure is best-effort: the report sections below still carry everything
        pass
    for title, text in sections:
        report.sections.append((f"argo-conformance: {title}", text))
