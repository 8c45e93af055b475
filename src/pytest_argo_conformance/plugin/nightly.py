"""What a nightly CI job needs beyond one run: rerun only the failed cells of an earlier matrix
(`--argo-rerun-failed MATRIX.json`), and a quarantine file that turns listed failures into known-fails until their
expiry date (`--argo-quarantine FILE`)."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pytest_argo_conformance.matrix.json_io import read_json
from pytest_argo_conformance.matrix.model import CellKey, Matrix, Outcome
from pytest_argo_conformance.plugin import cells

RERUN_OUTCOMES = (Outcome.FAILED, Outcome.ERROR)
QUARANTINE_FIELDS = ("check", "build", "topology", "reason", "expires")


@dataclass(frozen=True)
class Rerun:
    """The failed and errored cells of an earlier matrix, and the builds and topologies they need."""

    source: Path
    cells: frozenset[CellKey]  # (build, topology, check)
    build_specs: tuple[str, ...]  # NAME=REF of the matrix's builds that have a cell to rerun
    baseline: str | None
    topologies: tuple[str, ...]

    def wants(self, key: CellKey) -> bool:
        return key in self.cells


def load_rerun(path: str) -> Rerun:
    """Read MATRIX.json; one UsageError line when it cannot be read or is not a matrix."""
    source = Path(path).expanduser()
    try:
        matrix = read_json(source)
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"--argo-rerun-failed {exc}; give the matrix.json of an earlier run") \
            from None
    return _rerun_of(matrix, source)


def _rerun_of(matrix: Matrix, source: Path) -> Rerun:
    failed = [c for c in matrix.sorted_cells() if c.outcome in RERUN_OUTCOMES]
    builds = list(dict.fromkeys(c.build for c in failed))
    baseline = matrix.baseline_build()
    needed = builds + ([baseline] if baseline and baseline not in builds else [])
    return Rerun(
        source=source,
        cells=frozenset(c.key() for c in failed),
        build_specs=tuple(f"{name}={matrix.builds[name].ref}" for name in needed if name in matrix.builds),
        baseline=baseline,
        topologies=tuple(dict.fromkeys(c.topology for c in failed)),
    )


@dataclass(frozen=True)
class Quarantined:
    """One entry of the quarantine file: fnmatch patterns (absent: any), why, and until when."""

    check: str
    build: str
    topology: str
    reason: str
    expires: dt.date

    def matches(self, key: CellKey) -> bool:
        build, topology, check = key
        return (fnmatch.fnmatchcase(build, self.build) and fnmatch.fnmatchcase(topology, self.topology)
                and fnmatch.fnmatchcase(check, self.check))

    def describe(self) -> str:
        return f"{self.reason} (quarantined until {self.expires.isoformat()})"


def load_quarantine(path: str) -> tuple[Quarantined, ...]:
    """Read the quarantine file: a YAML list of {check, build, topology, reason, expires}; at least one pattern,
    a reason and an expiry date (YYYY-MM-DD) each. One UsageError line for anything else."""
    where = f"--argo-quarantine {path}"
    try:
        data = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise pytest.UsageError(f"{where}: cannot be read ({exc.strerror}); give a YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise pytest.UsageError(f"{where}:{line} not valid YAML") from None
    if not isinstance(data, list):
        raise pytest.UsageError(f"{where}: give a list of entries (check, build, topology, reason, expires)")
    return tuple(_entry(item, f"{where} entry {i + 1}") for i, item in enumerate(data))


def _entry(item: object, where: str) -> Quarantined:
    if not isinstance(item, dict):
        raise pytest.UsageError(f"{where}: give a mapping with {', '.join(QUARANTINE_FIELDS)}")
    unknown = sorted(set(map(str, item)) - set(QUARANTINE_FIELDS))
    if unknown:
        raise pytest.UsageError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(QUARANTINE_FIELDS)}")
    if not any(item.get(k) for k in ("check", "build", "topology")):
        raise pytest.UsageError(f"{where}: give at least one of check, build, topology (fnmatch patterns)")
    reason = str(item.get("reason") or "").strip()
    if not reason:
        raise pytest.UsageError(f"{where}: give a reason (why the failure is known, e.g. a tracker link)")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise pytest.UsageError(f"{where}: give expires as a date, YYYY-MM-DD (a quarantine ends)")
    return Quarantined(str(item.get("check") or "*"), str(item.get("build") or "*"),
                       str(item.get("topology") or "*"), reason, expires)


def quarantine_for(entries: tuple[Quarantined, ...], key: CellKey,
                   today: dt.date) -> tuple[Quarantined | None, Quarantined | None]:
    """(the entry that excuses a failure of this cell today, the expired entry that no longer does)."""
    matching = [e for e in entries if e.matches(key)]
    active = next((e for e in matching if e.expires >= today), None)
    expired = next((e for e in matching if e.expires < today), None)
    return active, expired


def apply(report: pytest.TestReport, entries: tuple[Quarantined, ...], today: dt.date | None = None) -> None:
    """Turn a failed call report of a quarantined cell into a known-fail (as pytest's xfail does); a failure whose
    entry has expired stays a failure and gets a note that says so."""
    props = dict(report.user_properties)
    if cells.PROP_BUILD not in props:
        return
    key = (str(props[cells.PROP_BUILD]), str(props[cells.PROP_TOPOLOGY]), str(props[cells.PROP_CHECK]))
    active, expired = quarantine_for(entries, key, today or dt.date.today())
    if active is not None:
        report.outcome = "skipped"
        report.wasxfail = f"quarantined: {active.describe()}"  # how pytest marks an xfail
    elif expired is not None:
        report.user_properties.append(
            (cells.PROP_NOTE, f"quarantine expired on {expired.expires.isoformat()}, so this failure counts: "
                              f"{expired.reason}"))
