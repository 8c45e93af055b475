"""The conformance matrix as plain data: controller build x topology x check -> outcome.

Pure and versioned (no pytest, no I/O). The plugin fills one `Matrix` per run; `merge`, `diff` and the
writers (`json_io`, `markdown`, `html`) only read it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pytest_argo_conformance.matrix._parse import dict_of, list_of, need, optional

Points = list[list[float]]  # [[x, y], ...], e.g. [seconds since the first submission, workflows completed so far]

SCHEMA_VERSION = 1

CellKey = tuple[str, str, str]  # (build, topology, check)

REASON_LIMIT = 240


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"  # the check ran and the build did not behave as expected
    ERROR = "error"  # the check could not run (setup/teardown failed)
    SKIPPED = "skipped"
    KNOWN_FAIL = "known-fail"  # pytest xfail: fails, as expected

    @property
    def severity(self) -> int:
        """Higher is worse: passed < skipped < known-fail < error < failed.

        `failed` ranks above `error` because it is a verdict on the build, while `error` only says the
        check could not tell; a failed call followed by a teardown error stays `failed`.
        """
        return _SEVERITY[self]


_SEVERITY = {
    Outcome.PASSED: 0,
    Outcome.SKIPPED: 1,
    Outcome.KNOWN_FAIL: 2,
    Outcome.ERROR: 3,
    Outcome.FAILED: 4,
}


def phase_outcome(when: str, outcome: str, *, xfail: bool = False) -> Outcome:
    """Map one pytest report phase (`report.when`, `report.outcome`, `hasattr(report, "wasxfail")`)."""
    if outcome == "skipped":
        return Outcome.KNOWN_FAIL if xfail else Outcome.SKIPPED
    if outcome == "failed":
        return Outcome.FAILED if when == "call" else Outcome.ERROR
    return Outcome.PASSED  # includes a non-strict XPASS


def one_line(text: str, limit: int = REASON_LIMIT) -> str:
    """First non-empty line, whitespace collapsed, cut to `limit` characters."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Cell:
    build: str
    topology: str
    check: str
    suite: str
    outcome: Outcome
    duration: float = 0.0  # seconds, all phases together
    reason: str = ""  # one line: the failure message or skip reason (pass `reprcrash.message`, not a traceback)
    nodeid: str = ""
    figures: dict[str, float] = field(default_factory=dict)  # e.g. {"controller_cpu_millicores": 120.0}
    series: dict[str, Points] = field(default_factory=dict)  # e.g. {"scale.completed": [[0.0, 0.0], [4.2, 10.0]]}
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)
        self.reason = one_line(self.reason)

    def key(self) -> CellKey:
        return (self.build, self.topology, self.check)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "build": self.build,
            "topology": self.topology,
            "check": self.check,
            "suite": self.suite,
            "outcome": self.outcome.value,
            "duration": round(self.duration, 3),
            "reason": self.reason,
            "nodeid": self.nodeid,
            "figures": dict(self.figures),
            "notes": list(self.notes),
        }
        if self.series:  # optional: matrices without series read and write as before
            data["series"] = {name: [list(point) for point in points] for name, points in self.series.items()}
        return data

    @classmethod
    def from_dict(cls, data: object, where: str = "cell") -> Cell:
        outcome = need(data, "outcome", str, where)
        if outcome not in {o.value for o in Outcome}:
            choices = ", ".join(o.value for o in Outcome)
            raise ValueError(f"{where}.outcome: {outcome!r} is not one of {choices}")
        return cls(
            build=need(data, "build", str, where),
            topology=need(data, "topology", str, where),
            check=need(data, "check", str, where),
            suite=optional(data, "suite", str, "", where),
            outcome=Outcome(outcome),
            duration=float(optional(data, "duration", (int, float), 0.0, where)),
            reason=optional(data, "reason", str, "", where),
            nodeid=optional(data, "nodeid", str, "", where),
            figures={k: float(v) for k, v in dict_of(data, "figures", (int, float), where).items()},
            series={name: parse_points(points, f"{where}.series[{name!r}]")
                    for name, points in dict_of(data, "series", list, where).items()},
            notes=list_of(data, "notes", str, where),
        )


def parse_points(raw: object, where: str) -> Points:
    """A series' points from decoded JSON: a list of [x, y] pairs of finite numbers; else a one-line ValueError."""
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of [x, y] points, got {raw!r:.60}")
    points: Points = []
    for i, point in enumerate(raw):
        numbers = isinstance(point, list) and len(point) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point)
        if not numbers:
            raise ValueError(f"{where}[{i}]: expected a point [x, y] of two finite numbers, got {point!r:.60}")
        points.append([float(point[0]), float(point[1])])
    return points


def combine_phases(earlier: Cell, later: Cell) -> Cell:
    """One test reported in phases (setup, call, teardown): keep the worst outcome and its reason.

    A non-passing phase that is not kept leaves a note, so a teardown error after a failed call is not lost.
    Two different node ids for one key (two tests claiming one check) are combined the same way, with a note.
    """
    kept, other = (later, earlier) if later.outcome.severity > earlier.outcome.severity else (earlier, later)
    notes = list(earlier.notes) + [n for n in later.notes if n not in earlier.notes]
    if earlier.nodeid and later.nodeid and earlier.nodeid != later.nodeid:
        notes.append(f"also reported by {later.nodeid}: {later.outcome.value}")
    elif other.outcome is not Outcome.PASSED and other.reason and other.reason != kept.reason:
        notes.append(f"{other.outcome.value}: {other.reason}")
    return Cell(
        build=earlier.build,
        topology=earlier.topology,
        check=earlier.check,
        suite=earlier.suite or later.suite,
        outcome=kept.outcome,
        duration=earlier.duration + later.duration,
        reason=kept.reason or other.reason,
        nodeid=earlier.nodeid or later.nodeid,
        figures={**earlier.figures, **later.figures},
        series={**earlier.series, **later.series},
        notes=notes,
    )


@dataclass
class BuildInfo:
    name: str
    ref: str
    baseline: bool = False
    images: dict[str, str] = field(default_factory=dict)  # role -> image reference
    digests: dict[str, str] = field(default_factory=dict)  # image reference -> digest, when known
    compared_with: str = ""  # what the build was judged against (its own line's upstream release, or the baseline)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ref": self.ref,
            "baseline": self.baseline,
            "images": dict(self.images),
            "digests": dict(self.digests),
            "compared_with": self.compared_with,
        }

    @classmethod
    def from_dict(cls, data: object, where: str = "build") -> BuildInfo:
        return cls(
            name=need(data, "name", str, where),
            ref=need(data, "ref", str, where),
            baseline=optional(data, "baseline", bool, False, where),
            images=dict_of(data, "images", str, where),
            digests=dict_of(data, "digests", str, where),
            compared_with=optional(data, "compared_with", str, "", where),
        )


@dataclass(frozen=True)
class CheckStatement:
    """A check's registry entry: its stable id, its one MUST sentence and the feature area it covers."""

    check: str  # the check's name in the cells
    id: str
    statement: str
    area: str = ""

    @property
    def anchor(self) -> str:
        """The fragment that the Markdown and HTML matrices link each row to."""
        return "check-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "id": self.id, "statement": self.statement, "area": self.area}

    @classmethod
    def from_dict(cls, data: object, where: str = "statement") -> CheckStatement:
        return cls(check=need(data, "check", str, where), id=need(data, "id", str, where),
                   statement=need(data, "statement", str, where), area=optional(data, "area", str, "", where))


@dataclass
class Matrix:
    builds: dict[str, BuildInfo] = field(default_factory=dict)  # in the order the user named them
    versions: dict[str, str] = field(default_factory=dict)  # kubernetes, argo-workflows, kueue, ...
    environment: dict[str, str] = field(default_factory=dict)  # provider, cluster, host, ...
    run_id: str = ""  # CI job label, optional
    created: str = field(default_factory=utc_now)  # ISO-8601 UTC
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    statements: dict[str, CheckStatement] = field(default_factory=dict)  # check name -> its registry entry
    # topology id -> what it was on the cluster, when more than its id says: "dsp-managed (DSPO v2 layout, ...)"
    topology_variants: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def add_build(self, build: BuildInfo) -> None:
        self.builds[build.name] = build

    def add(self, cell: Cell) -> Cell:
        """Record a result; a second result for the same key in this run is another phase of the same
        test and is combined with `combine_phases` (the worst outcome wins). Returns the stored cell."""
        earlier = self.cells.get(cell.key())
        stored = cell if earlier is None else combine_phases(earlier, cell)
        self.cells[cell.key()] = stored
        return stored

    def get(self, build: str, topology: str, check: str) -> Cell | None:
        return self.cells.get((build, topology, check))

    def baseline_build(self) -> str | None:
        return next((b.name for b in self.builds.values() if b.baseline), None)

    def builds_order(self) -> list[str]:
        """Baseline first, then builds in the order given, then builds known only from cells."""
        named = sorted(self.builds, key=lambda name: not self.builds[name].baseline)
        extra = sorted({c.build for c in self.cells.values()} - set(named))
        return named + extra

    def topologies(self) -> list[str]:
        return sorted({c.topology for c in self.cells.values()})

    def topology_title(self, topology: str) -> str:
        """The topology's id, or its variant where the run recorded one (the variant names the id)."""
        return self.topology_variants.get(topology, topology)

    def checks(self, topology: str | None = None) -> list[str]:
        """Check names ordered by (suite, check); only those run on `topology` when given."""
        suites = {c.check: c.suite for c in self.cells.values() if topology in (None, c.topology)}
        return sorted(suites, key=lambda check: (suites[check], check))

    def suite_of(self, check: str) -> str:
        return next((c.suite for c in self.cells.values() if c.check == check), "")

    def sorted_cells(self) -> list[Cell]:
        order = {name: i for i, name in enumerate(self.builds_order())}
        return sorted(self.cells.values(), key=lambda c: (order[c.build], c.topology, c.suite, c.check))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "created": self.created,
            "run_id": self.run_id,
            "builds": [self.builds[name].to_dict() for name in self.builds_order() if name in self.builds],
            "versions": dict(sorted(self.versions.items())),
            "environment": dict(sorted(self.environment.items())),
            "cells": [cell.to_dict() for cell in self.sorted_cells()],
            "statements": [self.statements[name].to_dict() for name in sorted(self.statements)],
            "topology_variants": dict(sorted(self.topology_variants.items())),
        }

    @classmethod
    def from_dict(cls, data: object) -> Matrix:
        """Build from `to_dict` output; ValueError (one line, saying what is wrong) for anything else."""
        check_schema_version(data)
        matrix = cls(
            versions=dict_of(data, "versions", str, "matrix"),
            environment=dict_of(data, "environment", str, "matrix"),
            run_id=optional(data, "run_id", str, "", "matrix"),
            created=need(data, "created", str, "matrix"),
            topology_variants=dict_of(data, "topology_variants", str, "matrix"),
        )
        for i, item in enumerate(list_of(data, "builds", dict, "matrix")):
            build = BuildInfo.from_dict(item, f"builds[{i}]")
            if build.name in matrix.builds:
                raise ValueError(f"builds[{i}]: build {build.name!r} is listed twice")
            matrix.add_build(build)
        baselines = [b.name for b in matrix.builds.values() if b.baseline]
        if len(baselines) > 1:
            raise ValueError(f"builds: more than one baseline build ({', '.join(baselines)})")
        for i, item in enumerate(list_of(data, "cells", dict, "matrix")):
            cell = Cell.from_dict(item, f"cells[{i}]")
            if cell.key() in matrix.cells:
                raise ValueError(f"cells[{i}]: {'/'.join(cell.key())} appears twice")
            matrix.cells[cell.key()] = cell
        for i, item in enumerate(list_of(data, "statements", dict, "matrix")):
            statement = CheckStatement.from_dict(item, f"statements[{i}]")
            matrix.statements[statement.check] = statement
        return matrix


def check_schema_version(data: object) -> None:
    version = data.get("schema_version") if isinstance(data, Mapping) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(
            f"not a conformance matrix: no integer schema_version (this version reads schema_version {SCHEMA_VERSION})"
        )
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {version} is newer than this pytest-argo-conformance reads ({SCHEMA_VERSION}); "
            "upgrade pytest-argo-conformance"
        )
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {version} is not supported (this version reads {SCHEMA_VERSION}); "
            "re-run the suite to write a current matrix"
        )


@dataclass(frozen=True)
class BaselineDifference:
    """A build's cell whose outcome is not the baseline build's for the same topology and check."""

    cell: Cell
    baseline: Cell

    @property
    def worse(self) -> bool:
        return self.cell.outcome.severity > self.baseline.outcome.severity


def compare_to_baseline_build(matrix: Matrix) -> dict[str, list[BaselineDifference]]:
    """For each non-baseline build, its cells that differ from the baseline build's; {} without a baseline.

    Only cells present for both builds are compared.
    """
    baseline = matrix.baseline_build()
    if baseline is None:
        return {}
    result: dict[str, list[BaselineDifference]] = {b: [] for b in matrix.builds_order() if b != baseline}
    for cell in matrix.sorted_cells():
        if cell.build == baseline:
            continue
        reference = matrix.get(baseline, cell.topology, cell.check)
        if reference is not None and reference.outcome is not cell.outcome:
            result[cell.build].append(BaselineDifference(cell=cell, baseline=reference))
    return result
