"""The `--argo-scale-*` options as ScaleSettings (None when the scale lane is not asked for)."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.scale.settings import (
    BURST_EVERY,
    DEFAULT_BURST,
    DEFAULT_NODES,
    DEFAULT_POD_SECONDS,
    DEFAULT_PODS,
    DEFAULT_TOLERANCE,
    ScaleSettings,
)


def scale_settings(values: dict[str, Any]) -> ScaleSettings | None:
    """From the parsed option values (dest -> value); pytest.UsageError names a bad one and what to give."""
    workflows = values.get("argo_scale_workflows")
    others = [k for k in ("argo_scale_pods", "argo_scale_pod_seconds", "argo_scale_burst", "argo_scale_nodes",
                          "argo_scale_tolerance") if values.get(k) is not None]
    if workflows is None:
        if others:
            flag = "--" + others[0].replace("_", "-")
            raise pytest.UsageError(f"{flag} applies to the scale lane only: add --argo-scale-workflows N (or run "
                                    "argo-conformance scale)")
        return None
    settings = ScaleSettings(
        workflows=_number("--argo-scale-workflows", workflows, int, 1),
        pods=_number("--argo-scale-pods", values.get("argo_scale_pods"), int, 1, DEFAULT_PODS),
        pod_seconds=_number("--argo-scale-pod-seconds", values.get("argo_scale_pod_seconds"), float, 0.0,
                            DEFAULT_POD_SECONDS),
        burst=_number("--argo-scale-burst", values.get("argo_scale_burst"), int, 1, DEFAULT_BURST),
        burst_every=BURST_EVERY,
        nodes=_number("--argo-scale-nodes", values.get("argo_scale_nodes"), int, 1, DEFAULT_NODES),
        tolerance=_number("--argo-scale-tolerance", values.get("argo_scale_tolerance"), float, 0.0,
                          DEFAULT_TOLERANCE),
    )
    return settings


def _number(flag: str, value: Any, kind: type[int] | type[float], least: float, default: float | None = None) -> Any:
    if value is None:
        return default
    try:
        number = kind(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < least or number != number:  # NaN is not a number of anything
        what = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{flag} {value!r}: give {what} of at least {least:g}")
    return number
