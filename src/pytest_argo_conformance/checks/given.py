"""Run a workflow as given (your own, or one of Argo's examples): its images prepared without a pull (or the check
skipped with the missing names), submitted unchanged but for the pull policy of local `latest` images, and
required to succeed. Bad input is one line: the API server's refusal names the file."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.checks.templates_hooks import cluster_template, owner_labels
from pytest_argo_conformance.components.argo.runner import WorkflowRunner, pin_images
from pytest_argo_conformance.components.argo.workflows import rejection
from pytest_argo_conformance.components.workflow_images import (
    WorkflowImages,
    images_of,
    pin_pull_policy,
    templated_images,
)
from pytest_argo_conformance.providers.base import Capability, ProviderError, can


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
    missing = [r.reference for r in resolved if not r.available]
    if missing:
        provider = getattr(images.provider, "name", "this")
        pytest.skip(f"images not available to the {provider} cluster (never pulled): {', '.join(missing)}")
    chosen_later = templated_images(manifest)
    if chosen_later and can(images.provider, Capability.HERMETIC):
        pytest.skip(f"images chosen when the workflow runs ({', '.join(chosen_later)}) cannot be prepared on the "
                    f"{images.provider.name} cluster, which never pulls")
    for image in chosen_later:
        note(f"image: {image} is chosen when the workflow runs (the nodes pull it)")
    body, changes = pin_pull_policy(manifest, [r.reference for r in resolved])
    for change in changes:
        note(f"image: {change}")
    return body


DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def storage_missing(manifest: dict[str, Any], runner: WorkflowRunner) -> str | None:
    """Why the workflow's volumeClaimTemplates cannot be bound here (a claim without a class on a cluster without a
    default StorageClass, or a class the cluster lacks), else None."""
    claims = (manifest.get("spec") or {}).get("volumeClaimTemplates") or []
    if not claims:
        return None
    try:
        found = client.StorageV1Api(runner.api).list_storage_class().items
    except ApiException:  # not allowed to look: let the workflow tell
        return None
    metas = [c.metadata for c in found if c.metadata]
    names = {m.name for m in metas}
    default = [m.name for m in metas if (m.annotations or {}).get(DEFAULT_CLASS) == "true"]
    for claim in claims:
        wanted = (claim.get("spec") or {}).get("storageClassName")
        if wanted is None and not default:
            return "its volumeClaimTemplates need a default StorageClass, and this cluster has none"
        if wanted and wanted not in names:
            return f"its volumeClaimTemplates need StorageClass {wanted}, which this cluster lacks"
    return None


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
    lacking = storage_missing(workflow.manifest, runner)
    if lacking:
        pytest.skip(f"{workflow.path.name}: {lacking}")
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


NEEDED_KINDS = ("ConfigMap", "Secret", "WorkflowTemplate", "ClusterWorkflowTemplate")


@contextmanager
def objects_from(files: list[Path], runner: WorkflowRunner) -> Iterator[list[str]]:
    """What an example needs from other example files (ConfigMaps, Secrets, WorkflowTemplates,
    ClusterWorkflowTemplates), made under the run's owner labels for the block's duration and deleted after: the
    cluster-scoped ones through `templates_hooks.cluster_template`, the others in the cell's own namespace."""
    if not files:
        yield []
        return
    dyn = kube.dynamic_client(runner.api)
    made: list[tuple[str, str, str]] = []  # apiVersion, kind, name (in the cell's namespace)
    said: list[str] = []
    with ExitStack() as stack:
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
                    if kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
                        body["spec"].setdefault("serviceAccountName", runner.installation.workflow_service_account)
                    if kind == "ClusterWorkflowTemplate":
                        stack.enter_context(cluster_template(runner, body, name))
                    else:
                        meta = body["metadata"]
                        meta["labels"] = {**(meta.get("labels") or {}), **owner_labels(runner)}
                        meta["namespace"] = runner.namespace
                        kube.apply(dyn, [body])
                        made.append((body["apiVersion"], kind, name))
                    said.append(f"{kind}/{name}")
            yield said
        finally:
            for api_version, kind, name in reversed(made):
                resource = dyn.resources.get(api_version=api_version, kind=kind)
                kube.delete_quietly(resource.delete, name=name, namespace=runner.namespace)
