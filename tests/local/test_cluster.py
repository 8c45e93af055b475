"""A real single-node cluster from the local provider: what the Argo suites rely on works."""

from __future__ import annotations

import time

import pytest
from kubernetes import client
from local_kube import BUSYBOX, busybox_pod, pod_status, pod_summary, wait_pod_phase

from pytest_argo_conformance.kube import wait_for
from pytest_argo_conformance.providers.base import ClusterInfo
from pytest_argo_conformance.providers.local.build import BUSYBOX as BUSYBOX_BINARY
from pytest_argo_conformance.providers.local.provider import LocalProvider
from pytest_argo_conformance.toolchain import oci as images

pytestmark = pytest.mark.cluster


def test_node_is_ready(core: client.CoreV1Api, cluster_info: ClusterInfo) -> None:
    status = core.read_node(cluster_info.name).status
    assert status is not None and status.node_info is not None
    ready = {c.type: c.status for c in status.conditions or []}["Ready"]
    assert ready == "True"
    assert status.node_info.kubelet_version == cluster_info.versions["kubernetes"]


def test_busybox_pod_runs_and_its_log_reads_back(core: client.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_pod(namespace, busybox_pod("hello", "echo hello from busybox"))
    wait_pod_phase(core, namespace, "hello", {"Succeeded"})
    assert core.read_namespaced_pod_log("hello", namespace).strip() == "hello from busybox"


def test_deployment_behind_a_service_answers_by_dns_name(
    api: client.ApiClient, core: client.CoreV1Api, namespace: str
) -> None:
    labels = {"app": "web"}
    serve = "mkdir -p /www && echo served-by-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"
    template = busybox_pod("web", serve, labels=labels, restart_policy="Always")
    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(metadata=template.metadata, spec=template.spec),
        ),
    )
    client.AppsV1Api(api).create_namespaced_deployment(namespace, deployment)
    core.create_namespaced_service(
        namespace,
        client.V1Service(
            metadata=client.V1ObjectMeta(name="web"),
            spec=client.V1ServiceSpec(selector=labels, ports=[client.V1ServicePort(port=80, target_port=8080)]),
        ),
    )
    url = f"http://web.{namespace}.svc.cluster.local/"
    # Retry inside the pod until the Deployment's endpoint is in place (CoreDNS and kube-proxy follow it).
    # (`timeout`, not `wget -T`: Debian's static busybox wget crashes on -T.)
    fetch = f"for i in $(seq 1 60); do timeout 5 wget -q -O- {url} && exit 0; sleep 1; done; exit 1"
    core.create_namespaced_pod(namespace, busybox_pod("client", fetch))
    wait_pod_phase(core, namespace, "client", {"Succeeded"}, timeout=120)
    log = core.read_namespaced_pod_log("client", namespace).strip()
    assert log.splitlines()[-1].startswith("served-by-web-"), log  # earlier lines: tries before the endpoint was up


def test_job_completes(api: client.ApiClient, namespace: str) -> None:
    batch = client.BatchV1Api(api)
    template = busybox_pod("job", "echo job done")
    job = client.V1Job(
        metadata=client.V1ObjectMeta(name="once"),
        spec=client.V1JobSpec(
            backoff_limit=0,
            template=client.V1PodTemplateSpec(spec=template.spec),
        ),
    )
    batch.create_namespaced_job(namespace, job)

    def complete() -> tuple[bool, str]:
        status = batch.read_namespaced_job_status("once", namespace).status
        assert status is not None
        if status.failed:
            raise AssertionError(f"job failed: {status}")
        return bool(status.succeeded), f"active={status.active} succeeded={status.succeeded}"

    wait_for(f"job {namespace}/once to complete", complete, 90, interval=0.5)


def test_scheduling_gate_holds_a_pod_until_removed(core: client.CoreV1Api, namespace: str) -> None:
    pod = busybox_pod("gated", "echo released", scheduling_gates=[client.V1PodSchedulingGate(name="example.com/hold")])
    core.create_namespaced_pod(namespace, pod)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        held = core.read_namespaced_pod("gated", namespace)
        assert pod_status(held).phase == "Pending", pod_summary(held)
        assert held.spec is not None and held.spec.node_name is None, f"a gated pod was bound: {held.spec}"
        time.sleep(0.5)
    scheduled = {c.type: c.reason for c in pod_status(held).conditions or []}
    assert scheduled.get("PodScheduled") == "SchedulingGated", pod_summary(held)
    core.patch_namespaced_pod("gated", namespace, {"spec": {"schedulingGates": None}})
    wait_pod_phase(core, namespace, "gated", {"Succeeded"})


FAKE_RESOURCE = "example.com/fake-gpu"


def test_extended_resource_on_node_status_is_allocatable_and_schedules(
    core: client.CoreV1Api, namespace: str, cluster_info: ClusterInfo
) -> None:
    node = cluster_info.name
    path = "/status/capacity/" + FAKE_RESOURCE.replace("/", "~1")
    core.patch_node_status(node, [{"op": "add", "path": path, "value": "4"}])
    try:

        def allocatable() -> tuple[bool, str]:
            status = core.read_node(node).status
            have = ((status.allocatable if status else None) or {}).get(FAKE_RESOURCE)
            return have == "4", f"allocatable {FAKE_RESOURCE}={have}"

        wait_for(f"{FAKE_RESOURCE} to become allocatable on {node}", allocatable, 60, interval=0.5)
        wants = client.V1ResourceRequirements(requests={FAKE_RESOURCE: "1"}, limits={FAKE_RESOURCE: "1"})
        core.create_namespaced_pod(namespace, busybox_pod("fits", "echo got one", resources=wants))
        wait_pod_phase(core, namespace, "fits", {"Succeeded"})
        too_many = client.V1ResourceRequirements(requests={FAKE_RESOURCE: "5"}, limits={FAKE_RESOURCE: "5"})
        core.create_namespaced_pod(namespace, busybox_pod("too-many", "true", resources=too_many))

        def unschedulable() -> tuple[bool, str]:
            pod = core.read_namespaced_pod("too-many", namespace)
            cond = {c.type: c for c in pod_status(pod).conditions or []}.get("PodScheduled")
            return bool(cond and cond.reason == "Unschedulable" and FAKE_RESOURCE in (cond.message or "")), \
                pod_summary(pod)

        wait_for("the pod asking for 5 to be Unschedulable", unschedulable, 30, interval=0.5)
    finally:
        core.patch_node_status(node, [{"op": "remove", "path": path}])


def test_missing_image_fails_with_a_clear_error_and_nothing_is_pulled(core: client.CoreV1Api, namespace: str) -> None:
    pod = busybox_pod("absent", "true")
    assert pod.spec is not None
    pod.spec.containers[0].image = "registry.example.com/never/imported:v1"
    core.create_namespaced_pod(namespace, pod)

    def refused() -> tuple[bool, str]:
        events = core.list_namespaced_event(namespace, field_selector="involvedObject.name=absent").items
        messages = [e.message or "" for e in events if e.reason == "Failed"]
        return any("image pulls are disabled in the local cluster" in m for m in messages), "; ".join(messages)

    wait_for("the pull of an unimported image to be refused", refused, 60, interval=0.5)


def test_an_image_written_here_loads_and_runs(
    local_provider: LocalProvider, core: client.CoreV1Api, namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    name = "registry.example.com/conformance/echo:v1"
    spec = images.ImageSpec(
        name,
        (images.File("bin/busybox", source=BUSYBOX_BINARY), images.File("bin/sh", symlink_to="/bin/busybox"),
         images.File("etc/greeting", data=b"made by images.py\n", mode=0o644)),
        entrypoint=("/bin/sh", "-c"),
        cmd=("/bin/busybox cat /etc/greeting",),
    )
    archive = images.write_oci_tarball(spec, tmp_path_factory.mktemp("img") / "echo.tar")
    local_provider.load_image(name, archive)
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="echo"),
        spec=client.V1PodSpec(
            restart_policy="Never",
            containers=[client.V1Container(name="main", image=name, image_pull_policy="IfNotPresent")],
        ),
    )
    core.create_namespaced_pod(namespace, pod)
    wait_pod_phase(core, namespace, "echo", {"Succeeded"})
    assert core.read_namespaced_pod_log("echo", namespace).strip() == "made by images.py"


def test_a_second_up_reuses_the_running_cluster(local_provider: LocalProvider) -> None:
    again = LocalProvider(local_provider.cluster.name, keep=False)
    info = again.up()
    assert info.created is False
    again.down()  # it did not create the cluster: nothing is removed
    assert local_provider.cluster.running()


def test_busybox_image_is_the_one_manifests_for_kind_name(local_provider: LocalProvider) -> None:
    local_provider.load_image(BUSYBOX)  # already imported: no archive needed
    with pytest.raises(Exception, match="never pulled"):
        local_provider.load_image("registry.example.com/not/here:v9")
