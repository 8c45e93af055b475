"""Compare two runs' matrices (e.g. main's last run and this pull request's) cell by cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_argo_conformance.matrix.model import Cell, CellKey, Matrix, Outcome

BAD = (Outcome.FAILED, Outcome.ERROR)
LIST_LIMIT = 50  # entries shown per section of render_text


@dataclass(frozen=True)
class Change:
    """One key's cell in the baseline run (`before`) and in the current run (`after`); None when absent."""

    key: CellKey
    before: Cell | None
    after: Cell | None

    def describe(self) -> str:
        was = self.before.outcome.value if self.before else "absent"
        now = self.after.outcome.value if self.after else "absent"
        reason = self.after.reason if self.after and self.after.outcome is not Outcome.PASSED else ""
        return f"{' / '.join(self.key)}: {was} -> {now}" + (f": {reason}" if reason else "")


@dataclass
class DiffResult:
    regressions: list[Change] = field(default_factory=list)  # passed -> failed/error
    fixes: list[Change] = field(default_factory=list)  # failed/error/known-fail -> passed
    newly_skipped: list[Change] = field(default_factory=list)  # passed -> skipped (warning)
    missing: list[Change] = field(default_factory=list)  # passed -> absent (warning)
    changed: list[Change] = field(default_factory=list)  # any other change of outcome
    new: list[Change] = field(default_factory=list)  # absent -> anything
    removed: list[Change] = field(default_factory=list)  # not passed -> absent
    builds: list[str] = field(default_factory=list)  # builds whose ref changed, one line each

    @property
    def has_regressions(self) -> bool:
        return bool(self.regressions)

    @property
    def warnings(self) -> list[Change]:
        return self.newly_skipped + self.missing

    def render_text(self) -> str:
        sections = [
            ("Regressions", "REGRESSION", self.regressions),
            ("Newly skipped (warning)", "SKIPPED", self.newly_skipped),
            ("Missing (warning): passed in the baseline, not run now", "MISSING", self.missing),
            ("Fixes", "FIXED", self.fixes),
            ("Other changes", "CHANGED", self.changed),
            ("New cells", "NEW", self.new),
            ("Removed cells", "REMOVED", self.removed),
        ]
        lines = [f"build {line}" for line in self.builds]
        for title, tag, changes in sections:
            if not changes:
                continue
            lines.append(f"{title} ({len(changes)}):")
            lines += [f"  {tag} {change.describe()}" for change in changes[:LIST_LIMIT]]
            if len(changes) > LIST_LIMIT:
                lines.append(f"  ... and {len(changes) - LIST_LIMIT} more")
        lines.append(
            f"{len(self.regressions)} regression(s), {len(self.warnings)} warning(s), {len(self.fixes)} fix(es), "
            f"{len(self.new)} new, {len(self.missing) + len(self.removed)} gone"
        )
        return "\n".join(lines) + "\n"


def diff(baseline: Matrix, current: Matrix) -> DiffResult:
    """Classify every key of either matrix; only passed -> failed/error is a regression."""
    result = DiffResult()
    for name, build in current.builds.items():
        before = baseline.builds.get(name)
        if before is not None and before.ref != build.ref:
            result.builds.append(f"{name}: {before.ref} -> {build.ref}")
    for cell in baseline.sorted_cells():
        after = current.cells.get(cell.key())
        change = Change(cell.key(), cell, after)
        if after is None:
            (result.missing if cell.outcome is Outcome.PASSED else result.removed).append(change)
        elif after.outcome is not cell.outcome:
            _bucket(result, cell.outcome, after.outcome).append(change)
    for cell in current.sorted_cells():
        if cell.key() not in baseline.cells:
            result.new.append(Change(cell.key(), None, cell))
    return result


def _bucket(result: DiffResult, was: Outcome, now: Outcome) -> list[Change]:
    if was is Outcome.PASSED and now in BAD:
        return result.regressions
    if was is Outcome.PASSED and now is Outcome.SKIPPED:
        return result.newly_skipped
    if now is Outcome.PASSED and was in (*BAD, Outcome.KNOWN_FAIL):
        return result.fixes
    return result.changed
