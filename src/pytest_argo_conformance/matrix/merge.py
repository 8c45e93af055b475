"""Join the matrices written by parallel CI jobs (different builds, topologies or checks) into one."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pytest_argo_conformance.matrix.model import BuildInfo, Cell, CellKey, Matrix

JOIN = " | "


class MergeError(ValueError):
    """The inputs cannot be merged; the message is one line saying which inputs disagree and what to do."""


@dataclass
class MergeReport:
    matrix: Matrix
    conflicts: list[str] = field(default_factory=list)  # one line per key the inputs disagreed on


def merge(matrices: Sequence[Matrix], *, labels: Sequence[str] | None = None) -> Matrix:
    return merge_report(matrices, labels=labels).matrix


def merge_report(matrices: Sequence[Matrix], *, labels: Sequence[str] | None = None) -> MergeReport:
    """Merge `matrices`; `labels` (e.g. file names) name each input in notes and errors.

    - cells: a key seen in more than one input keeps the worse outcome; if the outcomes differ the kept cell
      gets a note and the conflict is listed in the report (never dropped silently);
    - builds: one name must mean one ref (and one image per role) everywhere, else MergeError;
      differing digests are kept as "a | b"; at most one baseline build;
    - versions, environment and run ids that differ are kept as "a | b"; `created` is the latest.
    """
    if not matrices:
        raise MergeError("nothing to merge: give at least one matrix")
    names = [_label(m, i, labels) for i, m in enumerate(matrices)]
    merged = Matrix(
        run_id=_join(m.run_id for m in matrices),
        created=max(m.created for m in matrices),
        versions=_join_maps([m.versions for m in matrices]),
        environment=_join_maps([m.environment for m in matrices]),
        topology_variants=_join_maps([m.topology_variants for m in matrices]),
    )
    build_source: dict[str, str] = {}
    for matrix, name in zip(matrices, names, strict=True):
        for build in matrix.builds.values():
            _merge_build(merged, build, name, build_source)
    baselines = [b for b in merged.builds.values() if b.baseline]
    if len(baselines) > 1:
        first, second = baselines[0].name, baselines[1].name
        raise MergeError(
            f"builds {first!r} ({build_source[first]}) and {second!r} ({build_source[second]}) are both the "
            "baseline build; merge jobs that share one baseline build"
        )
    report = MergeReport(matrix=merged)
    cell_source: dict[CellKey, str] = {}
    for matrix, name in zip(matrices, names, strict=True):
        for cell in matrix.sorted_cells():
            _merge_cell(report, copy.deepcopy(cell), name, cell_source)
        for check, statement in matrix.statements.items():  # the newer suite's wording wins
            merged.statements[check] = statement
    return report


def _label(matrix: Matrix, index: int, labels: Sequence[str] | None) -> str:
    if labels is not None and index < len(labels):
        return labels[index]
    return matrix.run_id or f"input {index + 1}"


def _join(values: Iterable[str]) -> str:
    seen: list[str] = []
    for value in values:
        for part in value.split(JOIN):  # an earlier merge's "a | b" stays flat
            if part and part not in seen:
                seen.append(part)
    return JOIN.join(seen)


def _join_maps(maps: Sequence[dict[str, str]]) -> dict[str, str]:
    keys = list(dict.fromkeys(k for m in maps for k in m))
    return {k: _join(m[k] for m in maps if k in m) for k in keys}


def _merge_build(merged: Matrix, build: BuildInfo, name: str, source: dict[str, str]) -> None:
    known = merged.builds.get(build.name)
    if known is None:
        merged.add_build(copy.deepcopy(build))
        source[build.name] = name
        return
    where = f"in {source[build.name]} but"
    if known.ref != build.ref:
        raise MergeError(
            f"build {build.name!r} is {known.ref!r} {where} {build.ref!r} in {name}; "
            "one build name must mean one controller build across merged jobs - rename one of them"
        )
    for role, image in build.images.items():
        if known.images.setdefault(role, image) != image:
            raise MergeError(
                f"build {build.name!r} uses {role} image {known.images[role]!r} {where} {image!r} in {name}; "
                "give the builds different names"
            )
    for image, digest in build.digests.items():
        known.digests[image] = _join([known.digests[image], digest]) if image in known.digests else digest
    known.baseline = known.baseline or build.baseline


def _merge_cell(report: MergeReport, cell: Cell, name: str, source: dict[CellKey, str]) -> None:
    cells = report.matrix.cells
    kept = cells.get(cell.key())
    if kept is None:
        cells[cell.key()] = cell
        source[cell.key()] = name
        return
    if kept.outcome is cell.outcome:
        return  # the same result twice (a re-run job): nothing to report
    winner, loser = (cell, kept) if cell.outcome.severity > kept.outcome.severity else (kept, cell)
    winner_from, loser_from = (name, source[cell.key()]) if winner is cell else (source[cell.key()], name)
    note = (
        f"merge conflict: {winner.outcome.value} in {winner_from}, {loser.outcome.value} in {loser_from}"
        + (f" ({loser.reason})" if loser.reason else "")
        + f"; kept {winner.outcome.value}"
    )
    winner.notes.append(note)
    cells[cell.key()] = winner
    source[cell.key()] = winner_from
    report.conflicts.append(f"{'/'.join(cell.key())}: {note}")
