"""A stand-in for the one thing Argo's executor does that the controller waits for.

In a real pod, the `wait` container reports the step's outputs as a WorkflowTaskResult named after the node and
labels it `workflows.argoproj.io/report-outputs-completed=true`; the controller (v3.5 and later) does not let a
succeeded pod's node succeed before that. On a simulated node no container runs, so for each of the lane's pods
that KWOK has made Running this stand-in creates that task result (no outputs: the lane's workflows have none),
with the labels and owner the executor would give it. It is named as a stand-in in the README and the matrix notes;
it talks to the API server with the run's own credentials, so its requests are not counted as the controller's.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.install import INSTANCE_LABEL
from pytest_argo_conformance.components.kwok.nodes import LANE_LABEL
from pytest_argo_conformance.config.timeouts import API_REQUEST
from pytest_argo_conformance.kube import owner_labels
from pytest_argo_conformance.scale.watching import EventStream, pods

log = logging.getLogger(__name__)

NODE_ID_ANNOTATION = "workflows.argoproj.io/node-id"
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
COMPLETED_LABEL = "workflows.argoproj.io/report-outputs-completed"
WORKERS = 4  # task results created at once


class StandInExecutor:
    """For run `run_id`'s lane pods in `namespace`: one WorkflowTaskResult each, once KWOK has made the pod
    Running."""

    def __init__(self, api: client.ApiClient, namespace: str, run_id: str) -> None:
        self.api = api
        self.namespace = namespace
        self.run_id = run_id
        self.reported: set[str] = set()
        self.created = 0
        self.errors: list[str] = []
        # how far behind the stand-in was: from KWOK making a pod Running to the event reaching it (whole seconds:
        # the condition's time has no more), and from that event to its task result created
        self.event_lags: list[float] = []
        self.report_lags: list[float] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="stand-in executor")
        self.stream = EventStream(pods(api, namespace), f"{LANE_LABEL}={run_id}", self._on_pod,
                                  f"the lane's pods in {namespace}")

    def start(self) -> StandInExecutor:
        self.stream.start()
        return self

    def stop(self) -> None:
        self.stream.stop()
        self._pool.shutdown(wait=True)

    def _on_pod(self, kind: str, pod: dict[str, Any]) -> None:
        if kind == "DELETED" or pod.get("status", {}).get("phase") not in ("Running", "Succeeded"):
            return
        uid = pod["metadata"]["uid"]
        with self._lock:
            if uid in self.reported:
                return
            self.reported.add(uid)
        self.event_lags.append(_event_lag(pod))
        self._pool.submit(self._report, pod, time.monotonic())

    def _report(self, pod: dict[str, Any], seen_at: float) -> None:
        body = task_result(pod, self.run_id)
        if isinstance(body, str):
            self.errors.append(body)
            return
        node_id = body["metadata"]["name"]
        try:
            client.CustomObjectsApi(self.api).create_namespaced_custom_object(
                wfapi.GROUP, wfapi.VERSION, self.namespace, "workflowtaskresults", body, _request_timeout=API_REQUEST)
        except ApiException as exc:
            if exc.status != 409:  # already there: the executor's create is idempotent too
                self.errors.append(f"task result {node_id}: {exc.status} {exc.reason}")
            return
        with self._lock:
            self.created += 1
            self.report_lags.append(time.monotonic() - seen_at)


def task_result(pod: dict[str, Any], run_id: str) -> dict[str, Any] | str:
    """The WorkflowTaskResult the executor would write for this pod, completed and without outputs, with run
    `run_id`'s owner and lane labels besides; or why there is none to write (the pod lacks what names its node and
    workflow)."""
    meta = pod["metadata"]
    annotations, labels = meta.get("annotations") or {}, meta.get("labels") or {}
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == "Workflow"), None)
    node_id, workflow = annotations.get(NODE_ID_ANNOTATION), labels.get(WORKFLOW_LABEL)
    if not node_id or not workflow or owner is None:
        return f"pod {meta.get('name')}: no node id, workflow label or Workflow owner to report for"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": node_id,
            "labels": {WORKFLOW_LABEL: workflow, COMPLETED_LABEL: "true", LANE_LABEL: run_id, **owner_labels(run_id),
                       **({INSTANCE_LABEL: labels[INSTANCE_LABEL]} if INSTANCE_LABEL in labels else {})},
            "ownerReferences": [{"apiVersion": owner["apiVersion"], "kind": "Workflow", "name": owner["name"],
                                 "uid": owner["uid"]}],
        },
    }


def _event_lag(pod: dict[str, Any]) -> float:
    """Seconds from the pod's Ready condition (set by KWOK's stage) to now; 0 when it has none."""
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("lastTransitionTime"):
            return max(0.0, time.time() - wfapi.timestamp(condition["lastTransitionTime"]))
    return 0.0
