"""The Kubernetes layer: clients, server-side apply, waits, and the pod watch (what every component uses)."""

from pytest_argo_conformance.kube.client import (
    FIELD_MANAGER,
    OWNED_LABEL,
    WaitTimeout,
    api_client,
    apply,
    delete_namespace,
    delete_quietly,
    dynamic_client,
    namespace_gone,
    wait_for,
)

__all__ = [
    "FIELD_MANAGER",
    "OWNED_LABEL",
    "WaitTimeout",
    "api_client",
    "apply",
    "delete_namespace",
    "delete_quietly",
    "dynamic_client",
    "namespace_gone",
    "wait_for",
]
