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
OWNED_LABEL = "argo-conformance/owned"  # on everything the suite creates; teardown deletes by it


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


def namespace_owner(core: client.CoreV1Api, name: str) -> str:
    """Who has namespace `name`: "absent", "ours" (it carries OWNED_LABEL) or "theirs" (never touch it)."""
    try:
        ns = core.read_namespace(name, _request_timeout=API_REQUEST)
    except ApiException as exc:
        if exc.status == 404:
            return "absent"
        raise
    labels = (ns.metadata.labels or {}) if ns.metadata else {}
    return "ours" if labels.get(OWNED_LABEL) == "true" else "theirs"
