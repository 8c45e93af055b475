"""What a check uses to run workflows in its cell: load a manifest, submit it, wait, look at its pods.

Every workflow a test submits is remembered, so that a failing test's report carries its node tree, YAML,
controller log tail, events and failing pod logs (see `diagnostics.py`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from .argo import workflows as wfapi
from .argo.install import WORKFLOW_SA, Installation
from .resources import suites_dir
from .timeouts import WORKFLOW_DEFAULT
from .versions import pinned

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

    def load(self, name: str) -> Workflow:
        """A manifest from suites/manifests/workflows/<name>.yaml, with short image names pinned."""
        path = suites_dir() / "manifests" / "workflows" / f"{name}.yaml"
        return load_manifest(path)

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
        return wfapi.wait(self.api, self.namespace, name, until, what, timeout, self.progress, fail_fast)

    def wait_phase(self, name: str, phase: str, timeout: float = WORKFLOW_DEFAULT) -> Workflow:
        return self.wait(name, lambda wf: wfapi.phase(wf) == phase, f"reach phase {phase}", timeout,
                         fail_fast=phase == "Succeeded")

    def run(self, manifest: Workflow, timeout: float = WORKFLOW_DEFAULT) -> Workflow:
        """Submit and wait for Succeeded (failing at once if it fails or errors)."""
        return self.wait_phase(self.submit(manifest), "Succeeded", timeout)

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
