"""One line per cell when its last check is done: done/total checks of the run, elapsed time, and an estimate of
the time left (the mean time per check so far, times the checks left)."""

from __future__ import annotations

import time

import pytest

from pytest_argo_conformance.plugin import cells


class CellProgress:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.monotonic()
        self.cell_of: dict[str, tuple[str, str]] = {}  # nodeid -> (build, topology)
        self.left: dict[tuple[str, str], int] = {}  # cell -> its checks not finished yet
        self.done = 0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            props = dict(item.user_properties)
            if cells.PROP_BUILD in props:
                cell = (str(props[cells.PROP_BUILD]), str(props[cells.PROP_TOPOLOGY]))
                self.cell_of[item.nodeid] = cell
                self.left[cell] = self.left.get(cell, 0) + 1

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """Under pytest-xdist this process collects nothing: the cells come from a worker's test ids."""
        if self.cell_of:
            return
        from pytest_argo_conformance.plugin.stash import SETTINGS_KEY

        conf = self.config.stash[SETTINGS_KEY]
        targets = {cells.CellTarget(b, t).id: (b.name, t.id) for b in conf.builds for t in conf.topologies}
        for nodeid in ids:
            cell = cells.cell_of_nodeid(nodeid, list(targets))
            if cell is not None:
                self.cell_of[nodeid] = targets[cell]
                self.left[targets[cell]] = self.left.get(targets[cell], 0) + 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        cell = self.cell_of.get(report.nodeid)
        if cell is None or report.when != "teardown":
            return
        self.done += 1
        self.left[cell] -= 1
        if self.left[cell] == 0:
            self._line(f"{cell[0]} / {cell[1]}")

    def _line(self, cell: str) -> None:
        total = len(self.cell_of)
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (total - self.done) if self.done else 0.0
        estimate = f", about {_duration(left)} left" if total > self.done else ""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()  # after the progress dots of -q or xdist
            reporter.write_line(f"argo-conformance: cell {cell} done; {self.done}/{total} checks in "
                                f"{_duration(elapsed)}{estimate}")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
