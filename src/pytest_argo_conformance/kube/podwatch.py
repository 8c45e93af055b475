"""A record of what happened to a namespace's pods, from a watch: when each pod appeared, whether it carried a
scheduling gate, when the gate went, when it ran and finished, where, and what it requested.

Times are this process's monotonic clock at the moment the watch event arrived (milliseconds, unlike the API's
one-second timestamps); every check that compares orderings or measures a latency reads them from here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from kubernetes import client, watch

from pytest_argo_conformance.kube import objects

WATCH_SECONDS = 30  # one watch request; the thread re-opens it until stopped


@dataclass
class PodHistory:
    name: str
    uid: str
    labels: dict[str, str]
    node_name: str  # Argo's node name (workflows.argoproj.io/node-name annotation) or ""
    workflow: str
    requests: dict[str, str]  # summed over the main containers
    created: float  # first seen
    gates_at_creation: tuple[str, ...]
    ungated: float | None = None  # the first event without any scheduling gate
    scheduled: float | None = None
    running: float | None = None
    finished: float | None = None
    deleted: float | None = None
    phase: str = ""
    node: str = ""
    unschedulable: str = ""  # the scheduler's last PodScheduled=False message
    conditions: list[str] = field(default_factory=list)

    def gated_at_creation(self, gate: str) -> bool:
        return gate in self.gates_at_creation

class PodWatch:
    """`with PodWatch(core, ns) as pods:` records every pod of `ns` until the block ends."""

    def __init__(self, core: client.CoreV1Api, namespace: str, label_selector: str = "") -> None:
        self.core, self.namespace, self.selector = core, namespace, label_selector
        self.pods: dict[str, PodHistory] = {}  # by uid
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"podwatch-{namespace}", daemon=True)
        self.error: str = ""

    def __enter__(self) -> PodWatch:
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(WATCH_SECONDS + 5)

    def snapshot(self) -> list[PodHistory]:
        with self._lock:
            return list(self.pods.values())

    def of_workflow(self, workflow: str) -> list[PodHistory]:
        return [p for p in self.snapshot() if p.workflow == workflow]

    def max_concurrent(self, pods: list[PodHistory]) -> int:
        """The largest number of `pods` that were running at the same moment."""
        edges = []
        for p in pods:
            if p.running is not None:
                edges += [(p.running, 1), ((p.finished or p.deleted or time.monotonic()), -1)]
        best = current = 0
        for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
            current += step
            best = max(best, current)
        return best

    def _run(self) -> None:
        resource_version = ""
        while not self._stop.is_set():
            w = watch.Watch()
            try:
                if not resource_version:
                    listed = self.core.list_namespaced_pod(self.namespace, label_selector=self.selector)
                    for pod in listed.items:
                        self._observe("ADDED", pod)
                    list_meta = objects.present(listed.metadata, "metadata")
                    resource_version = objects.present(list_meta.resource_version, "metadata.resourceVersion")
                    self._started.set()
                for event in w.stream(self.core.list_namespaced_pod, self.namespace, label_selector=self.selector,
                                      resource_version=resource_version, timeout_seconds=WATCH_SECONDS):
                    pod = event["object"]
                    resource_version = pod.metadata.resource_version
                    self._observe(event["type"], pod)
                    if self._stop.is_set():
                        break
            except Exception as exc:  # noqa: BLE001 - an expired resourceVersion or a dropped stream: list again
                self.error = f"{type(exc).__name__}: {exc}"
                resource_version = ""
                self._started.set()
                self._stop.wait(0.2)  # a pause before listing again, not a wait for a condition
            finally:
                w.stop()

    def _observe(self, kind: str, pod: client.V1Pod) -> None:
        now = time.monotonic()
        uid, spec, status = objects.uid(pod), objects.pod_spec(pod), objects.pod_status(pod)
        with self._lock:
            hist = self.pods.get(uid)  # by uid: a controller may recreate a deleted pod under its old name
            if hist is None:
                hist = PodHistory(
                    name=objects.name(pod),
                    uid=uid,
                    labels=dict(objects.labels_of(pod)),
                    node_name=objects.annotations_of(pod).get("workflows.argoproj.io/node-name", ""),
                    workflow=objects.labels_of(pod).get("workflows.argoproj.io/workflow", ""),
                    requests=_requests(spec),
                    created=now,
                    gates_at_creation=tuple(g.name for g in spec.scheduling_gates or []),
                )
                self.pods[uid] = hist
            if not spec.scheduling_gates and hist.ungated is None:
                hist.ungated = now
            if spec.node_name and hist.scheduled is None:
                hist.scheduled = now
                hist.node = spec.node_name
            if _started(status) and hist.running is None:
                hist.running = now
            if status.phase in ("Succeeded", "Failed") and hist.finished is None:
                hist.finished = now
            if kind == "DELETED" and hist.deleted is None:
                hist.deleted = now
            hist.phase = status.phase or ""
            for cond in status.conditions or []:
                if cond.type == "PodScheduled" and cond.status == "False" and cond.message:
                    hist.unschedulable = cond.message
                text = f"{cond.type}={cond.status}" + (f" ({cond.reason})" if cond.reason else "")
                if text not in hist.conditions:
                    hist.conditions.append(text)


def _started(status: Any) -> bool:
    if status.phase in ("Running", "Succeeded", "Failed") and status.container_statuses:
        return any(cs.state and (cs.state.running or cs.state.terminated) for cs in status.container_statuses)
    return False


def _requests(spec: client.V1PodSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for container in spec.containers:
        if container.name in ("wait",):
            continue
        for key, value in ((container.resources.requests or {}) if container.resources else {}).items():
            out[key] = value if key not in out else f"{out[key]}+{value}"
    return out
