"""Kueue objects the checks create (ResourceFlavor, ClusterQueue, LocalQueue, WorkloadPriorityClass) and the
waits on what Kueue does with a workflow's pods (Workload admission, scheduling-gate removal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.gpus import GPU
from pytest_argo_conformance.config.timeouts import KUEUE_ADMISSION
from pytest_argo_conformance.kube import objects

GROUP = "kueue.x-k8s.io"
VERSION = "v1beta1"  # the storage version of v0.15; served by every release the suite supports
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
PRIORITY_LABEL = "kueue.x-k8s.io/priority-class"
ADMISSION_GATE = "kueue.x-k8s.io/admission"
MANAGED_FINALIZER = "kueue.x-k8s.io/managed"

Obj = dict[str, Any]


@dataclass(frozen=True)
class Quota:
    """Nominal quota of a ClusterQueue: cpu and memory as Kubernetes quantities, whole GPUs."""

    cpu: str = "4"
    memory: str = "4Gi"
    gpu: int = 0


@dataclass
class Queues:
    """The queues of one check: a ResourceFlavor, a ClusterQueue and a LocalQueue in the check's namespace."""

    api: client.ApiClient
    namespace: str
    name: str  # of all three objects (and the priority classes' prefix)
    quota: Quota
    created: list[tuple[str, str | None]] = field(default_factory=list)  # (plural, namespace)
    priority_classes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=lambda: {kube.OWNED_LABEL: "true"})  # the run's owner labels

    @property
    def local_queue(self) -> str:
        return self.name

    def create(self, preemption: bool = False) -> None:
        custom = client.CustomObjectsApi(self.api)
        owned = self.labels
        flavor = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "ResourceFlavor",
                  "metadata": {"name": self.name, "labels": owned}}
        resources = [("cpu", self.quota.cpu), ("memory", self.quota.memory), (GPU, self.quota.gpu)]
        cq: Obj = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "ClusterQueue",
            "metadata": {"name": self.name, "labels": owned},
            "spec": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": self.namespace}},
                "resourceGroups": [{
                    "coveredResources": [r for r, _ in resources],
                    "flavors": [{"name": self.name,
                                 "resources": [{"name": r, "nominalQuota": q} for r, q in resources]}],
                }],
            },
        }
        if preemption:
            cq["spec"]["preemption"] = {"withinClusterQueue": "LowerPriority"}
        lq = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "LocalQueue",
              "metadata": {"name": self.name, "namespace": self.namespace, "labels": owned},
              "spec": {"clusterQueue": self.name}}
        for plural, body, ns in (("resourceflavors", flavor, None), ("clusterqueues", cq, None),
                                 ("localqueues", lq, self.namespace)):
            if ns:
                custom.create_namespaced_custom_object(GROUP, VERSION, ns, plural, body)
            else:
                custom.create_cluster_custom_object(GROUP, VERSION, plural, body)
            self.created.append((plural, ns))
        kube.watch_until(f"ClusterQueue {self.name} to be active", custom.list_cluster_custom_object,
                         GROUP, VERSION, "clusterqueues", field_selector=f"metadata.name={self.name}",
                         until=lambda found: any(_condition(cq, "Active") == "True" for cq in found),
                         timeout=KUEUE_ADMISSION, describe=_active)

    def priority_class(self, suffix: str, value: int) -> str:
        """A WorkloadPriorityClass; pods choose it with the label kueue.x-k8s.io/priority-class."""
        name = f"{self.name}-{suffix}"
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "WorkloadPriorityClass",
                "metadata": {"name": name, "labels": self.labels}, "value": value}
        client.CustomObjectsApi(self.api).create_cluster_custom_object(GROUP, VERSION, "workloadpriorityclasses", body)
        self.priority_classes.append(name)
        return name

    def delete(self) -> None:
        """LocalQueue, ClusterQueue, ResourceFlavor and priority classes; pods Kueue still holds are released."""
        custom = client.CustomObjectsApi(self.api)
        for plural, ns in reversed(self.created):
            if ns:
                kube.delete_quietly(custom.delete_namespaced_custom_object, GROUP, VERSION, ns, plural, self.name)
            else:
                kube.delete_quietly(custom.delete_cluster_custom_object, GROUP, VERSION, plural, self.name)
        for name in self.priority_classes:
            kube.delete_quietly(custom.delete_cluster_custom_object, GROUP, VERSION, "workloadpriorityclasses", name)
        self.created.clear()

    # --- what Kueue made of the pods -------------------------------------------------------------------------

    def workloads(self) -> list[Obj]:
        listed = client.CustomObjectsApi(self.api).list_namespaced_custom_object(
            GROUP, VERSION, self.namespace, "workloads")
        items = objects.custom_object(listed)["items"]
        return list(items)

    def workload_of(self, pod_uid: str) -> Obj | None:
        return _owned_by(self.workloads(), pod_uid)

    def wait_condition(self, pod_uid: str, condition: str, timeout: float = KUEUE_ADMISSION) -> Obj:
        """Wait until the Workload of a pod has `condition` True (Admitted, PodsReady, Finished, ...)."""

        def has(workloads: list[Obj]) -> bool:
            workload = _owned_by(workloads, pod_uid)
            return workload is not None and _condition(workload, condition) == "True"

        def describe(workloads: list[Obj]) -> str:
            workload = _owned_by(workloads, pod_uid)
            if workload is None:
                return f"no Workload of the pod yet ({len(workloads)} in {self.namespace})"
            return describe_workload(workload)

        found = kube.watch_until(f"the Workload of pod {pod_uid} to be {condition}",
                                 client.CustomObjectsApi(self.api).list_namespaced_custom_object,
                                 GROUP, VERSION, self.namespace, "workloads",
                                 until=has, timeout=timeout, describe=describe)
        workload = _owned_by(found, pod_uid)
        assert workload is not None
        return workload


def _owned_by(workloads: list[Obj], pod_uid: str) -> Obj | None:
    for wl in workloads:
        if any(ref.get("uid") == pod_uid for ref in wl["metadata"].get("ownerReferences", [])):
            return wl
    return None


def _active(found: list[Obj]) -> str:
    if not found:
        return "no such ClusterQueue"
    active = {c["type"]: c for c in found[0].get("status", {}).get("conditions", [])}.get("Active", {})
    return f"Active={active.get('status')} {active.get('reason', '')} {active.get('message', '')}".strip()


def admitted(workload: Obj) -> bool:
    return _condition(workload, "Admitted") == "True"


def finished(workload: Obj) -> bool:
    return _condition(workload, "Finished") == "True"


def _condition(workload: Obj, kind: str) -> str | None:
    for cond in workload.get("status", {}).get("conditions", []):
        if cond["type"] == kind:
            return str(cond["status"])
    return None


def describe_workload(workload: Obj) -> str:
    conds = ", ".join(f"{c['type']}={c['status']}({c.get('reason', '')})"
                      for c in workload.get("status", {}).get("conditions", []))
    spec = workload.get("spec", {})
    priority = f"priority {spec.get('priority')} ({spec.get('priorityClassName') or 'no class'})"
    return f"{workload['metadata']['name']}: {priority}; {conds or 'no conditions'}"

