"""What a check uses to run workflows in its cell: load a manifest, submit it, wait, look at its pods.

Every workflow a test submits is remembered, so that a failing test's report carries its node tree, YAML,
controller log tail, events and failing pod logs (see `diagnostics.py`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from pytest_argo_conformance.components.argo import dialect
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.lines import line_of
from pytest_argo_conformance.components.argo.install import WORKFLOW_SA, Installation
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.kube import apply, dynamic_client, wait_for
from pytest_argo_conformance.config.timeouts import WORKFLOW_DEFAULT
from pytest_argo_conformance.config.versions import pinned

Workflow = dict[str, Any]


class WorkflowRunner:
    def __init__(self, installation: Installation, progress: Callable[[str], None] | None = None) -> None:
        self.installation = installation
        self.namespace = installation.namespace
        assert installation.api is not None
        self.api: client.ApiClient = installation.api
        self.progress = progress
        self.submitted: list[str] = []
        self.labels: dict[str, str] = {}  # added to every workflow submitted (e.g. a controller instance id)
        self.durations: dict[str, float] = {}  # finished workflows' own run time, seconds
        self.dialect_notes: list[str] = []  # how the suite's manifests were converted for this controller's line

    def load(self, name: str) -> Workflow:
        """A manifest from suites/manifests/workflows/<name>.yaml, with short image names pinned, in the dialect of
        the controller's line (see `argo/dialect.py`); each conversion is noted for the report."""
        path = suites_dir() / "manifests" / "workflows" / f"{name}.yaml"
        line = line_of(self.installation.artifacts.build)
        manifest, changes = dialect.convert(load_manifest(path), line)
        self.dialect_notes += [f"{name}.yaml for {line}: {change}" for change in changes]
        return manifest

    def submit(self, manifest: Workflow) -> str:
        body = copy.deepcopy(manifest)
        spec = body.setdefault("spec", {})
        spec.setdefault("serviceAccountName", WORKFLOW_SA)
        body.setdefault("metadata", {}).setdefault("labels", {}).update(self.labels)
        created = wfapi.create(self.api, self.namespace, body)
        name = str(created["metadata"]["name"])
        self.submitted.append(name)
        return name

    def wait(self, name: str, until: Callable[[Workflow], bool], what: str, timeout: float = WORKFLOW_DEFAULT,
             fail_fast: bool = True) -> Workflow:
        wf = wfapi.wait(self.api, self.namespace, name, until, what, timeout, self.progress, fail_fast)
        self._note_duration(wf)
        return wf

    def _note_duration(self, wf: Workflow) -> None:
        if wf.get("status", {}).get("finishedAt"):
            started, finished = wfapi.times(wf)
            self.durations[wf["metadata"]["name"]] = finished - started

    def wait_phase(self, name: str, phase: str, timeout: float = WORKFLOW_DEFAULT) -> Workflow:
        return self.wait(name, lambda wf: wfapi.phase(wf) == phase, f"reach phase {phase}", timeout,
                         fail_fast=phase == "Succeeded")

    def run(self, manifest: Workflow, timeout: float = WORKFLOW_DEFAULT) -> Workflow:
        """Submit and wait for Succeeded (failing at once if it fails or errors)."""
        return self.wait_phase(self.submit(manifest), "Succeeded", timeout)

    def create_template(self, manifest: Workflow) -> str:
        """Create or update (server-side apply) a WorkflowTemplate in this namespace."""
        body = copy.deepcopy(manifest)
        body["metadata"]["namespace"] = self.namespace
        body["spec"].setdefault("serviceAccountName", WORKFLOW_SA)
        apply(dynamic_client(self.api), [body])
        return str(body["metadata"]["name"])

    def create_cron(self, manifest: Workflow) -> str:
        body = copy.deepcopy(manifest)
        body["spec"]["workflowSpec"].setdefault("serviceAccountName", WORKFLOW_SA)
        created = wfapi.create(self.api, self.namespace, body, plural="cronworkflows")
        return str(created["metadata"]["name"])

    def suspend_cron(self, name: str) -> None:
        wfapi.custom(self.api).patch_namespaced_custom_object(
            wfapi.GROUP, wfapi.VERSION, self.namespace, "cronworkflows", name, {"spec": {"suspend": True}}
        )

    def cron_runs(self, cron: str) -> list[Workflow]:
        found = wfapi.custom(self.api).list_namespaced_custom_object(
            wfapi.GROUP, wfapi.VERSION, self.namespace, "workflows",
            label_selector=f"workflows.argoproj.io/cron-workflow={cron}",
        )
        return list(found.get("items", []))

    def wait_cron_runs(self, cron: str, count: int, timeout: float) -> list[str]:
        """Wait until the CronWorkflow has started `count` runs (counted from the runs it records, kept or not)."""
        started: set[str] = set()

        def probe() -> tuple[bool, str]:
            runs = self.cron_runs(cron)
            started.update(w["metadata"]["name"] for w in runs)
            for name in started:
                if name not in self.submitted:
                    self.submitted.append(name)
            return len(started) >= count and all(wfapi.phase(w) in wfapi.TERMINAL for w in runs), (
                f"{len(started)} runs seen: " + ", ".join(f"{w['metadata']['name']}={wfapi.phase(w)}" for w in runs)
            )

        wait_for(f"CronWorkflow {cron} to start {count} runs", probe, timeout)
        return sorted(started)

    def wait_cron_history(self, cron: str, succeeded_at_most: int, timeout: float) -> None:
        """Wait until the CronWorkflow keeps no more than `succeeded_at_most` succeeded runs."""

        def probe() -> tuple[bool, str]:
            runs = [(w["metadata"]["name"], wfapi.phase(w)) for w in self.cron_runs(cron)]
            succeeded = [name for name, phase in runs if phase == "Succeeded"]
            return len(succeeded) <= succeeded_at_most, f"kept {runs}"

        wait_for(f"CronWorkflow {cron} to keep at most {succeeded_at_most} succeeded run(s)", probe, timeout)

    def wait_deleted(self, name: str, timeout: float) -> None:
        def probe() -> tuple[bool, str]:
            try:
                wf = self.get(name)
            except client.exceptions.ApiException as exc:
                if exc.status == 404:
                    return True, "deleted"
                raise
            return False, f"still there, phase {wfapi.phase(wf)}"

        wait_for(f"workflow {name} to be garbage-collected", probe, timeout)
        self.submitted.remove(name)  # nothing left to diagnose

    @contextmanager
    def rest(self) -> Iterator[Any]:
        """An Argo Server REST client with this namespace's least-privilege token, for the block's duration."""
        from pytest_argo_conformance.components.argo.rest import ArgoRest
        from pytest_argo_conformance.components.argo.server import base_url, client_token

        with base_url(self.installation) as url, ArgoRest(url, client_token(self.installation)) as rest:
            yield rest

    def resume(self, name: str) -> None:
        with self.rest() as rest:
            rest.resume(self.namespace, name)

    def nudge(self, name: str) -> None:
        """Touch the workflow (an annotation) so that its controller gets an update event and reconciles it."""
        wfapi.custom(self.api).patch_namespaced_custom_object(
            wfapi.GROUP, wfapi.VERSION, self.namespace, "workflows", name,
            {"metadata": {"annotations": {"argo-conformance/nudged": "true"}}},
        )

    def finished_seconds(self) -> float:
        """Summed startedAt..finishedAt of the finished workflows this runner submitted (their own run time)."""
        for name in self.submitted:
            if name not in self.durations:
                try:
                    self._note_duration(self.get(name))
                except client.exceptions.ApiException:
                    continue
        return round(sum(self.durations.values()), 1)

    def pods(self, name: str) -> list[client.V1Pod]:
        return wfapi.pods_of(self.api, self.namespace, name)

    def get(self, name: str) -> Workflow:
        return wfapi.get(self.api, self.namespace, name)


def load_manifest(path: Path) -> Workflow:
    text = path.read_text(encoding="utf-8")
    manifest: Workflow = yaml.safe_load(text)
    pin_images(manifest)
    return manifest


def pin_images(obj: Any) -> None:
    """Replace short image names (`busybox`) by the pinned references of clusters/local/versions.yaml."""
    images: dict[str, str] = pinned()["suite-images"]
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "image" and isinstance(value, str) and value in images:
                obj[key] = images[value]
            else:
                pin_images(value)
    elif isinstance(obj, list):
        for value in obj:
            pin_images(value)
