"""STAND-IN for the Data Science Pipelines operator (DSPO), for the tests of the dsp-managed topology's DSPA path.

The real operator cannot run here: its image is never pulled, and its Go module is not served by the module proxy.
This stand-in does to a DSPA what the operator does to the DSPA's workflow controller, no more:
- it serves the DSPA kind through a CRD of its own (`install_crd`; structural, the spec and status kept as given);
- it puts the operator's finalizer on each DSPA;
- it refuses a DSPA as the operator does: no `objectStorage`, or `mlmd.deploy: false` with dspVersion v2;
- it deploys the workflow controller only when the DSPA lets the operator skip its database and object storage
  health checks (nothing answers them here), and writes `DatabaseAvailable` / `ObjectStoreAvailable` like it;
- it renders the workflow controller in the operator's layout (`dsp_layout.render`), every object owned by the DSPA
  (garbage collection removes them with it), without the suite's owner labels: what an operator makes;
- it writes `WorkflowControllerReady` from the Deployment's availability, and `Ready`;
- on deletion it removes what it rendered, then its finalizer.
Every DSPA it sees is kept in `seen` (its spec), for the tests to check the DSPA the suite wrote.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.argo import dsp_layout

FINALIZER = "datasciencepipelinesapplications.opendatahub.io/finalizer"
FIELD_MANAGER = "dspo-standin"
MERGE_PATCH = "application/merge-patch+json"
COMPONENT_CONDITIONS = {"apiServer": "APIServerReady", "persistenceAgent": "PersistenceAgentReady",
                        "scheduledWorkflow": "ScheduledWorkflowReady"}
STANDIN_LABEL = "argo-conformance-tests/standin"  # what the tests made for the stand-in (not the suite's label)

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": dsp_layout.CRD, "labels": {STANDIN_LABEL: "dspo"}},
    "spec": {
        "group": dsp_layout.GROUP,
        "names": {"kind": dsp_layout.KIND, "listKind": f"{dsp_layout.KIND}List", "plural": dsp_layout.PLURAL,
                  "singular": "datasciencepipelinesapplication", "shortNames": ["dspa"]},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}},
        }],
    },
}


def install_crd(api: client.ApiClient) -> None:
    ext = client.ApiextensionsV1Api(api)
    kube.apply(kube.dynamic_client(api), [CRD])

    def established() -> tuple[bool, str]:
        status = ext.read_custom_resource_definition(dsp_layout.CRD).status
        conditions = (status.conditions if status else None) or []
        return any(c.type == "Established" and c.status == "True" for c in conditions), "not yet"

    kube.wait_for("the stand-in DSPA CRD to be established", established, 60)


def remove_crd(api: client.ApiClient) -> None:
    ext = client.ApiextensionsV1Api(api)
    kube.delete_quietly(ext.delete_custom_resource_definition, dsp_layout.CRD)
    kube.wait_for("the stand-in DSPA CRD to be gone", lambda: (
        not ext.list_custom_resource_definition(field_selector=f"metadata.name={dsp_layout.CRD}").items, "still there"),
        120)


class StandinOperator(threading.Thread):
    """Reconciles every DSPA twice a second until `stop()`."""

    def __init__(self, api: client.ApiClient) -> None:
        super().__init__(name="dspo-standin", daemon=True)
        self.api = api
        self.dyn = kube.dynamic_client(api)
        self.resource = self.dyn.resources.get(api_version=dsp_layout.API_VERSION, kind=dsp_layout.KIND)
        self.seen: list[dict[str, Any]] = []  # each DSPA's first spec, with its namespace and labels
        self.deleted: list[str] = []  # namespace/name of DSPAs whose deletion it finished
        self.errors: list[str] = []
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def run(self) -> None:
        while not self._halt.wait(0.5):
            try:
                for item in self.resource.get().items:
                    self.reconcile(item.to_dict())
            except ApiException as exc:
                if exc.status not in (404, 409):
                    self.errors.append(f"{exc.status} {exc.reason}")
            except Exception as exc:  # noqa: BLE001 - a stand-in's bug is reported by the tests, not a dead thread
                self.errors.append(repr(exc))

    def reconcile(self, dspa: dict[str, Any]) -> None:
        meta = dspa["metadata"]
        where = f"{meta['namespace']}/{meta['name']}"
        if where not in {s["where"] for s in self.seen}:
            self.seen.append({"where": where, "labels": dict(meta.get("labels") or {}),
                              "spec": copy.deepcopy(dspa.get("spec") or {})})
        if meta.get("deletionTimestamp"):
            self._clean_up(dspa)
            return
        if FINALIZER not in (meta.get("finalizers") or []):
            self.resource.patch(body={"metadata": {"finalizers": [*(meta.get("finalizers") or []), FINALIZER]}},
                                name=meta["name"], namespace=meta["namespace"], content_type=MERGE_PATCH)
        spec = dspa.get("spec") or {}
        refused = _refusal(spec)
        if refused:
            self._status(dspa, [_condition("Ready", False, "FailingToDeploy", refused)])
            return
        db_ok = bool((spec.get("database") or {}).get("disableHealthCheck"))
        store_ok = bool(spec["objectStorage"].get("disableHealthCheck"))
        conditions = [
            _condition("DatabaseAvailable", db_ok, "HealthCheckDisabled" if db_ok else "DatabaseFailedToDeploy",
                       "health check disabled" if db_ok else "no database answers the health check"),
            _condition("ObjectStoreAvailable", store_ok, "HealthCheckDisabled" if store_ok else "ObjectStoreFailed",
                       "health check disabled" if store_ok else "no object store answers the health check"),
        ]
        wc = spec.get("workflowController") or {"deploy": True}
        if db_ok and store_ok and wc.get("deploy", True):
            self._render(dspa)
            conditions.append(self._controller_condition(meta["namespace"], meta["name"]))
        for component, condition in COMPONENT_CONDITIONS.items():
            if (spec.get(component) or {}).get("deploy") is False:
                conditions.append(_condition(condition, False, "NotDeployed", "deploy: false in the DSPA"))
        ready = all(c["status"] == "True" for c in conditions if c["reason"] != "NotDeployed")
        self._status(dspa, [*conditions, _condition("Ready", ready, "Reconciled" if ready else "Deploying", "")])

    def _render(self, dspa: dict[str, Any]) -> None:
        meta = dspa["metadata"]
        owner = {"apiVersion": dsp_layout.API_VERSION, "kind": dsp_layout.KIND, "name": meta["name"],
                 "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
        for obj in dsp_layout.render(dspa, {}):
            obj["metadata"]["ownerReferences"] = [owner]
            resource = self.dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
            resource.server_side_apply(body=obj, name=obj["metadata"]["name"], namespace=meta["namespace"],
                                       field_manager=FIELD_MANAGER, force_conflicts=True)

    def _controller_condition(self, namespace: str, name: str) -> dict[str, str]:
        try:
            dep = client.AppsV1Api(self.api).read_namespaced_deployment(dsp_layout.deployment_name(name), namespace)
        except ApiException:
            return _condition("WorkflowControllerReady", False, "ComponentDeploymentNotFound", "")
        available = (dep.status.available_replicas or 0) >= 1 if dep.status else False
        return _condition("WorkflowControllerReady", available,
                          "MinimumReplicasAvailable" if available else "Deploying", "")

    def _status(self, dspa: dict[str, Any], conditions: list[dict[str, str]]) -> None:
        meta = dspa["metadata"]
        if (dspa.get("status") or {}).get("conditions") == conditions:
            return
        self.resource.status.patch(body={"status": {"conditions": conditions}}, name=meta["name"],
                                   namespace=meta["namespace"], content_type=MERGE_PATCH)

    def _clean_up(self, dspa: dict[str, Any]) -> None:
        meta = dspa["metadata"]
        full = dsp_layout.deployment_name(meta["name"])
        for api_version, kind, name in (
            ("apps/v1", "Deployment", full), ("v1", "ConfigMap", full), ("v1", "ServiceAccount", full),
            ("networking.k8s.io/v1", "NetworkPolicy", full),
            ("rbac.authorization.k8s.io/v1", "RoleBinding", f"{dsp_layout.PREFIX}rolebinding-{meta['name']}"),
            ("rbac.authorization.k8s.io/v1", "Role", f"{dsp_layout.PREFIX}role-{meta['name']}"),
        ):
            resource = self.dyn.resources.get(api_version=api_version, kind=kind)
            kube.delete_quietly(resource.delete, name=name, namespace=meta["namespace"])
        finalizers = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
        self.resource.patch(body={"metadata": {"finalizers": finalizers or None}}, name=meta["name"],
                            namespace=meta["namespace"], content_type=MERGE_PATCH)
        self.deleted.append(f"{meta['namespace']}/{meta['name']}")


def _refusal(spec: dict[str, Any]) -> str:
    storage = spec.get("objectStorage") or {}
    if not (storage.get("minio") or storage.get("externalStorage")):
        return "either [spec.objectStorage.minio] or [spec.objectStorage.externalStorage] need to be specified"
    if spec.get("dspVersion", "v2") == "v2" and (spec.get("mlmd") or {}).get("deploy") is False:
        return "MLMD explicitly disabled in DSPA, but is a required component for V2 Pipelines"
    return ""


def _condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, str]:
    return {"type": kind, "status": "True" if ok else "False", "reason": reason, "message": message}
