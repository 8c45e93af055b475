"""Small helpers of the local-provider tests: pod specs and named waits over the official client."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import wait_for

BUSYBOX = f"docker.io/library/busybox:{version('busybox')}"


def busybox_pod(name: str, command: str, **spec: Any) -> client.V1Pod:
    container = client.V1Container(
        name="main", image=BUSYBOX, image_pull_policy="IfNotPresent", command=["sh", "-c", command],
        resources=spec.pop("resources", None),
    )
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=spec.pop("labels", None)),
        spec=client.V1PodSpec(containers=[container], restart_policy=spec.pop("restart_policy", "Never"),
                              termination_grace_period_seconds=0, **spec),
    )


def pod_status(pod: client.V1Pod) -> client.V1PodStatus:
    assert pod.status is not None, f"pod {pod.metadata and pod.metadata.name} has no status"
    return pod.status


def pod_summary(pod: client.V1Pod) -> str:
    status = pod_status(pod)
    waiting = [
        f"{c.name}: {c.state.waiting.reason} {c.state.waiting.message or ''}".strip()
        for c in status.container_statuses or []
        if c.state and c.state.waiting
    ]
    conditions = [f"{c.type}={c.status}({c.reason or ''})" for c in status.conditions or []]
    return f"phase={status.phase} conditions={conditions} waiting={waiting}"


def wait_pod_phase(core: client.CoreV1Api, ns: str, name: str, phases: set[str], timeout: float = 60) -> client.V1Pod:
    seen: dict[str, client.V1Pod] = {}

    def probe() -> tuple[bool, str]:
        pod = core.read_namespaced_pod(name, ns)
        seen["pod"] = pod
        phase = pod_status(pod).phase
        if phase == "Failed" and "Failed" not in phases:
            log = core.read_namespaced_pod_log(name, ns, tail_lines=5)
            raise AssertionError(f"pod {ns}/{name} failed: {pod_summary(pod)}; log ends: {log!r}")
        return phase in phases, pod_summary(pod)

    wait_for(f"pod {ns}/{name} to reach {'/'.join(sorted(phases))}", probe, timeout, interval=0.5)
    return seen["pod"]
