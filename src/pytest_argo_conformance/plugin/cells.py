"""A cell of the matrix as the tests see it: one controller build in one topology."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.topologies import Topology

CELL_FIXTURE = "argo_cell"  # the fixture the plugin parametrizes with each test's CellTarget

# user_properties keys: they carry a report's cell to the matrix (also across xdist workers)
# and land in JUnit XML as <property> elements.
PROP_BUILD = "argo.build"
PROP_TOPOLOGY = "argo.topology"
PROP_CHECK = "argo.check"
PROP_SUITE = "argo.suite"
PROP_FIGURE_PREFIX = "argo.figure."
PROP_SERIES_PREFIX = "argo.series."  # argo.series.scale.completed = [[0.0,0.0],[4.2,10.0]] (a JSON string)
PROP_NOTE = "argo.note"
PROP_VARIANT = "argo.topology_variant"  # what the topology was on this cluster, when not just its id
PROP_STATEMENT = "argo.statement"  # the check's registry entry: id, area, statement (tab-separated)
PROP_VERSION_PREFIX = "argo.version."  # argo.version.kubernetes = v1.34.4
PROP_DIGEST_PREFIX = "argo.digest."  # argo.digest.<image> = sha256:...


@dataclass(frozen=True)
class CellTarget:
    build: ControllerBuild
    topology: Topology

    @property
    def id(self) -> str:
        return f"{self.build.name}-{self.topology.id}"

    def __repr__(self) -> str:  # what reports (Allure parameters, -v ids) show
        return self.id


def target_of(item: pytest.Item) -> CellTarget | None:
    """The cell a test runs against (its `argo_cell` parameter); None for a test of no cell."""
    callspec = getattr(item, "callspec", None)
    target = callspec.params.get(CELL_FIXTURE) if callspec else None
    return target if isinstance(target, CellTarget) else None


def suite_name(module_name: str) -> str:
    """suites/test_steps.py -> 'steps'."""
    stem = module_name.rsplit(".", 1)[-1]
    return stem.removeprefix("test_")


def cell_of_nodeid(nodeid: str, cell_ids: list[str]) -> str | None:
    """The cell id (of `cell_ids`) in a test id's parameters (`test_x[CELL]` or `test_x[CELL-kueue-v0.19.2]`)."""
    params = nodeid[nodeid.find("[") + 1:nodeid.rfind("]")] if nodeid.endswith("]") else ""
    for cell in sorted(cell_ids, key=len, reverse=True):  # the longest first: ids may share prefixes
        if params == cell or params.startswith(cell + "-"):
            return cell
    return None
