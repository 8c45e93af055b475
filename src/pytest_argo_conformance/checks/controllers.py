"""Checks about the controllers themselves: two controllers on one namespace, and their footprint."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest
from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.install import (
    INSTANCE_LABEL,
    BuiltinInstallation,
    Controller,
    wait_available,
)
from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.config.timeouts import WORKFLOW_DEFAULT
from pytest_argo_conformance.kube import objects

if TYPE_CHECKING:
    from urllib3.response import HTTPResponse

INSTANCE_ID = "argo-conformance-namespaced"  # given to the namespaced controller alone, within its own namespace


@dataclass
class TwoControllers:
    double_reconciliation_detected: bool
    instance_ids_separate: bool
    summary: str


def builtin(argo: Installation) -> BuiltinInstallation:
    """The suite's own installation, or a skip: checks of the build's artifacts and of the global controller
    beside it need what only the built-in install knows."""
    if not isinstance(argo, BuiltinInstallation):
        pytest.skip(f"needs the suite's own install of {argo.topology.id} (its build artifacts and controllers); "
                    f"this cell's installation is a {type(argo).__name__} from a pytest_argo_install of your own")
    return argo


def two_controllers(inst: BuiltinInstallation, runner: WorkflowRunner) -> TwoControllers:
    """Re-activate the global controller beside the namespaced one, first both with the cell's instance id (as if
    neither had one: the same workflows are theirs), then with an instance id of its own on the namespaced one."""
    ns_ctrl, global_ctrl = inst.under_test, inst.global_controller
    cell_labels = dict(runner.labels)
    finished = lambda wf: wfapi.phase(wf) in wfapi.TERMINAL  # noqa: E731
    try:
        inst.scale(global_ctrl, 1)
        shared = runner.submit(runner.load("hello"))
        runner.wait(shared, finished, "finish", WORKFLOW_DEFAULT, fail_fast=False)
        seen_by = _seen_by(inst, [ns_ctrl, global_ctrl], shared)
        double = len(seen_by) == 2
        _set_instance_id(inst, ns_ctrl, INSTANCE_ID)
        runner.labels = {INSTANCE_LABEL: INSTANCE_ID}
        own = runner.submit(runner.load("hello"))
        runner.labels = cell_labels
        other = runner.submit(runner.load("hello"))
        phases = {n: wfapi.phase(runner.wait(n, finished, "finish", WORKFLOW_DEFAULT, fail_fast=False))
                  for n in (own, other)}
        own_by, other_by = _seen_by(inst, [ns_ctrl, global_ctrl], own), _seen_by(inst, [ns_ctrl, global_ctrl], other)
        separate = own_by == ["namespaced"] and other_by == ["global"] and set(phases.values()) == {"Succeeded"}
        summary = (
            f"one instance id for both: workflow {shared} processed by {', '.join(seen_by) or 'none'}; "
            f"with instanceID {INSTANCE_ID} on the namespaced controller: its workflow processed by "
            f"{', '.join(own_by) or 'none'} ({phases[own]}), the one labelled with the cell's id by "
            f"{', '.join(other_by) or 'none'} ({phases[other]})"
        )
        return TwoControllers(double, separate, summary)
    finally:
        runner.labels = cell_labels
        inst.scale(global_ctrl, 0)
        _set_instance_id(inst, ns_ctrl, inst.instance_id)


def _seen_by(inst: BuiltinInstallation, controllers: list[Controller], workflow: str) -> list[str]:
    seen = []
    for ctrl in controllers:
        log = inst.controller_log(tail=5000, controller=ctrl)
        if workflow in log:
            seen.append(ctrl.kind)
    return seen


def _set_instance_id(inst: BuiltinInstallation, ctrl: Controller, instance_id: str) -> None:
    assert inst.api is not None
    core, apps = client.CoreV1Api(inst.api), client.AppsV1Api(inst.api)
    core.patch_namespaced_config_map(ctrl.configmap, ctrl.namespace, {"data": {"instanceID": instance_id}})
    restarted = {"spec": {"template": {"metadata": {"annotations": {"argo-conformance/restarted": str(time.time())}}}}}
    apps.patch_namespaced_deployment(ctrl.name, ctrl.namespace, restarted)
    wait_available(inst.api, ctrl.namespace, ctrl.name)
    kube.watch_until(f"one controller pod in {ctrl.namespace} after the restart", core.list_namespaced_pod,
                     ctrl.namespace, label_selector=ctrl.selector, until=_single_pod, timeout=120,
                     describe=lambda pods: f"{len(pods)} pods, {len(_running(pods))} running")


def _running(pods: list[client.V1Pod]) -> list[client.V1Pod]:
    return [p for p in pods if objects.pod_status(p).phase == "Running" and not objects.meta(p).deletion_timestamp]


def _single_pod(pods: list[client.V1Pod]) -> bool:
    return len(pods) == 1 and len(_running(pods)) == 1


def footprint(inst: BuiltinInstallation) -> dict[str, float]:
    """The controller's resource requests and, from the kubelet's summary API, its observed CPU and memory."""
    assert inst.api is not None
    core = client.CoreV1Api(inst.api)
    ctrl = inst.under_test
    pods = [p for p in core.list_namespaced_pod(ctrl.namespace, label_selector=ctrl.selector).items
            if objects.pod_status(p).phase == "Running"]
    if not pods:
        raise AssertionError(f"no running controller pod in {ctrl.namespace}")
    pod = pods[0]
    spec = objects.pod_spec(pod)
    requests = objects.present(spec.containers[0].resources, "spec.containers[0].resources").requests or {}
    figures = {
        "controller.request_cpu_millicores": _millicores(requests.get("cpu", "0")),
        "controller.request_memory_mib": _mib(requests.get("memory", "0")),
    }
    stats = _summary(inst.api, objects.present(spec.node_name, "spec.nodeName"))
    for entry in stats.get("pods", []):
        ref = entry.get("podRef", {})
        if ref.get("name") == objects.name(pod) and ref.get("namespace") == ctrl.namespace:
            for container in entry.get("containers", []):
                figures["controller.memory_mib"] = round(container["memory"]["workingSetBytes"] / 2**20, 1)
                figures["controller.cpu_millicores"] = round(container["cpu"].get("usageNanoCores", 0) / 1e6, 1)
    figures.setdefault("controller.memory_mib", 0.0)
    return figures


def _summary(api: client.ApiClient, node: str) -> dict[str, Any]:
    """The kubelet's summary API (CPU and memory per container), through the API server's node proxy."""
    # Without preloading, the client returns the HTTP response itself, not the `str` its signature declares.
    response = cast("HTTPResponse", client.CoreV1Api(api).connect_get_node_proxy_with_path(
        node, "stats/summary", _preload_content=False))
    data: dict[str, Any] = json.loads(response.data)
    return data


def _millicores(quantity: str) -> float:
    return float(quantity[:-1]) if quantity.endswith("m") else float(quantity) * 1000


def _mib(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1.0, "Gi": 1024.0, "K": 1000 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    return float(quantity) / 2**20
