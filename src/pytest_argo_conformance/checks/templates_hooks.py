"""Helpers of the templates-by-reference, exit-hook, synchronization and memoization checks: create and delete a
ClusterWorkflowTemplate under the run's owner labels, create the ConfigMaps that semaphores and memoization caches
read, and read hook, exit-handler and memoized nodes from a workflow's node tree."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.config.timeouts import TEMPLATE_RELEASE

Workflow = dict[str, Any]
Node = dict[str, Any]
CWT_API = "argoproj.io/v1alpha1"
CACHE_TYPE_LABEL = "workflows.argoproj.io/configmap-type"  # a memoization cache ConfigMap must carry it = Cache


def owner_labels(runner: WorkflowRunner) -> dict[str, str]:
    """The run's owner labels (when the installation has a lease) and the cell's workflow labels."""
    return {**kube.labels_of(getattr(runner.installation, "lease", None)), **runner.labels}


@contextmanager
def cluster_template(runner: WorkflowRunner, manifest: Workflow, name: str) -> Iterator[str]:
    """A ClusterWorkflowTemplate made from `manifest` under `name` and the run's owner labels (beside its own), for
    the block's duration (deleted afterwards, only if it is this run's). One of that name that is not the suite's
    is never touched: the check fails with one line; another run's is waited for until that run deletes it."""
    body = copy.deepcopy(manifest)
    labels = (manifest.get("metadata") or {}).get("labels") or {}
    body["metadata"] = {"name": name, "labels": {**labels, **owner_labels(runner)}}
    dyn = kube.dynamic_client(runner.api)
    lease = getattr(runner.installation, "lease", None)
    run_id = lease.run_id if isinstance(lease, kube.RunLease) else None
    _claim(dyn, "ClusterWorkflowTemplate", name, run_id)
    kube.apply(dyn, [body])
    try:
        yield name
    finally:
        kube.delete_if_owned(dyn, CWT_API, "ClusterWorkflowTemplate", name, run_id=run_id)


def _claim(dyn: Any, kind: str, name: str, run_id: str | None) -> None:
    def free() -> tuple[bool, str]:
        owner = kube.object_owner(dyn, CWT_API, kind, name, run_id=run_id)
        if owner == "theirs":
            raise kube.GiveUp(owner)
        return owner in ("absent", "ours"), owner

    try:
        kube.wait_for(f"{kind} {name} to be released by the run that made it", free, timeout=TEMPLATE_RELEASE)
    except kube.GiveUp:
        pytest.fail(f"{kind} {name} exists and is not this suite's: it is read, never modified or deleted; "
                    "remove or rename it to run this check here", pytrace=False)


@contextmanager
def config_map(runner: WorkflowRunner, name: str, data: dict[str, str] | None = None,
               labels: dict[str, str] | None = None) -> Iterator[str]:
    """A ConfigMap in the cell's workflow namespace with the runner's labels (and `labels`), for the block's
    duration."""
    core = client.CoreV1Api(runner.api)
    meta = client.V1ObjectMeta(name=name, labels={**owner_labels(runner), **(labels or {})})
    body = client.V1ConfigMap(metadata=meta, data=data or {})
    kube.delete_quietly(core.delete_namespaced_config_map, name, runner.namespace)
    core.create_namespaced_config_map(runner.namespace, body)
    try:
        yield name
    finally:
        kube.delete_quietly(core.delete_namespaced_config_map, name, runner.namespace)


def controller_under_test(runner: WorkflowRunner) -> tuple[str, str]:
    """The namespace and service account of the cell's controller under test (the suite's own install only)."""
    under_test = getattr(runner.installation, "under_test", None)
    if under_test is None:
        pytest.skip("needs the suite's own install (to know the controller's namespace and service account)")
    deployment = client.AppsV1Api(runner.api).read_namespaced_deployment(under_test.name, under_test.namespace)
    pod_spec = deployment.spec.template.spec
    account = (pod_spec.service_account_name if pod_spec is not None else None) or "default"
    return str(under_test.namespace), str(account)


@contextmanager
def memo_cache(runner: WorkflowRunner, name: str) -> Iterator[str]:
    """An empty memoization cache ConfigMap `name` (labelled as a cache, as the controller requires) where the
    controller keeps its caches (its own namespace), and upstream's documented `memoizer` Role (configmaps create,
    get, update there: quick-start's memoizer-role.yaml) bound to the controller's service account, for the block's
    duration. The controller replaces the ConfigMap's labels when it saves an entry."""
    namespace, account = controller_under_test(runner)
    labels = owner_labels(runner)
    role = f"{name}-memoizer"
    rbac = client.RbacAuthorizationV1Api(runner.api)
    core = client.CoreV1Api(runner.api)
    kube.apply(kube.dynamic_client(runner.api), [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": role, "namespace": namespace, "labels": labels},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "get", "update"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": role, "namespace": namespace, "labels": labels},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
         "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]},
    ])
    meta = client.V1ObjectMeta(name=name, labels={**labels, CACHE_TYPE_LABEL: "Cache"})
    kube.delete_quietly(core.delete_namespaced_config_map, name, namespace)
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=meta, data={}))
    try:
        yield name
    finally:
        kube.delete_quietly(core.delete_namespaced_config_map, name, namespace)
        kube.delete_quietly(rbac.delete_namespaced_role_binding, role, namespace)
        kube.delete_quietly(rbac.delete_namespaced_role, role, namespace)


def node_by_id(wf: Workflow, node_id: str) -> Node:
    found: Node = (wf.get("status", {}).get("nodes") or {})[node_id]
    return found


def nodes_ending(wf: Workflow, suffix: str) -> list[Node]:
    """The nodes whose full name ends with `suffix` (hook nodes are named `<parent>.hooks.<hook>`, exit handlers
    `<parent>.onExit`)."""
    return [n for n in shapes.nodes(wf) if str(n.get("name", "")).endswith(suffix)]


def step(wf: Workflow, name: str) -> Node:
    """The node of the step `name` (its display name)."""
    return shapes.node(wf, name)


def memo_hit(n: Node) -> bool | None:
    """Whether the node took its outputs from the memoization cache (None: the node has no memoization status)."""
    status = n.get("memoizationStatus")
    return None if status is None else bool(status.get("hit"))


def describe(wf: Workflow) -> str:
    """`name=phase` of each node, for assertion messages."""
    return ", ".join(sorted(f"{n.get('name')}={n.get('phase')}" for n in shapes.nodes(wf)))
