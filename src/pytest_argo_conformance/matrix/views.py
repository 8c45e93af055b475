"""What every human-readable writer shows, computed once: symbols, failure list, reasons grouped, counts."""

from __future__ import annotations

from collections import Counter

from pytest_argo_conformance.matrix.model import Cell, CellKey, Matrix, Outcome, compare_to_baseline_build

TITLE = "Argo Workflows conformance"
SYMBOLS = {
    Outcome.PASSED: "pass",
    Outcome.FAILED: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.SKIPPED: "skip",
    Outcome.KNOWN_FAIL: "xfail",
}
ABSENT = "–"  # no cell: the check was not run for that build on that topology
DIFFERS = "≠"  # the build's outcome is not the baseline build's
NO_REASON = "(no reason given)"


def differing_keys(matrix: Matrix) -> set[CellKey]:
    return {d.cell.key() for diffs in compare_to_baseline_build(matrix).values() for d in diffs}


def problems(matrix: Matrix) -> list[Cell]:
    """Failed and errored cells, in matrix order."""
    return [c for c in matrix.sorted_cells() if c.outcome in (Outcome.FAILED, Outcome.ERROR)]


def grouped_reasons(matrix: Matrix, outcome: Outcome) -> list[tuple[str, list[Cell]]]:
    """Cells with `outcome` grouped by reason, the most frequent reason first."""
    groups: dict[str, list[Cell]] = {}
    for cell in matrix.sorted_cells():
        if cell.outcome is outcome:
            groups.setdefault(cell.reason or NO_REASON, []).append(cell)
    return sorted(groups.items(), key=lambda item: -len(item[1]))


def counts(matrix: Matrix, build: str, topology: str | None = None) -> Counter[Outcome]:
    return Counter(
        c.outcome for c in matrix.cells.values() if c.build == build and topology in (None, c.topology)
    )


def count_line(counter: Counter[Outcome]) -> str:
    return ", ".join(f"{counter[o]} {o.value}" for o in Outcome if counter[o]) or "no results"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def where(cell: Cell) -> str:
    return f"{cell.build} / {cell.topology} / {cell.check}"
