"""Install Kueue into a cluster, wait until its webhooks answer, and remove it leaving nothing behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.kueue import manifests
from pytest_argo_conformance.components.kueue.queues import GROUP, MANAGED_FINALIZER, VERSION
from pytest_argo_conformance.config.timeouts import CONTROLLER_READY, NAMESPACE_GONE
from pytest_argo_conformance.kube import objects


class KueueInstallError(RuntimeError):
    """Kueue did not come up; the message carries what was seen (pod states, controller log tail)."""


@dataclass
class KueueInstallation:
    release: str
    image: str
    source: Path
    api: client.ApiClient | None
    cluster_objects: list[tuple[str, str, str]] = field(default_factory=list)  # (apiVersion, kind, name)

    @property
    def integrations(self) -> list[str]:
        return manifests.integrations(self.source)

    def supports_workflows(self) -> bool:
        """Can this release admit an Argo Workflow (or one layer of it) as a unit? Only with an Argo integration."""
        return any(name in ("workflow", "argo", "argoworkflow") for name in self.integrations)

    def controller_log(self, tail: int = 60) -> str:
        from pytest_argo_conformance.components.argo.install import pod_logs

        assert self.api is not None
        return pod_logs(client.CoreV1Api(self.api), manifests.NAMESPACE, "control-plane=controller-manager", tail)

    def uninstall(self) -> None:
        """Release pods Kueue still holds (its finalizer), then delete its namespace and cluster-wide objects."""
        if self.api is None:
            return
        core = client.CoreV1Api(self.api)
        release_pods(core)
        dyn = kube.dynamic_client(self.api)
        for api_version, kind, name in self.cluster_objects:
            if kind == "CustomResourceDefinition":
                continue  # after the namespace: CRs of Kueue's kinds must be gone first
            kube.delete_quietly(dyn.resources.get(api_version=api_version, kind=kind).delete, name=name)
        kube.delete_namespace(core, manifests.NAMESPACE, NAMESPACE_GONE)
        for api_version, kind, name in self.cluster_objects:
            if kind == "CustomResourceDefinition":
                kube.delete_quietly(dyn.resources.get(api_version=api_version, kind=kind).delete, name=name)
        self.api.close()
        self.api = None


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
                core.patch_namespaced_pod(objects.name(pod), objects.namespace(pod), {"metadata": {"finalizers": keep}})
                released += 1
            except ApiException as exc:
                if exc.status != 404:
                    raise
    return released


def install(api: client.ApiClient, release: str, image: str, source: Path) -> KueueInstallation:
    """Apply Kueue's fitted manifests and wait for the controller and its webhooks; undo everything on failure."""
    fitted = manifests.fitted(manifests.render(source), image, {kube.OWNED_LABEL: "true"})
    inst = KueueInstallation(release, image, source, api)
    inst.cluster_objects = [
        (o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in fitted if "namespace" not in o["metadata"]
        and o["kind"] != "Namespace"
    ]
    core = client.CoreV1Api(api)
    try:
        if not kube.namespace_gone(core, manifests.NAMESPACE)[0]:
            labels = objects.labels_of(core.read_namespace(manifests.NAMESPACE))
            if labels.get(kube.OWNED_LABEL) != "true":
                raise KueueInstallError(f"namespace {manifests.NAMESPACE} exists and was not created by "
                                        "argo-conformance: this cluster already runs Kueue; remove it or use "
                                        "another cluster")
            kube.delete_namespace(core, manifests.NAMESPACE, NAMESPACE_GONE)  # a leftover of an interrupted run
        kube.apply(kube.dynamic_client(api), fitted)
        _wait_ready(inst)
    except BaseException:
        inst.uninstall()
        raise
    return inst


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
