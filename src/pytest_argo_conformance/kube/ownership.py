"""Who made what: the run's owner labels, the run's lease (its proof of life), locks and shared components.

Every object a run creates carries OWNED_LABEL=true and RUN_LABEL=<run id>. While a run uses a cluster it holds a
Lease in LEASE_NAMESPACE that it renews every few seconds; a run whose lease is gone or has expired (the process
was killed) is dead, and what it left may be removed by any later run (`collect_garbage`). Objects without
OWNED_LABEL are the user's: read, never modified or deleted.

Components one cluster can hold only once (the Argo CRDs, Kueue, the S3 server) are shared between live runs
(and pytest-xdist workers): a run changes one only while holding its lock (`locked`), records in its own lease
that it uses it (`RunLease.use`), and removes it only when no other live run uses it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from pytest_argo_conformance.config.timeouts import API_REQUEST, LOCK_WAIT, RUN_LEASE
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.kube.client import COMPONENT_LABEL, OWNED_LABEL, RUN_LABEL, delete_quietly, dynamic_client
from pytest_argo_conformance.kube.waits import delete_namespace, wait_for, watch_until

USES_ANNOTATION = "argo-conformance/uses"
LEASE_NAMESPACE = "default"
LEASE_PREFIX = "argo-conformance-run-"
LOCK_PREFIX = "argo-conformance-lock-"
RUN_ID_ENV = "ARGO_CONFORMANCE_RUN_ID"

log = logging.getLogger(__name__)


def new_run_id() -> str:
    """The id of this run: ARGO_CONFORMANCE_RUN_ID when set (the plugin sets it for its xdist workers), else new.
    12 lowercase hex characters (a label value and a name part)."""
    given = os.environ.get(RUN_ID_ENV) or uuid.uuid4().hex
    cleaned = "".join(c for c in given.lower() if c in "0123456789abcdef")
    return (cleaned or uuid.uuid4().hex)[:12]


def owner_labels(run_id: str, component: str = "") -> dict[str, str]:
    """The labels of what run `run_id` creates; `component` names a component that live runs share."""
    return {OWNED_LABEL: "true", RUN_LABEL: run_id, **({COMPONENT_LABEL: component} if component else {})}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _alive(lease: client.V1Lease, now: datetime) -> bool:
    spec = lease.spec
    if spec is None or spec.renew_time is None:
        return False
    renewed: datetime = spec.renew_time
    if renewed.tzinfo is None:
        renewed = renewed.replace(tzinfo=timezone.utc)
    return renewed + timedelta(seconds=spec.lease_duration_seconds or RUN_LEASE) > now


@dataclass
class RunLease:
    """This process's proof of life in one cluster: a Lease renewed by a background thread until `stop`."""

    api: client.ApiClient
    run_id: str
    name: str = ""
    uses: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.name = self.name or f"{LEASE_PREFIX}{self.run_id}-{os.getpid()}"

    @property
    def labels(self) -> dict[str, str]:
        return owner_labels(self.run_id)

    def _coordination(self) -> client.CoordinationV1Api:
        return client.CoordinationV1Api(self.api)

    def start(self) -> None:
        body: Any = {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": self.name, "labels": self.labels, "annotations": {USES_ANNOTATION: ""}},
            "spec": {"holderIdentity": f"{socket.gethostname()}/{os.getpid()}", "leaseDurationSeconds": RUN_LEASE,
                     "acquireTime": _stamp(_now()), "renewTime": _stamp(_now())},
        }
        delete_quietly(self._coordination().delete_namespaced_lease, self.name, LEASE_NAMESPACE)
        self._coordination().create_namespaced_lease(LEASE_NAMESPACE, body, _request_timeout=API_REQUEST)
        self._thread = threading.Thread(target=self._renew, name=f"lease {self.name}", daemon=True)
        self._thread.start()
        log.info("run %s: lease %s/%s held while this session uses the cluster", self.run_id, LEASE_NAMESPACE,
                 self.name)

    def _renew(self) -> None:
        while not self._stop.wait(RUN_LEASE / 4):
            try:
                self._patch({"spec": {"renewTime": _stamp(_now())}})
            except Exception as exc:  # noqa: BLE001 - a missed renewal is retried; the lease lasts 4 periods
                log.warning("run %s: renewing lease %s failed: %s", self.run_id, self.name, exc)

    def _patch(self, body: dict[str, Any]) -> None:
        self._coordination().patch_namespaced_lease(self.name, LEASE_NAMESPACE, body, _request_timeout=API_REQUEST)

    def use(self, component: str) -> None:
        self.uses.add(component)
        self._publish_uses()

    def unuse(self, component: str) -> None:
        self.uses.discard(component)
        self._publish_uses()

    def _publish_uses(self) -> None:
        self._patch({"metadata": {"annotations": {USES_ANNOTATION: ",".join(sorted(self.uses))}}})

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=API_REQUEST)
        delete_quietly(self._coordination().delete_namespaced_lease, self.name, LEASE_NAMESPACE)


def live_leases(api: client.ApiClient) -> list[client.V1Lease]:
    found = client.CoordinationV1Api(api).list_namespaced_lease(
        LEASE_NAMESPACE, label_selector=f"{OWNED_LABEL}=true", _request_timeout=API_REQUEST).items
    now = _now()
    return [lease for lease in found if objects.name(lease).startswith(LEASE_PREFIX) and _alive(lease, now)]


def _uses(lease: client.V1Lease, component: str) -> list[str]:
    """What of `component` a lease uses: `component`, or `component=variant` entries."""
    return [u for u in objects.annotations_of(lease).get(USES_ANNOTATION, "").split(",")
            if u.split("=")[0] == component]


def users(api: client.ApiClient, component: str, besides: str = "") -> dict[str, str]:
    """Live leases other than `besides` that use `component`: lease name -> what of it they use (comma-separated)."""
    return {objects.name(lease): ",".join(used) for lease in live_leases(api)
            if objects.name(lease) != besides and (used := _uses(lease, component))}


@contextmanager
def locked(lease: RunLease, what: str, timeout: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the cluster-wide lock `what` (a Lease naming this run's lease as holder) for the block. A lock whose
    holder is no longer alive is taken over; waiting longer than `timeout` ends with WaitTimeout naming the holder."""
    coordination = client.CoordinationV1Api(lease.api)
    name = f"{LOCK_PREFIX}{what}"
    body: Any = {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "labels": lease.labels},
        "spec": {"holderIdentity": lease.name, "acquireTime": _stamp(_now())},
    }

    def take() -> tuple[bool, str]:
        try:
            coordination.create_namespaced_lease(LEASE_NAMESPACE, body, _request_timeout=API_REQUEST)
            return True, "taken"
        except ApiException as exc:
            if exc.status != 409:
                raise
        held = coordination.read_namespaced_lease(name, LEASE_NAMESPACE, _request_timeout=API_REQUEST)
        holder = str(held.spec.holder_identity if held.spec else "")
        if holder not in {objects.name(x) for x in live_leases(lease.api)}:
            log.info("lock %s: its holder %s is gone; taking it over", what, holder)
            delete_quietly(coordination.delete_namespaced_lease, name, LEASE_NAMESPACE,
                           body=client.V1DeleteOptions(preconditions=client.V1Preconditions(
                               resource_version=objects.meta(held).resource_version)))
        return False, f"held by {holder}"

    wait_for(f"the cluster-wide lock {LEASE_NAMESPACE}/{name}", take, timeout, interval=1.0)
    try:
        yield
    finally:
        delete_quietly(coordination.delete_namespaced_lease, name, LEASE_NAMESPACE)


def labels_of(lease: object) -> dict[str, str]:
    """The owner labels for an object made under `lease` (an installation's `lease` attribute; an installation of
    a vendor's may have none, and then only the owned mark is set)."""
    return lease.labels if isinstance(lease, RunLease) else {OWNED_LABEL: "true"}


GARBAGE_KINDS = (  # cluster-scoped kinds the suite creates, in the order a dead run's are removed
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("kueue.x-k8s.io/v1beta1", "ClusterQueue"),  # a Kueue check's queues (with the cluster's own Kueue too)
    ("kueue.x-k8s.io/v1beta1", "ResourceFlavor"),
    ("kueue.x-k8s.io/v1beta1", "WorkloadPriorityClass"),
    ("argoproj.io/v1alpha1", "ClusterWorkflowTemplate"),  # the clusterScope templateRef check's
    ("v1", "Namespace"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("v1", "Node"),  # the scale lane's simulated nodes (a killed run's KWOK died with it)
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"),  # the scale lane's count of the controller's requests
)


def collect_garbage(lease: RunLease, wait: float = 0,
                    emptying: Callable[[str], object] | None = None) -> list[str]:
    """Delete what dead runs left (objects with OWNED_LABEL whose run has no live lease), except shared
    components a live run uses. `emptying(namespace)` runs before a namespace is deleted (to release what would
    keep it terminating). Returns `Kind/name` of each object deleted; with `wait`, waits up to that long for each
    namespace and CRD among them to be gone (so that this run may make ones of the same names)."""
    api = lease.api
    with locked(lease, "garbage"):
        leases = live_leases(api)
        alive = {objects.labels_of(x).get(RUN_LABEL, "") for x in leases} | {lease.run_id}
        dyn = dynamic_client(api)
        removed = []
        for api_version, kind in GARBAGE_KINDS:
            try:
                resource = dyn.resources.get(api_version=api_version, kind=kind)
                found = resource.get(label_selector=f"{OWNED_LABEL}=true", _request_timeout=API_REQUEST).items
            except ResourceNotFoundError:
                continue  # a kind this cluster does not serve has nothing to collect
            except ApiException as exc:
                if exc.status == 404:  # served a moment ago (the client's discovery cache), no longer
                    continue
                raise
            for obj in found:
                labels = obj.metadata.labels or {}
                if labels.get(RUN_LABEL, "") in alive or obj.metadata.deletionTimestamp:
                    continue
                if labels.get(COMPONENT_LABEL) and any(_uses(x, labels[COMPONENT_LABEL]) for x in leases):
                    continue  # a shared component a live run uses, whoever made it
                if kind == "Namespace" and emptying is not None:
                    emptying(obj.metadata.name)
                delete_quietly(resource.delete, name=obj.metadata.name)
                removed.append(f"{kind}/{obj.metadata.name}")
        for stale in client.CoordinationV1Api(api).list_namespaced_lease(
                LEASE_NAMESPACE, label_selector=f"{OWNED_LABEL}=true").items:
            if not _alive(stale, _now()) and objects.name(stale).startswith(LEASE_PREFIX):
                delete_quietly(client.CoordinationV1Api(api).delete_namespaced_lease, objects.name(stale),
                               LEASE_NAMESPACE)
    if removed:
        log.info("run %s: removed what dead runs left: %s", lease.run_id, ", ".join(removed))
    if wait:
        core, ext = client.CoreV1Api(api), client.ApiextensionsV1Api(api)
        for found in removed:
            kind, name = found.split("/", 1)
            if kind == "Namespace":
                delete_namespace(core, name, wait)
            elif kind == "CustomResourceDefinition":
                watch_until(f"CRD {name} to be deleted", ext.list_custom_resource_definition,
                            field_selector=f"metadata.name={name}", until=lambda left: not left, timeout=wait)
    return removed


def acquire(lease: RunLease, component: str, variant: str, set_up: Callable[[bool], None],
            timeout: float = LOCK_WAIT) -> None:
    """Use the shared `component` (in `variant`, e.g. a Kueue release; "" when there is one kind of it): wait until
    no other live run uses another variant, then, holding its lock, call `set_up(shared)` (shared: another live run
    already uses it as it is, so it must not be re-created) and record the use in this run's lease."""
    tag = f"{component}={variant}" if variant else component

    def conflicting() -> dict[str, str]:
        return {name: used for name, used in users(lease.api, component, besides=lease.name).items()
                if tag not in used.split(",")}

    while True:
        wait_for(f"other runs to stop using another {component} than {tag}",
                 lambda: (not (found := conflicting()), f"in use by {found}"), timeout, interval=2.0)
        with locked(lease, component, timeout):
            if conflicting():
                continue  # another run took it in between: wait again
            set_up(bool(users(lease.api, component, besides=lease.name)))
            lease.use(tag)
            return


def release(lease: RunLease, component: str, variant: str, tear_down: Callable[[], None]) -> bool:
    """Stop using `component`; tear it down when no other live run uses it. True when it was torn down."""
    tag = f"{component}={variant}" if variant else component
    with locked(lease, component):
        lease.unuse(tag)
        if users(lease.api, component, besides=lease.name):
            log.info("run %s: %s stays: another run uses it", lease.run_id, tag)
            return False
        tear_down()
        return True
