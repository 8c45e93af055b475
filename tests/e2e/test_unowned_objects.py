"""Objects the suite did not create, on the local cluster (issue 13): Kueue objects (an unowned `kueue-system` and
one of Kueue's CRDs) stop the Kueue install with one line, before anything is written or removed, and the uninstall
path never deletes them nor strips Kueue's finalizer from a pod in a namespace of the user's; a namespace of the S3
server's name that is not the suite's stops the S3 set-up and is never deleted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from pins import KUEUE
from pytest_argo_conformance import kube
from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.kueue import build, manifests
from pytest_argo_conformance.components.kueue.install import (
    KueueInstallation,
    KueueInstallError,
    install,
    release_pods,
)
from pytest_argo_conformance.components.kueue.queues import MANAGED_FINALIZER
from pytest_argo_conformance.config.timeouts import NAMESPACE_GONE
from pytest_argo_conformance.kube import RunLease, objects
from pytest_argo_conformance.kube.ownership import new_run_id

pytestmark = pytest.mark.cluster

USER_NS = "users-own-kueue-workloads"
CRD = "resourceflavors.kueue.x-k8s.io"


@pytest.fixture
def users_kueue(local_cluster: Any) -> Iterator[tuple[client.ApiClient, list[dict[str, Any]]]]:
    """What a user's cluster with Kueue has (made by this test, without the suite's owner label)."""
    api = kube.api_client(local_cluster)
    core = client.CoreV1Api(api)
    source = build.source_dir(KUEUE)
    fitted = manifests.fitted(manifests.render(source), "unused", {})
    crd = next(o for o in fitted if o["kind"] == "CustomResourceDefinition" and o["metadata"]["name"] == CRD)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=manifests.NAMESPACE)))
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=USER_NS)))
    kube.apply(kube.dynamic_client(api), [crd])
    # the API server updates a new CRD's status (Established) after creating it: compare only once it has
    kube.watch_until(f"CRD {CRD} to be established", client.ApiextensionsV1Api(api).list_custom_resource_definition,
                     field_selector=f"metadata.name={CRD}", until=established, timeout=60)
    core.create_namespaced_pod(USER_NS, client.V1Pod(
        metadata=client.V1ObjectMeta(name="held", labels={"kueue.x-k8s.io/managed": "true"},
                                     finalizers=[MANAGED_FINALIZER]),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")],
                              scheduling_gates=[client.V1PodSchedulingGate(name="example.com/hold")]),
    ))
    yield api, fitted
    assert release_pods(core, USER_NS) == 1  # the test's own pod: its Kueue finalizer goes, so its namespace can go
    kube.delete_namespace(core, USER_NS, NAMESPACE_GONE)
    kube.delete_namespace(core, manifests.NAMESPACE, NAMESPACE_GONE)
    kube.delete_quietly(client.ApiextensionsV1Api(api).delete_custom_resource_definition, CRD)
    api.close()


@pytest.fixture
def lease(local_cluster: Any) -> Iterator[RunLease]:
    """A run's lease, as the plugin takes one (plugin/run.py)."""
    taken = RunLease(kube.api_client(local_cluster), new_run_id())
    taken.start()
    yield taken
    taken.stop()
    taken.api.close()


def established(found: list[Any]) -> bool:
    return any(c.type == "Established" and c.status == "True"
               for crd in found for c in ((crd.status.conditions or []) if crd.status else []))


def versions(api: client.ApiClient) -> dict[str, str | None]:
    core = client.CoreV1Api(api)
    return {
        "namespace": objects.meta(core.read_namespace(manifests.NAMESPACE)).resource_version,
        "crd": objects.meta(client.ApiextensionsV1Api(api).read_custom_resource_definition(CRD)).resource_version,
        # the pod: its metadata (the scheduler may still update its status, so not its resourceVersion)
        "pod": repr(_pod_metadata(objects.meta(core.read_namespaced_pod("held", USER_NS)))),
    }


def _pod_metadata(meta: client.V1ObjectMeta) -> tuple[object, ...]:
    return meta.labels, meta.annotations, meta.finalizers, meta.deletion_timestamp, meta.owner_references


def test_present_kueue_stops_the_install_untouched(
    users_kueue: tuple[client.ApiClient, list[dict[str, Any]]], lease: RunLease
) -> None:
    api, _ = users_kueue
    before = versions(api)
    with pytest.raises(KueueInstallError) as exc:
        install(lease, KUEUE, "unused", build.source_dir(KUEUE))
    message = str(exc.value)
    assert "\n" not in message
    assert "Namespace/kueue-system" in message and f"CustomResourceDefinition/{CRD}" in message, message
    assert "left as they are" in message and "--argo-kueue existing" in message
    assert versions(api) == before
    pod = client.CoreV1Api(api).read_namespaced_pod("held", USER_NS)
    assert MANAGED_FINALIZER in (objects.meta(pod).finalizers or [])


def test_uninstall_deletes_nothing_of_the_users(
    users_kueue: tuple[client.ApiClient, list[dict[str, Any]]]
) -> None:
    api, fitted = users_kueue
    before = versions(api)
    inst = KueueInstallation(KUEUE, "unused", build.source_dir(KUEUE), api)
    inst.cluster_objects = [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in fitted
                            if "namespace" not in o["metadata"] and o["kind"] != "Namespace"]
    inst._remove()  # what the last run that used the suite's Kueue does
    assert versions(api) == before
    pod = client.CoreV1Api(api).read_namespaced_pod("held", USER_NS)
    assert MANAGED_FINALIZER in (objects.meta(pod).finalizers or [])



def test_an_unowned_s3_namespace_is_refused_and_kept(local_cluster: Any, lease: RunLease) -> None:
    api = lease.api
    core = client.CoreV1Api(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=s3.NAMESPACE)))
    try:
        before = objects.meta(core.read_namespace(s3.NAMESPACE)).resource_version
        with pytest.raises(s3.S3Error) as exc:
            s3.share(lease, "unused")
        assert str(exc.value) == (f"namespace {s3.NAMESPACE} exists and was not created by argo-conformance; it is "
                                  "left as it is: remove it or use another cluster")
        s3.release(lease)
        assert objects.meta(core.read_namespace(s3.NAMESPACE)).resource_version == before
    finally:
        kube.delete_namespace(core, s3.NAMESPACE, NAMESPACE_GONE)
