"""The detection matrix of a mutation run: mutant x check -> killed / survived, and the mutation score.

Pure (no I/O, no pytest): `detect` reads the conformance matrix of one run that held the baseline build and one
build per mutant in one topology. A check kills a mutant when it passed on the baseline and failed (or errored)
on the mutant. A mutant is killed when some check killed it; equivalent mutants (which no check could observe in
principle) and mutants that did not build are listed but leave the score's denominator.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from pytest_argo_conformance.matrix.model import CheckStatement, Matrix, Outcome, utc_now

SCHEMA = "argo-conformance/mutation/1"


class Verdict(str, enum.Enum):
    KILLED = "killed"  # passed on the baseline, failed or errored on the mutant
    SURVIVED = "survived"  # passed on both
    NOT_RUN = "not-run"  # skipped on the mutant (e.g. already killed by an earlier check)
    UNUSABLE = "unusable"  # did not pass on the baseline: it tells nothing about the mutant


class Status(str, enum.Enum):
    KILLED = "killed"
    SURVIVED = "survived"
    EQUIVALENT = "equivalent"  # marked so in its header: not run, not counted
    UNBUILDABLE = "unbuildable"  # its patch did not apply or build: not run, not counted
    UNDECIDED = "undecided"  # no usable check ran on it (e.g. its cell did not install)


@dataclass(frozen=True)
class MutantInfo:
    """What the run knew of a mutant before it ran (from the catalog and the build step)."""

    name: str
    file: str
    what: str
    breaks: str
    area: str = ""
    equivalent: str = ""
    unbuildable: str = ""  # the build's one-line error


@dataclass
class MutantResult:
    info: MutantInfo
    status: Status
    results: dict[str, Verdict] = field(default_factory=dict)  # check -> verdict
    # check -> the mutant cell's reason (killed, not run); the JSON keeps the kills' (a skip's is in matrix.json)
    reasons: dict[str, str] = field(default_factory=dict)
    why: str = ""  # one line: the status's reason

    @property
    def killed_by(self) -> list[str]:
        return [c for c, v in self.results.items() if v is Verdict.KILLED]

    def to_dict(self) -> dict[str, Any]:
        info = self.info
        return {
            "name": info.name, "file": info.file, "what": info.what, "breaks": info.breaks, "area": info.area,
            "status": self.status.value, "why": self.why, "killed_by": self.killed_by,
            # absent: not run on this mutant (skipped; matrix.json says why)
            "results": {c: v.value for c, v in self.results.items() if v is not Verdict.NOT_RUN},
            "reasons": {c: r for c, r in self.reasons.items() if self.results.get(c) is Verdict.KILLED},
        }


@dataclass
class Detection:
    baseline: str
    topology: str
    mutants: list[MutantResult]
    checks: list[str]  # in the order of the matrix (suite, check)
    baseline_outcomes: dict[str, Outcome]
    statements: dict[str, CheckStatement] = field(default_factory=dict)
    mode: str = "first-kill"
    seconds: float = 0.0
    created: str = field(default_factory=utc_now)

    @property
    def counted(self) -> list[MutantResult]:
        return [m for m in self.mutants if m.status in (Status.KILLED, Status.SURVIVED, Status.UNDECIDED)]

    @property
    def killed(self) -> list[MutantResult]:
        return [m for m in self.mutants if m.status is Status.KILLED]

    def with_status(self, status: Status) -> list[MutantResult]:
        return [m for m in self.mutants if m.status is status]

    def score_line(self) -> str:
        return f"mutation score: {len(self.killed)}/{len(self.counted)} killed"

    def kills_of(self, check: str) -> list[str]:
        return [m.info.name for m in self.mutants if m.results.get(check) is Verdict.KILLED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "created": self.created,
            "baseline": self.baseline,
            "topology": self.topology,
            "mode": self.mode,
            "seconds": round(self.seconds, 1),
            "score": {"killed": len(self.killed), "counted": len(self.counted),
                      "equivalent": len(self.with_status(Status.EQUIVALENT)),
                      "unbuildable": len(self.with_status(Status.UNBUILDABLE)),
                      "undecided": len(self.with_status(Status.UNDECIDED)), "line": self.score_line()},
            "checks": [
                {"check": c, "baseline": self.baseline_outcomes[c].value, "kills": self.kills_of(c),
                 **({"id": self.statements[c].id, "statement": self.statements[c].statement,
                     "area": self.statements[c].area} if c in self.statements else {})}
                for c in self.checks
            ],
            "mutants": [m.to_dict() for m in self.mutants],
        }


def detect(matrix: Matrix, mutants: list[MutantInfo], *, topology: str, mode: str = "first-kill",
           seconds: float = 0.0) -> Detection:
    """Judge each mutant's cells in `topology` against the baseline build's (see the module's docstring)."""
    baseline = matrix.baseline_build()
    if baseline is None:
        raise ValueError("the run's matrix has no baseline build: a mutation run needs one to judge against")
    checks = matrix.checks(topology)
    outcomes = {c: cell.outcome for c in checks if (cell := matrix.get(baseline, topology, c)) is not None}
    results: list[MutantResult] = []
    for info in mutants:
        if info.equivalent:
            results.append(MutantResult(info, Status.EQUIVALENT, why=info.equivalent))
            continue
        if info.unbuildable:
            results.append(MutantResult(info, Status.UNBUILDABLE, why=info.unbuildable))
            continue
        result = MutantResult(info, Status.SURVIVED)
        for check in checks:
            cell = matrix.get(info.name, topology, check)
            if cell is None or check not in outcomes:
                continue
            if outcomes[check] is not Outcome.PASSED:
                result.results[check] = Verdict.UNUSABLE
            elif cell.outcome in (Outcome.FAILED, Outcome.ERROR):
                result.results[check] = Verdict.KILLED
                result.reasons[check] = cell.reason
            elif cell.outcome is Outcome.PASSED:
                result.results[check] = Verdict.SURVIVED
            else:
                result.results[check] = Verdict.NOT_RUN
                result.reasons[check] = cell.reason
        killers = result.killed_by
        if killers:
            result.status = Status.KILLED
            result.why = f"{killers[0]}: {result.reasons[killers[0]]}"
        elif not any(v is Verdict.SURVIVED for v in result.results.values()):
            result.status = Status.UNDECIDED
            skipped = next((r for r in result.reasons.values() if r), "")
            result.why = f"no check that passed on the baseline ran on it{': ' + skipped if skipped else ''}"
        else:
            ran = sum(v is Verdict.SURVIVED for v in result.results.values())
            result.why = f"passed all {ran} checks that passed on the baseline"
        results.append(result)
    return Detection(baseline=baseline, topology=topology, mutants=results, checks=checks,
                     baseline_outcomes=outcomes | {c: Outcome.SKIPPED for c in checks if c not in outcomes},
                     statements=dict(matrix.statements), mode=mode, seconds=seconds)
