"""The scale lane's workflows as submitted: a manifest of the suites, made to run its pods on simulated nodes.

On a simulated node no container runs, so a workflow is usable only when nothing it does needs one: no outputs
(parameters, artifacts, a script's result), no input artifacts, only container and steps/DAG templates. `unsuitable`
says why one is not; such a manifest is refused, not run.
"""

from __future__ import annotations

import copy
from typing import Any

from pytest_argo_conformance.components.kwok.nodes import LANE_LABEL, TAINT_KEY, TAINT_VALUE

DURATION_ANNOTATION = "argo-conformance.io/pod-duration"  # read by KWOK's pod-complete stage (clusters/kwok)
PODS_PARAMETER = "pods"  # the manifests' workflow parameter: how many pods a workflow runs
RUNS_CONTAINER = ("script", "resource", "data", "http", "plugin", "containerSet")

Workflow = dict[str, Any]


def unsuitable(manifest: Workflow) -> str:
    """Why this workflow cannot finish on simulated nodes ("" when it can)."""
    for template in manifest.get("spec", {}).get("templates", []):
        name = template.get("name", "?")
        kinds = [kind for kind in RUNS_CONTAINER if kind in template]
        if kinds:
            return f"template {name} is a {kinds[0]} template (needs a running container or the executor)"
        outputs = template.get("outputs") or {}
        if outputs.get("parameters") or outputs.get("artifacts") or outputs.get("result"):
            return f"template {name} has outputs (only a running executor could report them)"
        if (template.get("inputs") or {}).get("artifacts"):
            return f"template {name} has input artifacts (only a running executor could load them)"
    return ""


def prepared(manifest: Workflow, lane: str, pods: int, pod_seconds: float) -> Workflow:
    """The manifest with its pods on the lane's simulated nodes (node selector, toleration of their taint), the lane
    label on the workflow and its pods, each pod's simulated duration, and the number of pods per workflow."""
    body = copy.deepcopy(manifest)
    body.setdefault("metadata", {}).setdefault("labels", {})[LANE_LABEL] = lane
    spec = body.setdefault("spec", {})
    spec.setdefault("nodeSelector", {})[LANE_LABEL] = lane
    spec.setdefault("tolerations", []).append(
        {"key": TAINT_KEY, "operator": "Equal", "value": TAINT_VALUE, "effect": "NoSchedule"})
    metadata = spec.setdefault("podMetadata", {})
    metadata.setdefault("labels", {})[LANE_LABEL] = lane
    metadata.setdefault("annotations", {})[DURATION_ANNOTATION] = f"{pod_seconds:g}s"
    parameters = spec.setdefault("arguments", {}).setdefault("parameters", [])
    for parameter in parameters:
        if parameter.get("name") == PODS_PARAMETER:
            parameter["value"] = str(pods)
            break
    else:
        parameters.append({"name": PODS_PARAMETER, "value": str(pods)})
    return body
