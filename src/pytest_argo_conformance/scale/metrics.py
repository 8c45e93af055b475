"""What the lane reads while the controller works: its CPU and memory (the kubelet's resource metrics, and cAdvisor
for its cgroup's peak), its work queue's depth (the controller's own metrics) and the requests it makes (the API
server's metrics).

The API server counts requests per FlowSchema (API Priority and Fairness), so for the run the lane adds one
FlowSchema that matches only the controller's service account and sends it to the priority level it would have had
anyway (that of `service-accounts`): the API server's `apiserver_flowcontrol_dispatched_requests_total` for that
schema is the controller's request count, from the API server itself. The FlowSchema carries the run's owner
labels and is deleted after the run.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from prometheus_client.parser import text_string_to_metric_families

from pytest_argo_conformance.config.timeouts import API_REQUEST
from pytest_argo_conformance.kube import delete_quietly, owner_labels
from pytest_argo_conformance.kube import objects as kobjects

log = logging.getLogger(__name__)

SAMPLE_EVERY = 2.0  # seconds between two samples of the controller's CPU, memory and queue depth
METRICS_PORT = 9090  # the controller's metrics (HTTPS with a self-signed certificate by default since v3.5)
WORKFLOW_QUEUE = "workflow_queue"
FALLBACK_PRIORITY_LEVEL = "global-default"
PRECEDENCE = 8999  # before `service-accounts` (9000), after every system schema


def get_text(api: client.ApiClient, path: str) -> str:
    """GET `path` on the API server (a proxy path, /metrics) as text."""
    params = api.param_serialize("GET", path, header_params={"Accept": "text/plain"}, auth_settings=["BearerToken"])
    response = api.call_api(*params, _request_timeout=API_REQUEST)
    try:
        if not 200 <= response.status <= 299:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        text: str = response.read().decode("utf-8", errors="replace")
        return text
    finally:
        response.close()


def samples(text: str, name: str, **labels: str) -> list[float]:
    """The values of the samples called `name` whose labels include `labels`."""
    found = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                found.append(float(sample.value))
    return found


@dataclass
class Sample:
    at: float  # time.monotonic()
    cpu_seconds: float | None = None  # the controller container's CPU time since it started
    memory_bytes: float | None = None  # its working set
    queue_depth: float | None = None  # the workflow queue's depth


@dataclass
class ControllerPod:
    namespace: str
    name: str
    node: str
    container: str
    service_account: str


def controller_pod(api: client.ApiClient, namespace: str, selector: str) -> ControllerPod:
    pods = [p for p in client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=selector,
                                                                 _request_timeout=API_REQUEST).items
            if kobjects.pod_status(p).phase == "Running" and not kobjects.meta(p).deletion_timestamp]
    if len(pods) != 1:
        raise RuntimeError(f"expected one running controller pod ({selector}) in {namespace}, found {len(pods)}")
    spec = kobjects.pod_spec(pods[0])
    return ControllerPod(namespace, kobjects.name(pods[0]), kobjects.present(spec.node_name, "spec.nodeName"),
                         spec.containers[0].name, spec.service_account_name or "default")


@dataclass
class ControllerSampler:
    """A thread that samples the controller's CPU, memory and queue depth every SAMPLE_EVERY seconds."""

    api: client.ApiClient
    pod: ControllerPod
    taken: list[Sample] = field(default_factory=list)
    peak_memory_bytes: float = 0.0  # the largest working set sampled
    cgroup_peak_bytes: float = 0.0  # cAdvisor's max usage of the controller's cgroup (0: not reported)
    problems: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> ControllerSampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="controller sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling, with one last sample (a second call does nothing)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(API_REQUEST)
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def sample(self) -> Sample:
        now = Sample(time.monotonic())
        pod = self.pod
        try:  # the kubelet's resource metrics: the container's CPU time and working set (sampled)
            text = get_text(self.api, f"/api/v1/nodes/{pod.node}/proxy/metrics/resource")
            where = {"namespace": pod.namespace, "pod": pod.name, "container": pod.container}
            cpu = samples(text, "container_cpu_usage_seconds_total", **where)
            memory = samples(text, "container_memory_working_set_bytes", **where)
            now.cpu_seconds = cpu[0] if cpu else None
            now.memory_bytes = memory[0] if memory else None
            self.peak_memory_bytes = max([self.peak_memory_bytes, *memory])
        except Exception as exc:  # noqa: BLE001 - a missed sample is noted, the run goes on
            self._problem(f"the kubelet's resource metrics on {pod.node}: {exc}")
        try:  # cAdvisor: the cgroup's own peak since the controller started (the container's, else its pod's)
            text = get_text(self.api, f"/api/v1/nodes/{pod.node}/proxy/metrics/cadvisor")
            peak = (samples(text, "container_memory_max_usage_bytes", namespace=pod.namespace, pod=pod.name,
                            container=pod.container)
                    or samples(text, "container_memory_max_usage_bytes", namespace=pod.namespace, pod=pod.name,
                               container=""))
            self.cgroup_peak_bytes = max([self.cgroup_peak_bytes, *peak])
        except Exception as exc:  # noqa: BLE001
            self._problem(f"cAdvisor metrics of {pod.node}: {exc}")
        try:
            text = get_text(self.api, f"/api/v1/namespaces/{pod.namespace}/pods/https:{pod.name}:{METRICS_PORT}"
                                      "/proxy/metrics")
            depth = [v for name in ("argo_workflows_queue_depth_gauge", "argo_workflows_queue_depth_count")
                     for v in samples(text, name, queue_name=WORKFLOW_QUEUE)]
            now.queue_depth = depth[0] if depth else None
        except Exception as exc:  # noqa: BLE001
            self._problem(f"the controller's metrics: {exc}")
        self.taken.append(now)
        return now

    def _problem(self, text: str) -> None:
        line = " ".join(text.split())[:200]
        if line not in self.problems:
            self.problems.append(line)
            log.warning("scale: sampling %s", line)


class RequestCounter:
    """The API server's count of the controller's requests, through a FlowSchema of the run's own."""

    def __init__(self, api: client.ApiClient, pod: ControllerPod, run_id: str, name: str) -> None:
        self.api = api
        self.pod = pod
        self.name = name
        self.run_id = run_id
        self.flowcontrol = client.FlowcontrolApiserverV1Api(api)
        self.level = FALLBACK_PRIORITY_LEVEL
        self.created = False

    def create(self) -> None:
        try:
            schema = self.flowcontrol.read_flow_schema("service-accounts", _request_timeout=API_REQUEST)
            self.level = schema.spec.priority_level_configuration.name
        except client.exceptions.ApiException as exc:
            if exc.status != 404:
                raise
        body: Any = flow_schema(self.name, self.pod.service_account, self.pod.namespace, self.level, self.run_id)
        try:
            self.flowcontrol.create_flow_schema(body, _request_timeout=API_REQUEST)
        except client.exceptions.ApiException as exc:
            if exc.status == 409:
                raise RuntimeError(f"FlowSchema {self.name} already exists and is not this run's: it is left as it "
                                   "is; remove it, or run again (the name carries the run's id)") from None
            raise
        self.created = True

    def count(self) -> float:
        """Requests dispatched for the schema so far (0 before the API server has seen one)."""
        text = get_text(self.api, "/metrics")
        return sum(samples(text, "apiserver_flowcontrol_dispatched_requests_total", flow_schema=self.name))

    def delete(self) -> None:
        if not self.created:
            return
        delete_quietly(self.flowcontrol.delete_flow_schema, self.name, _request_timeout=API_REQUEST)


def flow_schema(name: str, service_account: str, namespace: str, level: str, run_id: str) -> dict[str, Any]:
    """A FlowSchema that matches every request of one service account and nothing else, at priority level `level`."""
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
        "metadata": {"name": name, "labels": owner_labels(run_id)},
        "spec": {
            "priorityLevelConfiguration": {"name": level},
            "matchingPrecedence": PRECEDENCE,
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [{
                "subjects": [{"kind": "ServiceAccount", "serviceAccount": {"name": service_account,
                                                                           "namespace": namespace}}],
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "clusterScope": True,
                                   "namespaces": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            }],
        },
    }
