"""The Kubernetes layer: clients, server-side apply, kustomize, waits, and the pod watch (what every component uses)."""

from pytest_argo_conformance.kube.client import (
    COMPONENT_LABEL,
    FIELD_MANAGER,
    OWNED_LABEL,
    RUN_LABEL,
    api_client,
    apply,
    delete_if_owned,
    delete_quietly,
    dynamic_client,
    namespace_owner,
    object_owner,
)
from pytest_argo_conformance.kube.kustomize import KustomizeError, kustomize
from pytest_argo_conformance.kube.ownership import (
    RunLease,
    acquire,
    collect_garbage,
    labels_of,
    locked,
    owner_labels,
    release,
)
from pytest_argo_conformance.kube.waits import (
    GiveUp,
    WaitTimeout,
    delete_namespace,
    deployment_available,
    wait_for,
    watch_until,
)

__all__ = [
    "FIELD_MANAGER",
    "COMPONENT_LABEL",
    "OWNED_LABEL",
    "RUN_LABEL",
    "GiveUp",
    "KustomizeError",
    "RunLease",
    "acquire",
    "collect_garbage",
    "locked",
    "labels_of",
    "owner_labels",
    "release",
    "WaitTimeout",
    "api_client",
    "apply",
    "delete_namespace",
    "delete_if_owned",
    "delete_quietly",
    "namespace_owner",
    "object_owner",
    "deployment_available",
    "dynamic_client",
    "kustomize",
    "wait_for",
    "watch_until",
]
