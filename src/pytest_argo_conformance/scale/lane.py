"""One scale run in one cell, and the simulated nodes that all cells of a session share.

`SimulatedNodes` starts KWOK beside the cluster and creates the run's nodes; `run` submits the workflows in bursts
through the API, follows them to their end, samples the controller meanwhile, computes the figures, and removes
every workflow, pod and task result it made before it returns (so that the next build starts on a quiet cluster).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.install import Controller
from pytest_argo_conformance.components.kwok import nodes as simulated
from pytest_argo_conformance.components.kwok.process import Kwok
from pytest_argo_conformance.config.timeouts import API_REQUEST, SCALE_CLEANUP, SCALE_DONE
from pytest_argo_conformance.kube import wait_for
from pytest_argo_conformance.providers.base import ClusterInfo
from pytest_argo_conformance.scale import stats, watching
from pytest_argo_conformance.scale.executor import StandInExecutor
from pytest_argo_conformance.scale.metrics import ControllerSampler, RequestCounter, controller_pod
from pytest_argo_conformance.scale.settings import ScaleSettings
from pytest_argo_conformance.scale.watching import EventStream

log = logging.getLogger(__name__)

SUBMITTERS = 8  # workflows created at once within a burst
CONNECTIONS = 32  # the lane's client keeps this many connections open
PROGRESS_EVERY = 15.0  # seconds between two progress lines
ENDED = wfapi.TERMINAL

Workflow = dict[str, Any]


class SimulatedNodes:
    """KWOK and the run's simulated nodes, for a session (`with SimulatedNodes(...) as nodes:`)."""

    def __init__(self, api: client.ApiClient, cluster: ClusterInfo, run_id: str, count: int, log_dir: Path) -> None:
        self.api = api
        self.run_id = run_id
        self.count = count
        self.kwok = Kwok(cluster.kubeconfig, run_id, log_dir / "kwok.log", cluster.context)

    def __enter__(self) -> SimulatedNodes:
        started = time.monotonic()
        self.kwok.start()
        try:
            simulated.create(self.api, self.run_id, self.count)
            simulated.wait_ready(self.api, self.run_id, self.count, self.kwok.check)
        except BaseException:
            self.__exit__()
            raise
        log.info("scale: %d simulated nodes Ready in %.1fs (KWOK)", self.count, time.monotonic() - started)
        return self

    def __exit__(self, *_: object) -> None:
        try:
            removed = simulated.delete(self.api, self.run_id)
            log.info("scale: %d simulated nodes deleted", removed)
        finally:
            self.kwok.stop()


@dataclass
class ScaleResult:
    observed: stats.Observed
    figures: dict[str, float]
    completed: list[tuple[float, float]]
    queue: list[tuple[float, float]]
    notes: list[str] = field(default_factory=list)


class _Follower:
    """Records when each of the lane's workflows is first seen Running and first seen ended."""

    def __init__(self, observed: stats.Observed) -> None:
        self.observed = observed
        self.lock = threading.Lock()
        self.lags: list[float] = []  # seconds from each workflow's finishedAt to the event that showed it ended

    def __call__(self, kind: str, wf: dict[str, Any]) -> None:
        if kind == "DELETED":
            return
        name, phase, now = wf["metadata"]["name"], wf.get("status", {}).get("phase", ""), time.monotonic()
        with self.lock:
            if phase in ("Running", *ENDED) and name not in self.observed.running:
                self.observed.running[name] = now
            if phase in ENDED and name not in self.observed.ended:
                self.observed.ended[name] = (now, phase)
                finished = wf.get("status", {}).get("finishedAt")
                if finished:  # how late the event came: the controller's own end time has whole seconds only
                    self.lags.append(max(0.0, time.time() - wfapi.timestamp(finished)))


def run(api: client.ApiClient, namespace: str, controller: Controller, bodies: list[Workflow], settings: ScaleSettings,
        run_id: str, kwok: Kwok | None = None) -> ScaleResult:
    """Submit `bodies` (prepared for run `run_id`'s lane and the cell) in bursts, follow them to their end,
    measure."""
    api = _wide(api)
    observed = stats.Observed()
    pod = controller_pod(api, controller.namespace, controller.selector)
    counter = RequestCounter(api, pod, run_id, f"argo-conformance-scale-{namespace}")
    counter.create()
    follower = _Follower(observed)
    workflows = EventStream(watching.custom(api, namespace, "workflows"), f"{simulated.LANE_LABEL}={run_id}",
                            follower, f"the lane's workflows in {namespace}")
    executor = StandInExecutor(api, namespace, run_id)
    sampler = ControllerSampler(api, pod)
    notes: list[str] = []
    try:
        workflows.start()
        executor.start()
        time.sleep(2.0)  # the FlowSchema reaches the API server's dispatcher before the first counted request
        before = counter.count()
        sampler.start()
        _submit(api, namespace, bodies, settings, observed, follower.lock)
        _await_end(observed, len(bodies), settings, sampler, kwok)
        after = counter.count()
    finally:
        sampler.stop()
        workflows.stop()
        executor.stop()
        counter.delete()
    notes += [f"scale: {settings.describe()}",
              f"scale: stand-in executor (no container runs on a simulated node) wrote {executor.created} task "
              f"results for {len(executor.reported)} pods"]
    notes += [f"scale: stand-in executor: {e}" for e in executor.errors[:5]]
    for stream in (workflows, executor.stream):
        if stream.relists > 1:
            notes.append(f"scale: watch of {stream.what}: listed again {stream.relists - 1} times (last: "
                         f"{stream.trouble[-1] if stream.trouble else '?'})")
    notes += [f"scale: sampling: {p}" for p in sampler.problems[:5]]
    notes.append(f"scale: API requests counted by the API server for FlowSchema {counter.name} "
                 f"(priority level {counter.level}, as for any service account)")
    figures = stats.figures(observed, sampler.taken, sampler.peak_memory_bytes, sampler.cgroup_peak_bytes,
                            after - before)
    for name, lags in (("standin_event_lag", executor.event_lags), ("standin_report_lag", executor.report_lags),
                       ("end_event_lag", follower.lags)):
        figures[f"scale.{name}_p95_s"] = round(stats.percentile(lags, 95), 2)
        figures[f"scale.{name}_max_s"] = round(max(lags, default=0.0), 2)
    return ScaleResult(observed, figures, stats.completed_series(observed), stats.queue_series(observed, sampler.taken),
                       notes)


def _wide(api: client.ApiClient) -> client.ApiClient:
    """A client like `api` whose connection pool serves the submitters, the watches and the sampler at once."""
    configuration = copy.copy(api.configuration)
    configuration.connection_pool_maxsize = CONNECTIONS
    return client.ApiClient(configuration)


def _submit(api: client.ApiClient, namespace: str, bodies: list[Workflow], settings: ScaleSettings,
            observed: stats.Observed, lock: threading.Lock) -> None:
    def create(body: Workflow) -> None:
        at = time.monotonic()
        name = str(wfapi.create(api, namespace, body)["metadata"]["name"])
        with lock:
            observed.submitted[name] = at

    started = time.monotonic()
    with ThreadPoolExecutor(SUBMITTERS, thread_name_prefix="scale submit") as pool:
        for index in range(0, len(bodies), settings.burst):
            burst = bodies[index:index + settings.burst]
            list(pool.map(create, burst))  # an error of any create ends the run here
            due = started + (index // settings.burst + 1) * settings.burst_every
            log.info("scale: submitted %d of %d workflows (%.1fs)", index + len(burst), len(bodies),
                     time.monotonic() - started)
            if index + settings.burst < len(bodies):
                time.sleep(max(0.0, due - time.monotonic()))


def _await_end(observed: stats.Observed, total: int, settings: ScaleSettings, sampler: ControllerSampler,
               kwok: Kwok | None) -> None:
    last_line = [time.monotonic()]

    def probe() -> tuple[bool, str]:
        if kwok is not None:
            kwok.check()
        phases = observed.phases()
        depth = next((s.queue_depth for s in reversed(sampler.taken) if s.queue_depth is not None), None)
        by_phase = ", ".join(f"{k} {v}" for k, v in phases.items()) or "none"
        shown = "?" if depth is None else f"{depth:g}"
        seen = (f"{len(observed.ended)} of {total} workflows ended ({by_phase}), {len(observed.running)} seen "
                f"running, queue depth {shown}")
        if time.monotonic() - last_line[0] >= PROGRESS_EVERY:
            last_line[0] = time.monotonic()
            log.info("scale: %s", seen)
        return len(observed.ended) >= total, seen

    wait_for(f"all {total} workflows of the scale run to end", probe, SCALE_DONE, interval=1.0)


def clean_up(api: client.ApiClient, namespace: str, run_id: str, timeout: float = SCALE_CLEANUP) -> str:
    """Delete run `run_id`'s lane workflows in `namespace` and wait until they, their pods and their task results
    are gone; returns what was removed, in words."""
    custom = client.CustomObjectsApi(api)
    selector = f"{simulated.LANE_LABEL}={run_id}"
    started = time.monotonic()
    custom.delete_collection_namespaced_custom_object(wfapi.GROUP, wfapi.VERSION, namespace, "workflows",
                                                      label_selector=selector, propagation_policy="Background",
                                                      _request_timeout=API_REQUEST * 4)

    listers = {"workflows": watching.custom(api, namespace, "workflows"), "pods": watching.pods(api, namespace),
               "task results": watching.custom(api, namespace, "workflowtaskresults")}

    def probe() -> tuple[bool, str]:
        left = {what: len(lister.list(selector).get("items", [])) for what, lister in listers.items()}
        return not any(left.values()), ", ".join(f"{v} {k}" for k, v in left.items()) + " left"

    wait_for(f"the scale run's workflows, pods and task results in {namespace} to be gone", probe, timeout,
             interval=2.0)
    return f"removed in {time.monotonic() - started:.0f}s"
