"""Run a workflow as given (your own, or one of Argo's examples): its images prepared without a pull (or the check
skipped with the missing names), submitted unchanged but for the pull policy of local `latest` images, and
required to succeed. Bad input is one line: the API server's refusal names the file."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.checks.templates_hooks import owner_labels
from pytest_argo_conformance.components.argo.runner import WorkflowRunner, pin_images
from pytest_argo_conformance.components.argo.workflows import rejection
from pytest_argo_conformance.components.workflow_images import (
    MISSING,
    WorkflowImages,
    images_of,
    pin_pull_policy,
    templated_images,
)
from pytest_argo_conformance.providers.base import ProviderError


def prepare_images(manifest: dict[str, Any], images: WorkflowImages, note: Callable[[str], None], what: str
                   ) -> dict[str, Any]:
    """Get the workflow's images onto the cluster (or skip the check with the missing names), note where each came
    from; returns the workflow to submit (local `latest` images pinned to IfNotPresent, each change noted)."""
    try:
        resolved = images.resolve(images_of(manifest))
    except ProviderError as exc:
        pytest.fail(f"{what}: its images could not be loaded: {exc}", pytrace=False)
    for found in resolved:
        said = found.note()
        if said:
            note(f"image: {said}")
    missing = [r.reference for r in resolved if r.how == MISSING]
    if missing:
        provider = getattr(images.provider, "name", "this")
        pytest.skip(f"images not available to the {provider} cluster (never pulled): {', '.join(missing)}")
    for image in templated_images(manifest):
        note(f"image: {image} is chosen when the workflow runs (not prepared; a missing one fails the pod)")
    body, changes = pin_pull_policy(manifest, [r.reference for r in resolved])
    for change in changes:
        note(f"image: {change}")
    return body


class GivenWorkflow(Protocol):
    path: Path
    manifest: dict[str, Any]

    @property
    def skip_reason(self) -> str | None: ...


def run_as_given(workflow: GivenWorkflow, images: WorkflowImages, runner: WorkflowRunner,
                 note: Callable[[str], None], timeout: float) -> dict[str, Any]:
    """Submit `workflow` and wait for Succeeded; returns the finished workflow."""
    if workflow.skip_reason:
        pytest.skip(workflow.skip_reason)
    body = prepare_images(workflow.manifest, images, note, workflow.path.name)
    refused: str | None = None
    try:
        name = runner.submit(body)
    except ApiException as exc:
        refused = rejection(exc)
        if refused is None:
            raise
    if refused is not None:  # outside the handler: the report is the one line, without the exception chain
        # run as given (no dialect conversion): a manifest this build's API refuses is reported as such
        pytest.fail(f"{workflow.path.name}: the API server rejected the workflow, so it never reached the "
                    f"controller: {refused}", pytrace=False)
    return runner.wait_phase(name, "Succeeded", timeout=timeout)


@contextmanager
def objects_from(files: list[Path], runner: WorkflowRunner) -> Iterator[list[str]]:
    """What an example needs from other example files (ConfigMaps, Secrets, WorkflowTemplates,
    ClusterWorkflowTemplates), made under the run's owner labels for the block's duration and deleted after."""
    dyn = kube.dynamic_client(runner.api)
    lease = getattr(runner.installation, "lease", None)
    run_id = lease.run_id if isinstance(lease, kube.RunLease) else None
    made: list[tuple[str, str, str, str | None]] = []  # apiVersion, kind, name, namespace
    try:
        for path in files:
            with path.open(encoding="utf-8") as fh:
                docs = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]
            for doc in docs:
                kind, name = doc.get("kind"), (doc.get("metadata") or {}).get("name")
                if kind not in NEEDED_KINDS or not name:
                    raise ValueError(f"{path.name}: a {kind} named {name!r} is not something the lane makes "
                                     f"(it makes {', '.join(NEEDED_KINDS)})")
                body = copy.deepcopy(doc)
                pin_images(body)
                namespace = None if kind == "ClusterWorkflowTemplate" else runner.namespace
                meta = body["metadata"]
                meta["labels"] = {**(meta.get("labels") or {}), **owner_labels(runner)}
                if namespace is not None:
                    meta["namespace"] = namespace
                if kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
                    body["spec"].setdefault("serviceAccountName", runner.installation.workflow_service_account)
                kube.apply(dyn, [body])
                made.append((body["apiVersion"], kind, name, namespace))
        yield [f"{kind}/{name}" for _, kind, name, _ in made]
    finally:
        for api_version, kind, name, namespace in reversed(made):
            if namespace is None:
                kube.delete_if_owned(dyn, api_version, kind, name, run_id=run_id)
            else:  # in the cell's own namespace
                resource = dyn.resources.get(api_version=api_version, kind=kind)
                kube.delete_quietly(resource.delete, name=name, namespace=namespace)


NEEDED_KINDS = ("ConfigMap", "Secret", "WorkflowTemplate", "ClusterWorkflowTemplate")
