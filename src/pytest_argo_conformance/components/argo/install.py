"""Install Argo Workflows for one (build, topology) cell, verify it, and remove it again.

The five set-ups of the OpenShift AI proof of concept (ids from `topologies.py`):
- upstream-global: the build's own default install (controller, Argo Server, its CRDs and cluster RBAC);
- dropin-global: the baseline's install with the controller (and its executor) replaced by the build's;
- native-namespaced: the baseline's global controller at zero replicas; the build's controller runs with
  `--namespaced --managed-namespace` in the workflow namespace with the build's `namespace-install` RBAC;
- namespaced-copy: the same, but the controller is a copy of the global Deployment with its own service account
  and the suite's own namespaced RBAC (`suites/manifests/namespaced-copy-rbac.yaml`);
- dsp-managed: the baseline's global controller at zero replicas, and the build's controller as Data Science
  Pipelines deploys it for a DSPA in the workflow namespace: by the operator where the cluster has one (`dspa.py`),
  else in the operator's layout written by the suite (`dsp_layout.py`); the matrix names which (`variant`).

Each cell has its own pair of namespaces (`cell_namespaces`: the "system" one upstream calls `argo`, and the
workflow namespace), its own copies of the cluster-wide RBAC and PriorityClass (named after its system namespace),
and an `instanceID` (the system namespace's name) for all its controllers: cells of parallel runs and xdist
workers stay apart, and no controller of the suite reconciles a Workflow of the user's. Upstream's
`argo-aggregate-to-*` ClusterRoles are left out: they would change the user's admin/edit/view roles. The Argo CRDs
are shared by live runs (`kube.ownership`); a cluster's own Argo CRDs are used as they are, never changed.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo import dsp_layout, dspa, manifests
from pytest_argo_conformance.components.argo.artifacts import BuildArtifacts
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.installation import ArgoServer
from pytest_argo_conformance.components.argo.topologies import Topology
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.timeouts import CONTROLLER_READY, DSPA_RECONCILE, NAMESPACE_GONE
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.process import signals
from pytest_argo_conformance.providers.base import ClusterInfo

INSTANCE_LABEL = "workflows.argoproj.io/controller-instanceid"
CRDS_COMPONENT = "argo-crds"
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-"
CONTROLLER = "workflow-controller"
CONFIGMAP = "workflow-controller-configmap"
WORKFLOW_SA = "argo-workflow"
COPY_SA = "argo-conformance-controller"
REQUEUE_TIME = "1s"


log = logging.getLogger(__name__)


class InstallError(RuntimeError):
    """An install did not come up; the message carries what was seen (pod states, controller log tail)."""


@dataclass(frozen=True)
class Controller:
    namespace: str
    name: str  # Deployment name
    role: str  # "under test" or "global (scaled to zero)"
    configmap: str = CONFIGMAP  # the ConfigMap its `--configmap` names
    selector: str = "app=workflow-controller"  # its pods' labels

    @property
    def kind(self) -> str:
        """How the two-controllers check names it: "global" or "namespaced"."""
        return "global" if self.role == "global" else "namespaced"


@dataclass
class BuiltinInstallation:
    """The suite's own install of a cell (satisfies `installation.Installation`, and adds what only it knows)."""

    cluster: ClusterInfo
    topology: Topology
    artifacts: BuildArtifacts
    baseline: BuildArtifacts
    namespace: str  # where workflows run
    system_namespace: str  # upstream's `argo`: the global controller and the Argo Server
    lease: kube.RunLease | None = None
    controllers: list[Controller] = field(default_factory=list)
    api: client.ApiClient | None = None
    notes: list[str] = field(default_factory=list)
    created_namespaces: list[str] = field(default_factory=list)
    cluster_objects: list[tuple[str, str, str]] = field(default_factory=list)  # (apiVersion, kind, name)
    variant: str = ""  # how the matrix names the topology when it is not just its id (dsp-managed)
    dspa: bool = False  # a DSPA of this cell is reconciled by the cluster's Data Science Pipelines operator

    @property
    def under_test(self) -> Controller:
        return next(c for c in self.controllers if c.role == "under test")

    @property
    def build(self) -> ControllerBuild:
        return self.artifacts.build

    @property
    def workflow_service_account(self) -> str:
        return WORKFLOW_SA

    @property
    def server(self) -> ArgoServer:
        """The Argo Server in `argo`: the build's own in upstream-global, the baseline's in every other topology."""
        runs = self.artifacts if self.topology.id == "upstream-global" else self.baseline
        return ArgoServer(self.system_namespace, runs.version)

    @property
    def global_controller(self) -> Controller:
        return Controller(self.system_namespace, CONTROLLER, "global")

    @property
    def instance_id(self) -> str:
        """The controllers' instanceID: workflows (and templates) of this cell carry it as INSTANCE_LABEL."""
        return self.system_namespace

    @property
    def workflow_labels(self) -> dict[str, str]:
        return {INSTANCE_LABEL: self.instance_id}

    def core(self) -> client.CoreV1Api:
        assert self.api is not None
        return client.CoreV1Api(self.api)

    def controller_log(self, tail: int = 80, controller: Controller | None = None) -> str:
        ctrl = controller or self.under_test
        return pod_logs(self.core(), ctrl.namespace, ctrl.selector, tail)

    def scale(self, controller: Controller, replicas: int) -> None:
        assert self.api is not None
        client.AppsV1Api(self.api).patch_namespaced_deployment_scale(
            controller.name, controller.namespace, {"spec": {"replicas": replicas}}
        )
        if replicas:
            wait_available(self.api, controller.namespace, controller.name)

    def uninstall(self) -> None:
        """Delete what the install created: namespaces (waiting until they are gone) and cluster-wide objects."""
        self.start_uninstall().wait()

    def start_uninstall(self) -> Removal:
        """Delete what the install created and return at once; `wait()` on the result watches until its namespaces
        are gone (the next cell's install does not need to wait for that: its namespaces are its own)."""
        if self.api is None:
            return Removal([], None)
        core = self.core()
        if self.dspa and self.lease:  # the operator's finalizer and garbage collection first, then the namespace
            dspa.delete(self.api, self.namespace, self.lease.run_id)
        for ns in self.created_namespaces:  # nothing here needs a graceful stop: do not wait 30 s for each pod
            kube.delete_quietly(core.delete_collection_namespaced_pod, ns, grace_period_seconds=0)
            kube.delete_quietly(core.delete_namespace, ns)
        dyn = kube.dynamic_client(self.api)
        run_id = self.lease.run_id if self.lease else None
        for api_version, kind, name in self.cluster_objects:
            kube.delete_if_owned(dyn, api_version, kind, name, run_id=run_id)
        removal = Removal(list(self.created_namespaces), self.api)
        self.api = None
        return removal


class Removal:
    """A cell's namespaces on their way out: `wait()` watches until they are gone (NAMESPACE_GONE each), in the
    background once `start()`ed, and then closes the client."""

    def __init__(self, namespaces: list[str], api: client.ApiClient | None) -> None:
        self.namespaces, self.api = namespaces, api
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def _watch(self) -> None:
        try:
            if self.api is not None:
                core = client.CoreV1Api(self.api)
                for ns in self.namespaces:
                    kube.delete_namespace(core, ns, NAMESPACE_GONE)
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits
            self.error = exc
        finally:
            if self.api is not None:
                self.api.close()

    def start(self) -> Removal:
        self._thread = threading.Thread(target=self._watch, name=f"removal of {', '.join(self.namespaces)}",
                                        daemon=True)
        self._thread.start()
        return self

    def wait(self) -> None:
        if self._thread is None:
            self._watch()
        else:
            self._thread.join()
        if self.error is not None:
            raise self.error


def cell_namespaces(run_id: str, cell_id: str) -> tuple[str, str]:
    """(workflow namespace, system namespace) of a cell in a run (and xdist worker): `acf-RUN-CELL[-gwN]` and the
    same with `-sys`; a long cell id is cut and given a digest so names stay unique and within 63 characters."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = f"acf-{run_id[:6]}-{cell_id}" + (f"-{worker}" if worker else "")
    if len(base) > 58:
        base = base[:51].rstrip("-") + "-" + hashlib.sha256(base.encode()).hexdigest()[:6]
    return base, f"{base}-sys"


def install(cluster: ClusterInfo, artifacts: BuildArtifacts, baseline: BuildArtifacts, topology: Topology,
            cell_id: str, lease: kube.RunLease, images: dict[str, dict[str, list[str]]] | None = None
            ) -> BuiltinInstallation:
    """Install a cell; `images` is the controller configmap's `images:` (entrypoints of images that no registry
    answers for here: components/workflow_images.controller_images)."""
    api = kube.api_client(cluster)
    workflows, system = cell_namespaces(lease.run_id, cell_id)
    inst = BuiltinInstallation(cluster, topology, artifacts, baseline, workflows, system, lease=lease, api=api)
    started = time.monotonic()
    log.info("cell %s: installing (namespaces %s, %s)", cell_id, system, workflows)
    try:
        _install(api, inst, artifacts, baseline, topology, images or {})
        log.info("cell %s: installed in %.1fs", cell_id, time.monotonic() - started)
    except BaseException as exc:
        with signals.deferred():  # a SIGTERM that stopped the install waits for this clean-up
            inst.uninstall()
        if isinstance(exc, kube.KustomizeError):
            raise InstallError(f"the build's manifests cannot be rendered: {exc}") from None
        raise
    return inst


def _install(api: client.ApiClient, inst: BuiltinInstallation, build: BuildArtifacts, baseline: BuildArtifacts,
             topology: Topology, images: dict[str, dict[str, list[str]]]) -> None:
    dyn = kube.dynamic_client(api)
    core = client.CoreV1Api(api)
    assert inst.lease is not None
    owned = inst.lease.labels
    # The global install: the build's own in upstream-global, otherwise the baseline's.
    global_src = build if topology.id == "upstream-global" else baseline
    global_controller = build if topology.id in ("upstream-global", "dropin-global") else baseline
    _claim_namespace(core, inst.system_namespace, inst)
    _claim_namespace(core, inst.namespace, inst)
    _share_crds(inst, build)
    system = manifests.labelled(_global_objects(global_src.source_dir, inst.system_namespace), owned)
    for obj in system:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == CONFIGMAP:
            obj["data"] = {**(obj.get("data") or {}), "artifactRepository": s3.repository_config(),
                           "instanceID": inst.instance_id}
            if images:
                obj["data"]["images"] = yaml.safe_dump(images, sort_keys=True)
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == CONTROLLER:
            _controller_pod(obj, global_controller, namespaced_in=None)
            if topology.replaces_global:
                obj["spec"]["replicas"] = 0
        elif obj["kind"] == "Deployment" and obj["metadata"]["name"] == "argo-server":
            _server_pod(obj, global_src)
    inst.cluster_objects += [
        (o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in system if o["kind"] in manifests.CLUSTER_SCOPED
    ]
    kube.apply(dyn, system)
    kube.apply(dyn, _workflow_namespace_objects(inst.namespace, build, owned))
    if topology.id == "dsp-managed":
        inst.controllers.append(_dsp_controller(api, inst, build, owned, images))
    elif topology.namespaced:
        kube.apply(dyn, _namespaced_controller(inst.namespace, build, topology, system, owned))
        inst.controllers.append(Controller(inst.namespace, CONTROLLER, "under test"))
    else:
        inst.controllers.append(Controller(inst.system_namespace, CONTROLLER, "under test"))
    log.info("cell %s: waiting for its controller in %s", inst.namespace, inst.under_test.namespace)
    try:
        wait_available(api, inst.under_test.namespace, inst.under_test.name)
    except kube.WaitTimeout as exc:
        tail = pod_logs(core, inst.under_test.namespace, inst.under_test.selector, 40)
        raise InstallError(f"{exc}\n--- controller log ---\n{tail}") from None


def _dsp_controller(api: client.ApiClient, inst: BuiltinInstallation, build: BuildArtifacts, owned: dict[str, str],
                    images: dict[str, dict[str, list[str]]]) -> Controller:
    """The build's controller as Data Science Pipelines deploys it for the cell's DSPA: by the cluster's operator,
    or in its layout (`dsp_layout.render`, the operator not running)."""
    dyn = kube.dynamic_client(api)
    kube.apply(dyn, [dsp_layout.custom_config(inst.namespace, inst.instance_id, images, owned)])
    wanted = dsp_layout.dspa(inst.namespace, build, owned)
    controller = Controller(inst.namespace, dsp_layout.deployment_name(), "under test",
                            configmap=dsp_layout.CUSTOM_CONFIG, selector=dsp_layout.selector())
    assert inst.lease is not None
    if not dspa.available(api):
        rendered = dsp_layout.render(wanted, owned)
        for obj in manifests.by_kind(rendered, "Deployment"):  # as in every topology of the suite (Argo's e2e too)
            _set_env(obj["spec"]["template"]["spec"]["containers"][0], "DEFAULT_REQUEUE_TIME", REQUEUE_TIME)
        kube.apply(dyn, rendered)
        inst.variant = dsp_layout.variant()
        return controller
    try:
        dspa.create(api, wanted, inst.lease.run_id)
    except dspa.DSPAError as exc:
        raise InstallError(str(exc)) from None
    inst.dspa = True
    try:
        wait_available(api, inst.namespace, controller.name, DSPA_RECONCILE)
    except kube.WaitTimeout as exc:
        raise InstallError(f"{exc}; DSPA status: {'; '.join(dspa.conditions(api, inst.namespace))}") from None
    image, executor = dspa.operator_images(api, inst.namespace)
    if (image, executor) != (build.images["workflow-controller"], build.images["argoexec"]):
        raise InstallError(f"the operator deployed {image} (executor {executor}), not the build under test's "
                           f"{build.images['workflow-controller']} ({build.images['argoexec']}): its DSPA's "
                           "spec.workflowController.image and argoExecImage were not applied")
    inst.variant = "dsp-managed (DSPA reconciled by the cluster's Data Science Pipelines operator)"
    inst.notes += [f"DSPA condition: {c}" for c in dspa.conditions(api, inst.namespace)]
    return controller


def _claim_namespace(core: client.CoreV1Api, name: str, inst: BuiltinInstallation) -> None:
    """Create a namespace for this install; one that exists and is not this run's is a clear error, never reused."""
    assert inst.lease is not None
    owner = kube.namespace_owner(core, name, run_id=inst.lease.run_id)
    if owner in ("theirs", "another run's"):
        who = "was not created by argo-conformance" if owner == "theirs" else "belongs to another run"
        raise InstallError(f"namespace {name} already exists and {who}; it is left as it is: remove it or use "
                           "another cluster")
    if owner == "ours":
        kube.delete_namespace(core, name, NAMESPACE_GONE)  # this run's, left by a cell that did not finish
    metadata = client.V1ObjectMeta(name=name, labels=inst.lease.labels)
    core.create_namespace(client.V1Namespace(metadata=metadata))
    inst.created_namespaces.append(name)


def _share_crds(inst: BuiltinInstallation, build: BuildArtifacts) -> None:
    """Apply the build's minimal CRDs (shared by live runs, removed by the last one: `release_crds`); when the
    cluster has Argo CRDs of its own, use them as they are."""
    assert inst.lease is not None and inst.api is not None
    labels = kube.owner_labels(inst.lease.run_id, CRDS_COMPONENT)
    crds = manifests.labelled(manifests.load(build.source_dir / "manifests" / "base" / "crds" / "minimal"), labels)
    dyn = kube.dynamic_client(inst.api)
    theirs = [o["metadata"]["name"] for o in crds
              if kube.object_owner(dyn, o["apiVersion"], o["kind"], o["metadata"]["name"]) == "theirs"]
    if theirs:
        inst.notes.append(f"the cluster's own Argo CRDs are used as they are ({', '.join(theirs[:3])}"
                          f"{', ...' if len(theirs) > 3 else ''})")
        return
    kube.acquire(inst.lease, CRDS_COMPONENT, "", lambda shared: kube.apply(dyn, crds))


def release_crds(lease: kube.RunLease) -> None:
    """At the end of a run: remove the Argo CRDs if it used them and no other live run does."""
    if CRDS_COMPONENT not in lease.uses:
        return
    api = lease.api
    ext = client.ApiextensionsV1Api(api)

    def remove() -> None:
        selector = f"{kube.OWNED_LABEL}=true,{kube.COMPONENT_LABEL}={CRDS_COMPONENT}"
        for crd in ext.list_custom_resource_definition(label_selector=selector).items:
            kube.delete_quietly(ext.delete_custom_resource_definition, objects.name(crd))
        kube.wait_for("the Argo CRDs to be gone", lambda: (
            not (left := ext.list_custom_resource_definition(label_selector=selector).items),
            [objects.name(c) for c in left]), NAMESPACE_GONE)

    kube.release(lease, CRDS_COMPONENT, "", remove)


def _global_objects(source: Path, namespace: str) -> list[dict[str, Any]]:
    """The build's cluster install without its CRDs (applied from the build under test): controller, Argo Server,
    their cluster RBAC, in `namespace`. v3.7 split cluster-install/ into the CRDs and cluster-install-no-crds/.
    Cluster-wide objects are renamed for the cell (`NAME-NAMESPACE`); the aggregated roles are left out."""
    root = source / "manifests"
    no_crds = root / "cluster-install-no-crds"
    objects = manifests.load(no_crds if no_crds.is_dir() else root / "cluster-install")
    objects = [o for o in objects if o["kind"] != "CustomResourceDefinition" and not _aggregated(o)]
    return _renamed_for(manifests.in_namespace(objects, namespace), namespace)


def _aggregated(obj: dict[str, Any]) -> bool:
    return any(key.startswith(AGGREGATE_LABEL) for key in (obj["metadata"].get("labels") or {}))


def _renamed_for(objects: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    """Cluster-scoped objects (but Namespaces and CRDs) get `-SUFFIX`, and so do the references to them."""
    renamed = {(o["kind"], o["metadata"]["name"]) for o in objects
               if o["kind"] in ("ClusterRole", "ClusterRoleBinding", "PriorityClass")}
    for obj in objects:
        if (obj["kind"], obj["metadata"]["name"]) in renamed:
            obj["metadata"]["name"] = f"{obj['metadata']['name']}-{suffix}"
        ref = obj.get("roleRef")
        if ref and ("ClusterRole", ref.get("name")) in renamed:
            ref["name"] = f"{ref['name']}-{suffix}"
        if obj["kind"] == "Deployment":
            pod = obj["spec"]["template"]["spec"]
            if ("PriorityClass", pod.get("priorityClassName")) in renamed:
                pod["priorityClassName"] = f"{pod['priorityClassName']}-{suffix}"
    return objects


def _workflow_namespace_objects(namespace: str, build: BuildArtifacts, owned: dict[str, str]) -> list[dict[str, Any]]:
    role = manifests.load(build.source_dir / "manifests" / "quick-start" / "base" / "executor" / "emissary"
                          / "executor-role.yaml")
    objects = role + [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": WORKFLOW_SA}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"{WORKFLOW_SA}-executor"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "executor"},
            "subjects": [{"kind": "ServiceAccount", "name": WORKFLOW_SA}],
        },
    ]
    return manifests.labelled(manifests.in_namespace(objects, namespace) + [s3.credentials_secret(namespace)], owned)


def _namespaced_controller(namespace: str, build: BuildArtifacts, topology: Topology,
                           system: list[dict[str, Any]], owned: dict[str, str]) -> list[dict[str, Any]]:
    deployment = copy.deepcopy(manifests.by_kind(system, "Deployment", CONTROLLER)[0])
    configmap = copy.deepcopy(manifests.by_kind(system, "ConfigMap", CONFIGMAP)[0])
    deployment["spec"]["replicas"] = 1
    _controller_pod(deployment, build, namespaced_in=namespace)
    if topology.id == "native-namespaced":
        rbac = manifests.load(build.source_dir / "manifests" / "namespace-install" / "workflow-controller-rbac")
        account = "argo"
    else:
        rbac = manifests.load(suites_dir() / "manifests" / "namespaced-copy-rbac.yaml")
        account = COPY_SA
    deployment["spec"]["template"]["spec"]["serviceAccountName"] = account
    deployment["spec"]["template"]["spec"].pop("priorityClassName", None)
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": account}}
    objects = [sa, configmap, deployment, *rbac]
    for obj in objects:
        obj["metadata"].pop("namespace", None)
        obj["metadata"].pop("resourceVersion", None)
    return manifests.labelled(manifests.in_namespace(objects, namespace), owned)


def _controller_pod(deployment: dict[str, Any], build: BuildArtifacts, namespaced_in: str | None) -> None:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["image"] = build.images["workflow-controller"]
    container["imagePullPolicy"] = "IfNotPresent"
    args = ["--configmap", CONFIGMAP, "--executor-image", build.images["argoexec"],
            "--executor-image-pull-policy", "IfNotPresent"]
    if namespaced_in:
        args += ["--namespaced", "--managed-namespace", namespaced_in]
    container["args"] = args
    # Re-check running workflows every second rather than every 10 s, as Argo's own e2e set-up does.
    _set_env(container, "DEFAULT_REQUEUE_TIME", REQUEUE_TIME)


def _server_pod(deployment: dict[str, Any], build: BuildArtifacts) -> None:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["image"] = build.images["server"]
    container["imagePullPolicy"] = "IfNotPresent"
    container["args"] = ["server", "--auth-mode=client"]
    # The server's gateway dials its own TLS port over gRPC; grpc-go >= 1.67 then insists on ALPN, which the
    # server's listener does not offer ("missing selected ALPN property"): turn that check off.
    _set_env(container, "GRPC_ENFORCE_ALPN_ENABLED", "false")


def _set_env(container: dict[str, Any], name: str, value: str) -> None:
    env = [e for e in container.get("env") or [] if e.get("name") != name]
    container["env"] = env + [{"name": name, "value": value}]


def wait_available(api: client.ApiClient, namespace: str, name: str, timeout: float = CONTROLLER_READY) -> None:
    """Watch a Deployment until it is available; a timeout says what its pods are waiting for."""
    core = client.CoreV1Api(api)

    def describe(found: list[client.V1Deployment]) -> str:
        if not found:
            return "no such deployment"
        selector = objects.present(found[0].spec, "spec").selector
        match_labels = objects.present(selector.match_labels, "spec.selector.matchLabels")
        return pod_states(core, namespace, ",".join(f"{k}={v}" for k, v in match_labels.items()))

    kube.deployment_available(client.AppsV1Api(api), namespace, name, timeout, describe)


def pod_states(core: client.CoreV1Api, namespace: str, selector: str) -> str:
    pods = core.list_namespaced_pod(namespace, label_selector=selector).items
    if not pods:
        return "no pods"
    states = []
    for pod in pods:
        status = objects.pod_status(pod)
        detail = objects.present(status.phase, "status.phase")
        for cs in status.container_statuses or []:
            waiting = cs.state.waiting if cs.state else None
            if waiting:
                detail += f" {cs.name}: {waiting.reason} {waiting.message or ''}".rstrip()
        states.append(f"{objects.name(pod)} {detail}")
    return "; ".join(states)


def pod_logs(core: client.CoreV1Api, namespace: str, selector: str, tail: int) -> str:
    out = []
    for pod in core.list_namespaced_pod(namespace, label_selector=selector).items:
        try:
            text = core.read_namespaced_pod_log(objects.name(pod), namespace, tail_lines=tail)
        except ApiException as exc:
            text = f"(no log: {exc.reason})"
        out.append(f"[{objects.name(pod)}]\n{text}")
    return "\n".join(out) or f"(no pods matching {selector} in {namespace})"

