"""Install Kueue into a cluster, wait until its webhooks answer, and remove it leaving nothing behind; or use the
cluster's own Kueue as it is (`--argo-kueue existing`). The suite's Kueue is shared by live runs of the same
release (kube/ownership.py): a run that needs another release waits until no live run uses the first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.kueue import manifests
from pytest_argo_conformance.components.kueue.queues import GROUP, MANAGED_FINALIZER, VERSION
from pytest_argo_conformance.config.timeouts import CONTROLLER_READY, NAMESPACE_GONE
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.process import signals


class KueueInstallError(RuntimeError):
    """Kueue did not come up; the message carries what was seen (pod states, controller log tail)."""


COMPONENT = "kueue"  # its name among the components live runs share
EXISTING = "existing"  # --argo-kueue existing: the cluster's own Kueue, used as it is
CONFIG_MAP = "kueue-manager-config"


@dataclass
class KueueInstallation:
    release: str
    image: str
    source: Path | None  # None: the cluster's own Kueue (`attach`)
    api: client.ApiClient | None
    cluster_objects: list[tuple[str, str, str]] = field(default_factory=list)  # (apiVersion, kind, name)
    lease: kube.RunLease | None = None
    frameworks: list[str] = field(default_factory=list)  # the cluster's own Kueue: its configured integrations

    @property
    def integrations(self) -> list[str]:
        if self.source is None:
            return sorted({f.rsplit("/", 1)[-1].replace(".", "") for f in self.frameworks})
        return manifests.integrations(self.source)

    def supports_workflows(self) -> bool:
        """Can this release admit an Argo Workflow (or one layer of it) as a unit? Only with an Argo integration."""
        return any(name in ("workflow", "argo", "argoworkflow") for name in self.integrations)

    def controller_log(self, tail: int = 60) -> str:
        from pytest_argo_conformance.components.argo.install import pod_logs

        assert self.api is not None
        return pod_logs(client.CoreV1Api(self.api), manifests.NAMESPACE, "control-plane=controller-manager", tail)

    def uninstall(self) -> None:
        """Stop using Kueue: the last live run that used the suite's Kueue removes it; the cluster's own stays."""
        if self.api is None:
            return
        if self.source is not None and self.lease is not None:
            kube.release(self.lease, COMPONENT, self.release, self._remove)
        self.api = None

    def _remove(self) -> None:
        """Release pods Kueue still holds (its finalizer), then delete its namespace and cluster-wide objects."""
        assert self.api is not None
        core = client.CoreV1Api(self.api)
        for ns in core.list_namespace(label_selector=f"{kube.OWNED_LABEL}=true").items:
            release_pods(core, objects.name(ns))  # only in the suite's own namespaces
        dyn = kube.dynamic_client(self.api)
        for api_version, kind, name in self.cluster_objects:
            if kind == "CustomResourceDefinition":
                continue  # after the namespace: CRs of Kueue's kinds must be gone first
            kube.delete_if_owned(dyn, api_version, kind, name)
        if kube.namespace_owner(core, manifests.NAMESPACE) == "ours":
            kube.delete_namespace(core, manifests.NAMESPACE, NAMESPACE_GONE)
        for api_version, kind, name in self.cluster_objects:
            if kind == "CustomResourceDefinition":
                kube.delete_if_owned(dyn, api_version, kind, name)


def release_pods(core: client.CoreV1Api, namespace: str | None = None) -> int:
    """Remove Kueue's finalizer from pods that still carry it (Kueue removes it itself while it runs)."""
    selector = "kueue.x-k8s.io/managed=true"
    pods = (core.list_namespaced_pod(namespace, label_selector=selector) if namespace
            else core.list_pod_for_all_namespaces(label_selector=selector)).items
    released = 0
    for pod in pods:
        finalizers = objects.meta(pod).finalizers or []
        if MANAGED_FINALIZER in finalizers:
            keep = [f for f in finalizers if f != MANAGED_FINALIZER]
            try:
                # None, not []: the client's strategic merge patch leaves a list alone when given an empty one
                core.patch_namespaced_pod(objects.name(pod), objects.namespace(pod),
                                          {"metadata": {"finalizers": keep or None}})
                released += 1
            except ApiException as exc:
                if exc.status != 404:
                    raise
    return released


def install(lease: kube.RunLease, release: str, image: str, source: Path) -> KueueInstallation:
    """Apply Kueue's fitted manifests and wait for the controller and its webhooks (or share the same release
    another live run installed); undo everything on failure."""
    fitted = manifests.fitted(manifests.render(source), image, kube.owner_labels(lease.run_id, COMPONENT))
    inst = KueueInstallation(release, image, source, lease.api, lease=lease)
    inst.cluster_objects = [
        (o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in fitted if "namespace" not in o["metadata"]
        and o["kind"] != "Namespace"
    ]
    # Before anything is made or removed: Kueue objects the suite did not create stop the install, untouched.
    unowned = _unowned(lease.api, fitted)
    if unowned:
        raise KueueInstallError(
            f"this cluster already has Kueue objects argo-conformance did not create ({', '.join(unowned[:4])}"
            f"{', ...' if len(unowned) > 4 else ''}); they are left as they are: run the Kueue checks against it "
            "with --argo-kueue existing, or use a cluster without Kueue")

    def set_up(shared: bool) -> None:
        if shared:  # another live run installed this release: use it as it is
            _wait_ready(inst)
            return
        core = client.CoreV1Api(lease.api)
        try:
            if kube.namespace_owner(core, manifests.NAMESPACE) == "ours":
                kube.delete_namespace(core, manifests.NAMESPACE, NAMESPACE_GONE)  # left by a run that is gone
            kube.apply(kube.dynamic_client(lease.api), fitted)
            _wait_ready(inst)
        except BaseException:
            with signals.deferred():  # a SIGTERM that stopped the install waits for this clean-up
                inst._remove()
            raise

    kube.acquire(lease, COMPONENT, release, set_up)
    return inst


def attach(api: client.ApiClient) -> KueueInstallation:
    """The cluster's own Kueue, used as it is (nothing of it is changed or removed): its release from the
    controller's image tag, its integrations from its configuration."""
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    try:
        deployment = apps.read_namespaced_deployment(manifests.DEPLOYMENT, manifests.NAMESPACE)
    except ApiException as exc:
        if exc.status != 404:
            raise
        raise KueueInstallError(f"--argo-kueue existing: this cluster has no Kueue (no Deployment "
                                f"{manifests.NAMESPACE}/{manifests.DEPLOYMENT}); install Kueue or give a release "
                                "for the suite to install") from None
    template = objects.present(deployment.spec, "spec").template
    image = str(objects.present(template.spec, "spec.template.spec").containers[0].image)
    release = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else "unknown"
    frameworks: list[str] = []
    try:
        data = core.read_namespaced_config_map(CONFIG_MAP, manifests.NAMESPACE).data or {}
        config = yaml.safe_load(next(iter(data.values()), "") or "") or {}
        frameworks = list((config.get("integrations") or {}).get("frameworks") or [])
    except ApiException as exc:
        if exc.status != 404:
            raise
    inst = KueueInstallation(release, image, None, api, frameworks=frameworks)
    _wait_ready(inst)
    return inst


def _unowned(api: client.ApiClient, fitted: list[dict[str, Any]]) -> list[str]:
    """`Kind/name` of each object the install would write that exists without the suite's owner label."""
    dyn = kube.dynamic_client(api)
    return [f"{o['kind']}/{o['metadata']['name']}" for o in fitted
            if kube.object_owner(dyn, o["apiVersion"], o["kind"], o["metadata"]["name"],
                                 o["metadata"].get("namespace")) == "theirs"]


def _wait_ready(inst: KueueInstallation) -> None:
    from pytest_argo_conformance.components.argo.install import wait_available

    assert inst.api is not None
    try:
        wait_available(inst.api, manifests.NAMESPACE, manifests.DEPLOYMENT, CONTROLLER_READY)
        # Ready also needs the webhooks reachable through the Service, with the CA Kueue injected: a dry-run
        # create goes through the mutating and validating webhooks of ResourceFlavor.
        custom = client.CustomObjectsApi(inst.api)
        probe_body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "ResourceFlavor",
                      "metadata": {"name": "argo-conformance-probe"}}

        def webhook_answers() -> tuple[bool, str]:
            custom.create_cluster_custom_object(GROUP, VERSION, "resourceflavors", probe_body, dry_run="All")
            return True, "webhook answered"

        kube.wait_for("Kueue's webhooks to answer (a dry-run ResourceFlavor)", webhook_answers, CONTROLLER_READY)
    except kube.WaitTimeout as exc:
        raise KueueInstallError(f"{exc}\n--- kueue controller log ---\n{inst.controller_log(40)}") from None
