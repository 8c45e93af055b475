"""pytest-xdist scheduling by topology: all tests of one topology, every build's cell of it, go to the same worker, so
that each cell is installed once and a build's checks see, through `argo_behaviour`, what the build it is judged
against did in the same topology (it ran before, on the same worker); topologies are spread over the workers.
(xdist's own `loadgroup` cannot be used: with pytest 9 its
`xdist_group` suffix no longer reaches the node ids.)"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

from pytest_argo_conformance.plugin.cells import cell_of_nodeid


class CellScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist's classes are untyped here
    def __init__(self, config: Any, log: Any, cells: dict[str, str]) -> None:
        super().__init__(config, log)
        self.topology_of = cells  # cell id (BUILD-TOPOLOGY) -> topology id

    def _split_scope(self, nodeid: str) -> str:
        """The topology of the cell a test belongs to; a test of no cell is a scope of its own."""
        cell = cell_of_nodeid(nodeid, list(self.topology_of))
        return self.topology_of[cell] if cell is not None else nodeid
