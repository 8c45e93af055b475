"""The dsp-managed topology: the DataSciencePipelinesApplication (DSPA) the suite writes, and the workflow controller
that the Data Science Pipelines operator (DSPO) renders for it.

On a cluster with the DSPA CRD the operator itself renders the controller (`dspa.py`). Everywhere else `render`
writes the same objects the way the operator's templates do (`config/internal/workflow-controller/` of
opendatahub-io/data-science-pipelines-operator at the commit pinned as `dspo-templates` in
`clusters/local/versions.yaml`): the ServiceAccount, Role and RoleBinding `ds-pipeline-workflow-controller-*`, the
per-DSPA ConfigMap (its `artifactRepository` and `executor` keys), the metrics
NetworkPolicy, and the Deployment (`--configmap`, `--executor-image`, `--namespaced`, `LEADER_ELECTION_IDENTITY`,
read-only root file system, non-root, the operator's default resources). No operator runs then, and the matrix says
so (`variant`).

The DSPA is the same on both paths: only the workflow controller is deployed (API server, persistence agent,
scheduled workflow and UI off; MLMD cannot be turned off for dspVersion v2 and a database is always required, so
their health checks are off and their state is reported, not waited for), object storage is the suite's S3 as
`externalStorage`, the controller is the build under test (`image`, `argoExecImage`), and `customConfig` names a
ConfigMap of the suite: the operator's keys plus the cell's `instanceID`, as every controller of the suite has one.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo.artifacts import BuildArtifacts
from pytest_argo_conformance.config.versions import version

GROUP = "datasciencepipelinesapplications.opendatahub.io"
API_VERSION = f"{GROUP}/v1"
KIND = "DataSciencePipelinesApplication"
PLURAL = "datasciencepipelinesapplications"
CRD = f"{PLURAL}.{GROUP}"
NAME = "conformance"  # the DSPA's name: its objects are ds-pipeline-workflow-controller-conformance
PREFIX = "ds-pipeline-workflow-controller-"
CUSTOM_CONFIG = "argo-conformance-controller-config"  # spec.workflowController.customConfig
MONITORING_NAMESPACES = ("openshift-monitoring", "openshift-user-workload-monitoring", "redhat-ods-monitoring",
                         "opendatahub-monitoring")
# What the operator sets when the DSPA gives no resources (its controllers/config/defaults.go).
DEFAULT_RESOURCES = {"requests": {"cpu": "120m", "memory": "500Mi"}, "limits": {"cpu": "250m", "memory": "1Gi"}}

Obj = dict[str, Any]


def variant() -> str:
    """How the matrix names this topology when the suite renders the operator's layout itself."""
    return f"dsp-managed (DSPO {version('dspo')} layout, operator not running)"


def deployment_name(dspa: str = NAME) -> str:
    return PREFIX + dspa


def selector(dspa: str = NAME) -> str:
    return f"app={PREFIX}{dspa}"


def dspa(namespace: str, build: BuildArtifacts, labels: dict[str, str]) -> Obj:
    """The DSPA the suite writes: the build's controller and executor, the suite's S3, nothing else deployed."""
    host, _, port = s3.endpoint().rpartition(":")
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": NAME, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "dspVersion": "v2",
            "podToPodTLS": False,
            "apiServer": {"deploy": False},
            "persistenceAgent": {"deploy": False},
            "scheduledWorkflow": {"deploy": False},
            "database": {"disableHealthCheck": True},
            "objectStorage": {
                "disableHealthCheck": True,
                "externalStorage": {
                    "host": host, "port": port, "scheme": "http", "secure": False, "bucket": s3.BUCKET,
                    "region": "us-east-1",
                    "s3CredentialsSecret": {"secretName": s3.SECRET, "accessKey": "accesskey",
                                            "secretKey": "secretkey"},
                },
            },
            "workflowController": {
                "deploy": True,
                "image": build.images["workflow-controller"],
                "argoExecImage": build.images["argoexec"],
                "customConfig": CUSTOM_CONFIG,
            },
        },
    }


def custom_config(namespace: str, instance_id: str, images: dict[str, dict[str, list[str]]],
                  labels: dict[str, str]) -> Obj:
    """The ConfigMap `customConfig` names: the operator's keys, the suite's S3, and the cell's instanceID (plus the
    `images:` entrypoints of images that no registry answers for here, as in every topology)."""
    data = _operator_keys()
    data["artifactRepository"] = s3.repository_config()
    data["instanceID"] = instance_id
    if images:
        data["images"] = yaml.safe_dump(images, sort_keys=True)
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CUSTOM_CONFIG, "namespace": namespace, "labels": dict(labels)}, "data": data}


def render(dspa_obj: Obj, labels: dict[str, str]) -> list[Obj]:
    """The workflow controller's objects as the operator renders them for `dspa_obj` (without the owner reference
    to the DSPA that the operator adds: no DSPA object exists where this is used)."""
    name, namespace = dspa_obj["metadata"]["name"], dspa_obj["metadata"]["namespace"]
    spec = dspa_obj["spec"]["workflowController"]
    full = deployment_name(name)

    def meta(object_name: str) -> Obj:
        return {"name": object_name, "namespace": namespace,
                "labels": {"app": full, "component": "data-science-pipelines", "dspa": name, **labels}}

    storage = dspa_obj["spec"]["objectStorage"]["externalStorage"]
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(full)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(f"{PREFIX}role-{name}"),
         "rules": copy.deepcopy(ROLE_RULES)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": meta(f"{PREFIX}rolebinding-{name}"),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"{PREFIX}role-{name}"},
         "subjects": [{"kind": "ServiceAccount", "name": full, "namespace": namespace}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(full),
         "data": {**_operator_keys(), "artifactRepository": _operator_repository(storage)}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(full),
         "spec": {"podSelector": {"matchLabels": {"app": full, "component": "data-science-pipelines"}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"ports": [{"protocol": "TCP", "port": 9090}],
                               "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
                                        for ns in MONITORING_NAMESPACES]}]}},
        _deployment(meta(full), full, name, spec),
    ]


def _deployment(meta: Obj, full: str, name: str, spec: Obj) -> Obj:
    pod_labels = {"app": full, "component": "data-science-pipelines", "dspa": name}
    container = {
        "name": "ds-pipeline-workflow-controller",
        "image": spec["image"],
        "command": ["workflow-controller"],
        "args": ["--configmap", spec.get("customConfig") or full, "--executor-image", spec["argoExecImage"],
                 "--namespaced"],
        "env": [{"name": "LEADER_ELECTION_IDENTITY",
                 "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
        "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": 6060},
                          "initialDelaySeconds": 90, "periodSeconds": 60, "timeoutSeconds": 30},
        "ports": [{"containerPort": 9090, "name": "metrics"}, {"containerPort": 6060}],
        "resources": copy.deepcopy(spec.get("resources") or DEFAULT_RESOURCES),
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "readOnlyRootFilesystem": True, "runAsNonRoot": True},
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {
            "selector": {"matchLabels": dict(pod_labels)},
            "template": {"metadata": {"labels": dict(pod_labels)}, "spec": {
                "containers": [container],
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "securityContext": {"runAsNonRoot": True},
                "serviceAccountName": full,
            }},
        },
    }


def _operator_keys() -> dict[str, str]:
    """The template's keys but `artifactRepository`. The template version that could be read (0ee146ff) also has
    `containerRuntimeExecutor: emissary`, which Argo v3.4 removed and today's controllers refuse (v3.7.18 exits:
    `json: unknown field "containerRuntimeExecutor"`); the operator's releases that ship Argo v3.4+ cannot carry it,
    so the layout leaves it out."""
    return {"executor": yaml.safe_dump({"imagePullPolicy": "IfNotPresent"})}


def _operator_repository(storage: Obj) -> str:
    """The operator's `artifactRepository` for an externalStorage: endpoint `scheme://host:port`; its template
    writes the storage's `secure` value into `insecure`."""
    secret = storage["s3CredentialsSecret"]
    return yaml.safe_dump({
        "archiveLogs": False,
        "s3": {"endpoint": f"{storage['scheme']}://{storage['host']}:{storage['port']}", "bucket": storage["bucket"],
               "insecure": bool(storage.get("secure", storage["scheme"] == "https")),
               "accessKeySecret": {"name": secret["secretName"], "key": secret["accessKey"]},
               "secretKeySecret": {"name": secret["secretName"], "key": secret["secretKey"]}},
    }, sort_keys=False)


_ALL = ["get", "list", "watch", "update", "patch", "delete", "create"]
ROLE_RULES: list[Obj] = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create", "get", "update"]},
    {"apiGroups": [""], "resources": ["pods", "pods/exec"],
     "verbs": ["create", "get", "list", "watch", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "watch", "list"]},
    {"apiGroups": [""], "resources": ["persistentvolumeclaims", "persistentvolumeclaims/finalizers"],
     "verbs": ["create", "update", "delete", "get"]},
    {"apiGroups": ["argoproj.io"], "resources": ["workflows", "workflows/finalizers", "workflowtasksets",
                                                 "workflowtasksets/finalizers", "workflowartifactgctasks"],
     "verbs": _ALL},
    {"apiGroups": ["argoproj.io"], "resources": ["workflowtemplates", "workflowtemplates/finalizers"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"],
     "verbs": ["list", "watch", "deletecollection"]},
    {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
    {"apiGroups": ["argoproj.io"], "resources": ["cronworkflows", "cronworkflows/finalizers"],
     "verbs": ["get", "list", "watch", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["create", "get", "delete"]},
]
