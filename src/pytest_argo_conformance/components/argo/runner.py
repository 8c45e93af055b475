"""What a check uses to run workflows in its cell: load a manifest, submit it, wait, look at its pods.

Every workflow a test submits is remembered, so that a failing test's report carries its node tree, YAML,
controller log tail, events and failing pod logs (see `diagnostics.py`). Each workflow submitted and each wait's
end is logged at INFO on `pytest_argo_conformance.components.argo.runner`, its changes in between at DEBUG.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from pytest_argo_conformance.components.argo import dialect
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.components.argo.lines import line_of
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.timeouts import WORKFLOW_DEFAULT
from pytest_argo_conformance.config.versions import pinned
from pytest_argo_conformance.kube import apply, dynamic_client, watch_until

Workflow = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass
class Ahead:
    """A workflow submitted for a check before the check started: the body as `submit` would create it, its name."""

    body: Workflow
    name: str
    submitted_at: float = field(default_factory=time.monotonic)


class WorkflowRunner:
    """`argo_workflows`: load a check's manifests, submit them to the cell, wait for them, look at their pods."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self.namespace = installation.namespace
        self.submitted: list[str] = []
        # added to every workflow, template and cron workflow created: the cell's controller instance id (an
        # installation may offer `workflow_labels`; the built-in one does, see install.py)
        self.labels: dict[str, str] = dict(getattr(installation, "workflow_labels", None) or {})
        self.durations: dict[str, float] = {}  # finished workflows' own run time, seconds
        self.dialect_notes: list[str] = []  # how the suite's manifests were converted for this controller's line
        self.manifest_dirs: list[Path] = []  # searched first by `load` (the asking check's own manifests)
        self.ahead: list[Ahead] = []  # workflows submitted for this check before it started (plugin/lookahead.py)
        self.head_start: dict[str, float] = {}  # of those it took: seconds between their submission and its own

    @property
    def api(self) -> client.ApiClient:
        api = self.installation.api
        if api is None:
            raise RuntimeError(f"the installation of {self.installation.topology.id} has no Kubernetes client "
                               "(uninstalled, or a stand-in)")
        return api

    def load(self, name: str) -> Workflow:
        """The manifest `<name>.yaml` from beside the check that asks for it (its folder's `manifests/workflows/`,
        then `manifests/`), else from the packaged suites; with short image names pinned, in the dialect of the
        controller's line (see `dialect.py`); each conversion is noted for the report."""
        path = find_manifest(name, self.manifest_dirs)
        line = line_of(self.installation.build)
        manifest, changes = dialect.convert(load_manifest(path), line)
        self.dialect_notes += [f"{name}.yaml for {line}: {change}" for change in changes]
        return manifest

    def prepared(self, manifest: Workflow) -> Workflow:
        """The body `submit` creates for this manifest: the cell's service account and labels added."""
        body = copy.deepcopy(manifest)
        spec = body.setdefault("spec", {})
        spec.setdefault("serviceAccountName", self.installation.workflow_service_account)
        body.setdefault("metadata", {}).setdefault("labels", {}).update(self.labels)
        return body

    def create(self, body: Workflow) -> str:
        """Create a prepared body as it is; its name."""
        created = wfapi.create(self.api, self.namespace, body)
        return str(created["metadata"]["name"])

    def submit(self, manifest: Workflow) -> str:
        """Create the workflow; or, when the same body was submitted ahead for this check (see plugin/lookahead.py),
        take that one."""
        body = self.prepared(manifest)
        match = next((ahead for ahead in self.ahead if ahead.body == body), None)
        if match is not None:
            self.ahead.remove(match)
            name = match.name
            self.head_start[name] = round(time.monotonic() - match.submitted_at, 1)
            log.info("workflow %s: submitted ahead %.1fs ago in %s, taken by its check", name, self.head_start[name],
                     self.namespace)
        else:
            name = self.create(body)
            log.info("workflow %s: submitted in %s", name, self.namespace)
        self.submitted.append(name)
        return name

    def wait(self, name: str, until: Callable[[Workflow], bool], what: str, timeout: float = WORKFLOW_DEFAULT,
             fail_fast: bool = True) -> Workflow:
        started = time.monotonic()
        wf = wfapi.wait(self.api, self.namespace, name, until, what, timeout, _log_change, fail_fast)
        log.info("%s (waited %.1fs to %s)", wfapi.progress_line(wf), time.monotonic() - started, what)
        self._note_duration(wf)
        return wf

    def _note_duration(self, wf: Workflow) -> None:
        if wf.get("status", {}).get("finishedAt"):
            started, finished = wfapi.times(wf)
            self.durations[wf["metadata"]["name"]] = finished - started

    def wait_finished(self, name: str, timeout: float = WORKFLOW_DEFAULT) -> Workflow:
        """Wait until the workflow has ended, in whatever phase (the check asserts which)."""
        return self.wait(name, wfapi.finished, "finish", timeout, fail_fast=False)

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
        body["metadata"].setdefault("labels", {}).update(self.labels)
        body["spec"].setdefault("serviceAccountName", self.installation.workflow_service_account)
        apply(dynamic_client(self.api), [body])
        return str(body["metadata"]["name"])

    def create_cron(self, manifest: Workflow) -> str:
        body = copy.deepcopy(manifest)
        body["spec"]["workflowSpec"].setdefault("serviceAccountName", self.installation.workflow_service_account)
        body.setdefault("metadata", {}).setdefault("labels", {}).update(self.labels)
        created = wfapi.create(self.api, self.namespace, body, plural="cronworkflows")
        return str(created["metadata"]["name"])

    def suspend_cron(self, name: str) -> None:
        wfapi.custom(self.api).patch_namespaced_custom_object(
            wfapi.GROUP, wfapi.VERSION, self.namespace, "cronworkflows", name, {"spec": {"suspend": True}}
        )

    def _watch_workflows(self, what: str, until: Callable[[list[Workflow]], bool], timeout: float,
                         describe: Callable[[list[Workflow]], str] | None = None, **selector: str) -> None:
        """Watch this namespace's workflows chosen by `selector` (label_selector=, field_selector=) until `until`."""
        watch_until(what, wfapi.custom(self.api).list_namespaced_custom_object, wfapi.GROUP, wfapi.VERSION,
                    self.namespace, "workflows", until=until, timeout=timeout, describe=describe or _phases,
                    **selector)

    def wait_cron_runs(self, cron: str, count: int, timeout: float) -> list[str]:
        """Wait until the CronWorkflow has started `count` runs (counted from the runs it records, kept or not)
        and the runs it keeps have finished."""
        started: set[str] = set()

        def enough(runs: list[Workflow]) -> bool:
            started.update(w["metadata"]["name"] for w in runs)
            for name in sorted(started):
                if name not in self.submitted:
                    self.submitted.append(name)
            return len(started) >= count and all(wfapi.phase(w) in wfapi.TERMINAL for w in runs)

        self._watch_workflows(f"CronWorkflow {cron} to start {count} runs", enough, timeout,
                              lambda runs: f"{len(started)} runs seen: {_phases(runs)}",
                              label_selector=f"workflows.argoproj.io/cron-workflow={cron}")
        return sorted(started)

    def wait_cron_history(self, cron: str, succeeded_at_most: int, timeout: float) -> None:
        """Wait until the CronWorkflow keeps no more than `succeeded_at_most` succeeded runs."""

        def kept(runs: list[Workflow]) -> bool:
            return sum(wfapi.phase(w) == "Succeeded" for w in runs) <= succeeded_at_most

        self._watch_workflows(f"CronWorkflow {cron} to keep at most {succeeded_at_most} succeeded run(s)", kept,
                              timeout, lambda runs: f"kept {_phases(runs)}",
                              label_selector=f"workflows.argoproj.io/cron-workflow={cron}")

    def wait_deleted(self, name: str, timeout: float) -> None:
        self._watch_workflows(f"workflow {name} to be garbage-collected", lambda found: not found, timeout,
                              lambda found: f"still there: {_phases(found)}", field_selector=f"metadata.name={name}")
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


def manifest_dirs_beside(test_file: Path) -> list[Path]:
    """Where a check's own manifests live: `manifests/workflows/` and `manifests/` next to its file."""
    return [test_file.parent / "manifests" / "workflows", test_file.parent / "manifests"]


def find_manifest(name: str, first: list[Path]) -> Path:
    """`<name>.yaml` from the first folder of `first` that has it, else from the packaged suites' manifests."""
    looked = [*first, suites_dir() / "manifests" / "workflows"]
    for folder in looked:
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no manifest {name}.yaml in " + ", ".join(str(d) for d in dict.fromkeys(looked)))


def _phases(workflows: list[Workflow]) -> str:
    return ", ".join(f"{w['metadata']['name']}={wfapi.phase(w)}" for w in workflows) or "none"


def _log_change(line: str) -> None:
    log.debug("%s", line)


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
