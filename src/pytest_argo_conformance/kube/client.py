"""Kubernetes through the official client: clients for a cluster, server-side apply, quiet deletes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from kubernetes import client, dynamic
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.config.timeouts import API_REQUEST

FIELD_MANAGER = "argo-conformance"
OWNED_LABEL = "argo-conformance/owned"  # "true" on everything the suite creates; never on the user's objects
RUN_LABEL = "argo-conformance/run"  # the id of the run that created it (see ownership.py)
COMPONENT_LABEL = "argo-conformance/component"  # on the objects of a component that live runs share


class Reachable(Protocol):
    """How to reach a cluster (a provider's ClusterInfo is one)."""

    @property
    def kubeconfig(self) -> Path: ...

    @property
    def context(self) -> str | None: ...


def api_client(cluster: Reachable) -> client.ApiClient:
    api: client.ApiClient = kube_config.new_client_from_config(str(cluster.kubeconfig), context=cluster.context)
    return api


def dynamic_client(api: client.ApiClient) -> dynamic.DynamicClient:
    return dynamic.DynamicClient(api)


def apply(dyn: dynamic.DynamicClient, objects: Iterable[dict[str, Any]]) -> None:
    """Server-side apply each object (CRDs first, so later objects of their kinds resolve)."""
    ordered = sorted(objects, key=lambda o: 0 if o["kind"] == "CustomResourceDefinition" else 1)
    for obj in ordered:
        resource = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace") if resource.namespaced else None
        resource.server_side_apply(
            body=obj,
            name=obj["metadata"]["name"],
            namespace=namespace,
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
            _request_timeout=API_REQUEST,
        )


def delete_quietly(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Delete something that may already be gone."""
    try:
        call(*args, **kwargs)
    except ApiException as exc:
        if exc.status != 404:
            raise


def object_owner(dyn: dynamic.DynamicClient, api_version: str, kind: str, name: str,
                 namespace: str | None = None, run_id: str | None = None) -> str:
    """Who has that object: "absent", "ours" (it carries OWNED_LABEL, and RUN_LABEL=run_id when a run is given),
    "another run's" (OWNED_LABEL of another run) or "theirs" (the user's: read it, never touch it)."""
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    try:
        found = resource.get(name=name, namespace=namespace if resource.namespaced else None,
                             _request_timeout=API_REQUEST)
    except ApiException as exc:
        if exc.status == 404:
            return "absent"
        raise
    labels = (found.metadata.labels or {}) if found.metadata else {}
    if labels.get(OWNED_LABEL) != "true":
        return "theirs"
    return "ours" if run_id is None or labels.get(RUN_LABEL) == run_id else "another run's"


def namespace_owner(core: client.CoreV1Api, name: str, run_id: str | None = None) -> str:
    """`object_owner` of namespace `name`."""
    return object_owner(dynamic_client(core.api_client), "v1", "Namespace", name, run_id=run_id)


def delete_if_owned(dyn: dynamic.DynamicClient, api_version: str, kind: str, name: str,
                    run_id: str | None = None) -> None:
    """Delete a cluster-scoped object only if it carries OWNED_LABEL (and this run's RUN_LABEL when run_id is
    given): never one of the user's or of another run."""
    if object_owner(dyn, api_version, kind, name, run_id=run_id) == "ours":
        delete_quietly(dyn.resources.get(api_version=api_version, kind=kind).delete, name=name)
