"""What a scale run asks for (the `--argo-scale-*` options; `argo-conformance scale` sets them)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WORKFLOWS = 1000  # argo-conformance scale --workflows
DEFAULT_PODS = 2  # pods per workflow
DEFAULT_POD_SECONDS = 5.0  # how long each simulated pod runs
DEFAULT_BURST = 100  # workflows submitted together
BURST_EVERY = 5.0  # seconds between the starts of two bursts
DEFAULT_NODES = 50  # simulated nodes
DEFAULT_TOLERANCE = 30.0  # percent: how much worse than its reference a build's throughput or p95 latency may be
SHAPES = ("scale-steps", "scale-dag")  # suites/manifests/workflows/<shape>.yaml, submitted in turn


@dataclass(frozen=True)
class ScaleSettings:
    workflows: int = DEFAULT_WORKFLOWS
    pods: int = DEFAULT_PODS
    pod_seconds: float = DEFAULT_POD_SECONDS
    burst: int = DEFAULT_BURST
    burst_every: float = BURST_EVERY
    nodes: int = DEFAULT_NODES
    tolerance: float = DEFAULT_TOLERANCE
    shapes: tuple[str, ...] = SHAPES

    def describe(self) -> str:
        return (f"{self.workflows} workflows ({', '.join(self.shapes)} in turn, {self.pods} pods each, "
                f"{self.pod_seconds:g} s per pod), bursts of {self.burst} every {self.burst_every:g} s, "
                f"{self.nodes} simulated nodes")
