"""Kubernetes through the official client: clients for a cluster, server-side apply, named waits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from kubernetes import client, config as kube_config, dynamic
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.providers.base import ClusterInfo
from pytest_argo_conformance.config.timeouts import API_REQUEST

FIELD_MANAGER = "argo-conformance"
OWNED_LABEL = "argo-conformance/owned"  # on everything the suite creates; teardown deletes by it
T = TypeVar("T")


class WaitTimeout(AssertionError):
    """A wait ran out: says what it waited for, for how long, and what it saw last."""


def api_client(cluster: ClusterInfo) -> client.ApiClient:
    return kube_config.new_client_from_config(str(cluster.kubeconfig), context=cluster.context)


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


def wait_for(
    what: str, probe: Callable[[], tuple[bool, T]], timeout: float, interval: float = 1.0
) -> T:
    """Poll `probe` (returns (done, seen)) until done; on timeout raise WaitTimeout with the last thing seen."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while True:
        try:
            done, seen = probe()
        except ApiException as exc:
            done, seen = False, f"API error {exc.status} {exc.reason}"
        if done:
            return seen  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {seen}")
        time.sleep(interval)


def namespace_gone(core: client.CoreV1Api, name: str) -> tuple[bool, str]:
    """A probe for `wait_for`: is namespace `name` gone?"""
    try:
        ns = core.read_namespace(name)
    except ApiException as exc:
        if exc.status == 404:
            return True, "gone"
        raise
    return False, f"phase {ns.status.phase}"


def delete_namespace(core: client.CoreV1Api, name: str, timeout: float) -> None:
    """Delete a namespace and wait until it is gone (so that a new one of that name can be made)."""
    delete_quietly(core.delete_namespace, name)
    wait_for(f"namespace {name} to be deleted", lambda: namespace_gone(core, name), timeout)
