"""Figures of one scale run, from what was observed: when each workflow was submitted, seen Running and seen ended,
and the controller's samples. Pure: no cluster, no clock."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_argo_conformance.scale.metrics import Sample

PEAK_WINDOW = 30.0  # seconds: peak throughput is the most workflows ended within any window this long
MAX_POINTS = 400  # a series is thinned to at most this many points


@dataclass
class Observed:
    """Times are time.monotonic() of this process: the submission's return, the first event that showed the
    workflow Running, the first that showed it ended (with its phase)."""

    submitted: dict[str, float] = field(default_factory=dict)
    running: dict[str, float] = field(default_factory=dict)
    ended: dict[str, tuple[float, str]] = field(default_factory=dict)

    @property
    def start(self) -> float:
        return min(self.submitted.values())

    def phases(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, phase in self.ended.values():
            counts[phase] = counts.get(phase, 0) + 1
        return counts


def percentile(values: Sequence[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def latencies(observed: Observed) -> tuple[list[float], list[float]]:
    """Submit-to-Running and submit-to-end, seconds, of the workflows that got there."""
    to_running = [observed.running[n] - t for n, t in observed.submitted.items() if n in observed.running]
    to_end = [observed.ended[n][0] - t for n, t in observed.submitted.items() if n in observed.ended]
    return to_running, to_end


def completed_series(observed: Observed) -> list[tuple[float, float]]:
    """[seconds since the first submission, workflows ended so far], one point per end (thinned)."""
    start = observed.start
    ends = sorted(t - start for t, _ in observed.ended.values())
    points = [(0.0, 0.0)] + [(round(t, 3), float(i + 1)) for i, t in enumerate(ends)]
    return thin(points)


def thin(points: list[tuple[float, float]], limit: int = MAX_POINTS) -> list[tuple[float, float]]:
    if len(points) <= limit:
        return points
    step = len(points) / (limit - 1)
    kept = [points[int(i * step)] for i in range(limit - 1)]
    return kept + [points[-1]]


def peak_per_minute(observed: Observed, window: float = PEAK_WINDOW) -> float:
    ends = sorted(t for t, _ in observed.ended.values())
    best, first = 0, 0
    for last, t in enumerate(ends):
        while t - ends[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best * 60.0 / window


def figures(observed: Observed, taken: Sequence[Sample], peak_memory_bytes: float, cgroup_peak_bytes: float,
            api_requests: float) -> dict[str, float]:
    """The run's figures, named as in the matrix (`scale.*`)."""
    start = observed.start
    ended_at = max((t for t, _ in observed.ended.values()), default=start)
    wall = max(ended_at - start, 1e-6)
    to_running, to_end = latencies(observed)
    phases = observed.phases()
    cpu = [s.cpu_seconds for s in taken if s.cpu_seconds is not None]
    memory = [s.memory_bytes for s in taken if s.memory_bytes is not None]
    depth = [s.queue_depth for s in taken if s.queue_depth is not None]
    result = {
        "scale.workflows": float(len(observed.submitted)),
        "scale.succeeded": float(phases.get("Succeeded", 0)),
        "scale.not_succeeded": float(len(observed.submitted) - phases.get("Succeeded", 0)),
        "scale.wall_seconds": round(wall, 1),
        "scale.throughput_per_min": round(len(observed.ended) * 60.0 / wall, 1),
        "scale.peak_throughput_per_min": round(peak_per_minute(observed), 1),
        "scale.controller_cpu_seconds": round(cpu[-1] - cpu[0], 1) if len(cpu) > 1 else 0.0,
        "scale.controller_peak_memory_mib": round(max([peak_memory_bytes, *memory]) / 2**20, 1),  # working set
        "scale.controller_cgroup_peak_mib": round(cgroup_peak_bytes / 2**20, 1),  # incl. page cache; 0: unknown
        "scale.api_requests": float(api_requests),
        "scale.api_requests_per_s": round(api_requests / wall, 1),
        "scale.queue_depth_max": max(depth, default=0.0),
    }
    for name, values in (("submit_to_running", to_running), ("submit_to_end", to_end)):
        for pct in (50, 95, 99):
            result[f"scale.{name}_p{pct}_s"] = round(percentile(values, pct), 2)
    return result


def queue_series(observed: Observed, taken: Sequence[Sample]) -> list[tuple[float, float]]:
    start = observed.start
    return thin([(round(s.at - start, 3), s.queue_depth) for s in taken if s.queue_depth is not None])
