"""Kueue's manifests, rendered from the release's own `config/default` with kustomize, then fitted to the suite.

`kubectl kustomize` renders exactly what Kueue's release `manifests.yaml` holds. The suite then:
- runs the controller from the given image, with small requests (the node is shared with the workflows) and
  no leader election;
- replaces the Configuration: only the `pod` integration, and only in namespaces labelled
  `argo-conformance/kueue=enabled` (the checks' namespaces); `waitForPodsReady` without blocking admission, for the
  Workloads' PodsReady condition;
- keeps the webhooks for pods and for Kueue's own kinds only, the pod webhooks limited to those namespaces:
  a cluster where Kueue is down (or being removed) still creates every other pod and Job;
- drops the visibility APIServices (the checks do not use them; an unreachable one breaks API discovery).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.kube.kustomize import KustomizeError, kustomize

NAMESPACE = "kueue-system"
DEPLOYMENT = "kueue-controller-manager"
CONFIGMAP = "kueue-manager-config"
ENABLED_LABEL = "argo-conformance/kueue"  # value "enabled" on the namespaces Kueue manages
OWN_KINDS = {"clusterqueues", "resourceflavors", "workloads", "cohorts", "localqueues", "workloadpriorityclasses"}

Obj = dict[str, Any]


class KueueManifestError(RuntimeError):
    """Kueue's manifests cannot be rendered; the message says why."""


def render(source: Path) -> list[Obj]:
    """`kubectl kustomize config/default` of a Kueue source tree."""
    config = source / "config" / "default"
    if not (config / "kustomization.yaml").is_file():
        raise KueueManifestError(f"{config} has no kustomization.yaml: is {source} a Kueue source tree?")
    try:
        return kustomize(config)
    except KustomizeError as exc:
        raise KueueManifestError(str(exc)) from None


def configuration() -> Obj:
    """The controller's Configuration (config.kueue.x-k8s.io/v1beta2)."""
    return {
        "apiVersion": "config.kueue.x-k8s.io/v1beta2",
        "kind": "Configuration",
        "health": {"healthProbeBindAddress": ":8081"},
        "metrics": {"bindAddress": ":8443"},
        "webhook": {"port": 9443},
        "leaderElection": {"leaderElect": False},
        "internalCertManagement": {"enable": True},
        "managedJobsNamespaceSelector": {"matchLabels": {ENABLED_LABEL: "enabled"}},
        "integrations": {"frameworks": ["pod"]},
        # Only for the Workloads' PodsReady condition, which says that Kueue has seen the pods run; admission is
        # not blocked, and every check's pods are ready within seconds of admission.
        "waitForPodsReady": {"timeout": "5m", "blockAdmission": False},
    }


def fitted(objects: list[Obj], image: str, labels: dict[str, str]) -> list[Obj]:
    """The rendered objects made ready for the suite's cluster (see the module docstring)."""
    out = []
    for obj in objects:
        kind = obj["kind"]
        if kind == "APIService":
            continue
        if kind == "Deployment" and obj["metadata"]["name"] == DEPLOYMENT:
            _controller(obj, image)
        elif kind == "ConfigMap" and obj["metadata"]["name"] == CONFIGMAP:
            obj["data"] = {"controller_manager_config.yaml": yaml.safe_dump(configuration())}
        elif kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            obj["webhooks"] = [_limited(w) for w in obj["webhooks"] if _kept(w)]
        obj["metadata"].setdefault("labels", {}).update(labels)
        out.append(obj)
    return out


def _controller(deployment: Obj, image: str) -> None:
    spec = deployment["spec"]["template"]["spec"]
    manager = next(c for c in spec["containers"] if c["name"] == "manager")
    manager["image"] = image
    manager["imagePullPolicy"] = "IfNotPresent"
    manager["resources"] = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "512Mi"}}
    manager["readinessProbe"] = {**manager.get("readinessProbe", {}), "initialDelaySeconds": 1, "periodSeconds": 1}
    manager.get("livenessProbe", {})["initialDelaySeconds"] = 30


def _kept(webhook: Obj) -> bool:
    resources = {r for rule in webhook.get("rules", []) for r in rule.get("resources", [])}
    return "pods" in resources or bool(resources & OWN_KINDS) or any(r.split("/")[0] in OWN_KINDS for r in resources)


def _limited(webhook: Obj) -> Obj:
    resources = {r for rule in webhook.get("rules", []) for r in rule.get("resources", [])}
    if "pods" in resources:
        webhook["namespaceSelector"] = {"matchLabels": {ENABLED_LABEL: "enabled"}}
    return webhook


def integrations(source: Path) -> list[str]:
    """The job integrations a Kueue source tree has (`pkg/controller/jobs/<name>`): what its release can manage."""
    jobs = source / "pkg" / "controller" / "jobs"
    return sorted(p.name for p in jobs.iterdir() if p.is_dir()) if jobs.is_dir() else []
