"""The regression gate: a build's throughput and p95 submit-to-end latency against its reference build's, from
the same run and the same settings (`--argo-scale-tolerance PCT`)."""

from __future__ import annotations

from dataclasses import dataclass

THROUGHPUT = "scale.throughput_per_min"
P95 = "scale.submit_to_end_p95_s"


@dataclass(frozen=True)
class Verdict:
    figure: str
    value: float
    reference: float
    worse_by_pct: float  # how much worse than the reference, percent (negative: better)
    tolerance: float

    @property
    def fails(self) -> bool:
        return self.worse_by_pct > self.tolerance

    def line(self, reference_build: str) -> str:
        what = {THROUGHPUT: "throughput", P95: "p95 submit-to-end latency"}[self.figure]
        unit = "/min" if self.figure == THROUGHPUT else " s"
        direction = "worse" if self.worse_by_pct > 0 else "better"
        return (f"{what} {self.value:g}{unit} against {reference_build}'s {self.reference:g}{unit}: "
                f"{abs(self.worse_by_pct):.0f}% {direction} (tolerance {self.tolerance:g}%) "
                f"{'FAIL' if self.fails else 'ok'}")


def compare(figures: dict[str, float], reference: dict[str, float], tolerance: float) -> list[Verdict]:
    """One verdict per gated figure that both runs have."""
    verdicts = []
    if figures.get(THROUGHPUT) is not None and reference.get(THROUGHPUT):
        ref = reference[THROUGHPUT]
        verdicts.append(Verdict(THROUGHPUT, figures[THROUGHPUT], ref, (ref - figures[THROUGHPUT]) / ref * 100,
                                tolerance))
    if figures.get(P95) is not None and reference.get(P95):
        ref = reference[P95]
        verdicts.append(Verdict(P95, figures[P95], ref, (figures[P95] - ref) / ref * 100, tolerance))
    return verdicts
