"""What of the suite's is left in a cluster: every object of the kinds the suite creates that carries its owner
label (the e2e tests assert that a run, however it ended, leaves none)."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance import kube

OWNED_KINDS = (
    ("v1", "Namespace"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("coordination.k8s.io/v1", "Lease"),
)


def ours_left(cluster: Any) -> list[str]:
    """`Kind/name` of each object in `cluster` (a ClusterInfo) that carries the suite's owner label."""
    api = kube.api_client(cluster)
    try:
        dyn = kube.dynamic_client(api)
        return [f"{kind}/{o.metadata.name}" for api_version, kind in OWNED_KINDS
                for o in dyn.resources.get(api_version=api_version, kind=kind).get(
                    label_selector=f"{kube.OWNED_LABEL}=true").items]
    finally:
        api.close()
