"""Fills the conformance matrix from pytest's reports and writes it at the end of the session."""

from __future__ import annotations

import json
import platform
from typing import Any

import pytest

from pytest_argo_conformance.components.argo.lines import judged_against
from pytest_argo_conformance.matrix import write_all
from pytest_argo_conformance.matrix.model import (
    BuildInfo,
    Cell,
    CheckStatement,
    Matrix,
    Outcome,
    Points,
    one_line,
    parse_points,
    phase_outcome,
)
from pytest_argo_conformance.plugin import cells
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY
from pytest_argo_conformance.process import signals


class MatrixRecorder:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.matrix: Matrix | None = None
        self.written: list[str] = []
        self.collected: dict[str, list[tuple[str, object]]] = {}  # nodeid -> the cell's properties
        self.reported: set[str] = set()
        self.running = ""  # the test under way (an interrupted run marks it as such)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = {item.nodeid: list(item.user_properties) for item in session.items
                          if cells.PROP_BUILD in dict(item.user_properties)}

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.running = nodeid

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.running = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Each phase (setup, call, teardown) is added; the model keeps the worst outcome of a test."""
        props = list(report.user_properties)
        single = dict(props)
        if cells.PROP_BUILD not in single:
            return
        self.reported.add(report.nodeid)
        matrix = self._matrix()
        for key, value in props:
            if key.startswith(cells.PROP_VERSION_PREFIX):
                matrix.versions[key.removeprefix(cells.PROP_VERSION_PREFIX)] = str(value)
            elif key == cells.PROP_VARIANT:
                matrix.topology_variants[str(single[cells.PROP_TOPOLOGY])] = str(value)
            elif key == cells.PROP_STATEMENT:
                ident, area, statement = str(value).split("\t", 2)
                check = str(single[cells.PROP_CHECK])
                matrix.statements[check] = CheckStatement(check=check, id=ident, statement=statement, area=area)
            elif key.startswith(cells.PROP_DIGEST_PREFIX) and str(single[cells.PROP_BUILD]) in matrix.builds:
                build = matrix.builds[str(single[cells.PROP_BUILD])]
                build.digests[key.removeprefix(cells.PROP_DIGEST_PREFIX)] = str(value)
        series, dropped = _series(props)
        matrix.add(
            _cell(
                single,
                outcome=phase_outcome(report.when, report.outcome, xfail=hasattr(report, "wasxfail")),
                duration=round(report.duration, 3),
                reason=_reason(report),
                nodeid=report.nodeid,
                figures={
                    k.removeprefix(cells.PROP_FIGURE_PREFIX): float(v)  # type: ignore[arg-type]  # figures are numbers
                    for k, v in props
                    if k.startswith(cells.PROP_FIGURE_PREFIX)
                },
                series=series,
                notes=[str(v) for k, v in props if k == cells.PROP_NOTE] + dropped,
            )
        )

    def _matrix(self) -> Matrix:
        if self.matrix is None:
            conf = self.config.stash[SETTINGS_KEY]
            self.matrix = Matrix(
                run_id=conf.run_label,
                builds={
                    b.name: BuildInfo(name=b.name, ref=b.ref, baseline=b.baseline, images=dict(b.images),
                                      compared_with=judged_against(b, conf.builds))
                    for b in conf.builds
                },
                versions={"argo-workflows (baseline)": conf.baseline.ref},
                environment={"provider": conf.provider, "cluster": conf.cluster_name, "host": platform.node()},
            )
        return self.matrix

    def _mark_interrupted(self) -> None:
        """The run was interrupted: the check under way is an error that says so, checks not run are skips."""
        why = signals.received() or "KeyboardInterrupt"
        for nodeid, props in self.collected.items():
            if nodeid in self.reported and nodeid != self.running:
                continue
            interrupted = nodeid == self.running
            self._matrix().add(_cell(
                dict(props),
                outcome=Outcome.ERROR if interrupted else Outcome.SKIPPED,
                reason=f"interrupted by {why} while it ran" if interrupted else f"not run: interrupted by {why}",
                nodeid=nodeid,
            ))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self._mark_interrupted()
        if self.matrix is None:
            return
        self.config.hook.pytest_argo_matrix_update(config=self.config, matrix=self.matrix)
        report_dir = self.config.stash[SETTINGS_KEY].report_dir
        self.written = [str(p) for p in write_all(self.matrix, report_dir)]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.matrix is None:
            return
        counts: dict[str, int] = {}
        for cell in self.matrix.sorted_cells():
            counts[cell.outcome.value] = counts.get(cell.outcome.value, 0) + 1
        terminalreporter.section("argo-conformance matrix")
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"{len(self.matrix.sorted_cells())} cells: {summary}")
        for cell in self.matrix.sorted_cells():
            if cell.outcome in (Outcome.FAILED, Outcome.ERROR):
                terminalreporter.write_line(
                    f"  {cell.outcome.value.upper()} {cell.build} / {cell.topology} / {cell.check}: {cell.reason}"
                )
        for line in build_summaries(self.matrix):
            terminalreporter.write_line(line)
        for path in self.written:
            terminalreporter.write_line(f"  written: {path}")


def build_summaries(matrix: Matrix) -> list[str]:
    """One line per build: `upstream: 80 passed / 1 failed / 3 skipped (+2 known-fail); failed: a, b`."""
    lines = []
    for build in matrix.builds_order():
        found = [c for c in matrix.sorted_cells() if c.build == build]
        if not found:
            continue
        count = {o: sum(1 for c in found if c.outcome is o) for o in Outcome}
        failed = count[Outcome.FAILED] + count[Outcome.ERROR]
        line = f"{build}: {count[Outcome.PASSED]} passed / {failed} failed / {count[Outcome.SKIPPED]} skipped"
        if count[Outcome.KNOWN_FAIL]:
            line += f" (+{count[Outcome.KNOWN_FAIL]} known-fail)"
        names = list(dict.fromkeys(f"{c.check} [{c.topology}]" for c in found
                                   if c.outcome in (Outcome.FAILED, Outcome.ERROR)))
        if names:
            line += f"; failed: {', '.join(names[:10])}" + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        lines.append(line)
    return lines


def _cell(single: dict[str, object], **rest: Any) -> Cell:
    """A cell of the check whose properties (`cells.PROP_*`) are `single`."""
    return Cell(build=str(single[cells.PROP_BUILD]), topology=str(single[cells.PROP_TOPOLOGY]),
                check=str(single[cells.PROP_CHECK]), suite=str(single[cells.PROP_SUITE]), **rest)


def _series(props: list[tuple[str, object]]) -> tuple[dict[str, Points], list[str]]:
    """The `argo.series.<name>` properties (JSON strings of [x, y] points) as the cell's series; a malformed one is
    dropped with a note saying why (a bad plot must not lose the check's result)."""
    series: dict[str, Points] = {}
    dropped: list[str] = []
    for key, value in props:
        if not key.startswith(cells.PROP_SERIES_PREFIX):
            continue
        name = key.removeprefix(cells.PROP_SERIES_PREFIX)
        try:
            series[name] = parse_points(json.loads(str(value)), f"series {name!r}")
        except json.JSONDecodeError as exc:
            dropped.append(f"dropped series {name!r}: not JSON ({exc.msg})")
        except ValueError as exc:
            dropped.append(f"dropped {exc}")
    return series, dropped


def _reason(report: pytest.TestReport) -> str:
    """One line: why a phase did not pass (skip reason, xfail reason, or the failure message)."""
    if report.passed:
        return ""
    if hasattr(report, "wasxfail"):
        return f"known failure: {report.wasxfail}" if report.wasxfail else "known failure"
    if report.skipped:
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return one_line(text.removeprefix("Skipped: "))
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return ("" if report.when == "call" else f"{report.when}: ") + one_line(text)
