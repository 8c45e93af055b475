"""Fixtures of the scale lane (suites/test_scale.py): its settings, the session's simulated nodes, and the figures
of each build's reference build from earlier in the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pytest_argo_conformance.components.argo.lines import compared_with
from pytest_argo_conformance.kube import api_client
from pytest_argo_conformance.plugin.cells import CellTarget
from pytest_argo_conformance.plugin.stash import RUN_ID_KEY, SETTINGS_KEY
from pytest_argo_conformance.providers.base import ClusterInfo
from pytest_argo_conformance.scale.lane import SimulatedNodes
from pytest_argo_conformance.scale.settings import ScaleSettings

SCALE_FIGURES_KEY = pytest.StashKey[dict[tuple[str, str], dict[str, float]]]()  # (build, topology) -> figures

Reference = tuple[str, dict[str, float] | None]  # the reference build's name ("" for none) and its figures


@pytest.fixture(scope="session")
def argo_scale(pytestconfig: pytest.Config) -> ScaleSettings:
    """The scale lane's settings (`--argo-scale-*`)."""
    settings = pytestconfig.stash[SETTINGS_KEY].scale
    if settings is None:
        pytest.skip("the scale lane runs with --argo-scale-workflows N (argo-conformance scale)")
    return settings


@pytest.fixture(scope="session")
def argo_simulated_nodes(request: pytest.FixtureRequest, argo_cluster: ClusterInfo,
                         argo_scale: ScaleSettings) -> Iterator[SimulatedNodes]:
    """KWOK beside the cluster and the run's simulated nodes, for the session; removed after its last scale check."""
    settings = request.config.stash[SETTINGS_KEY]
    nodes = SimulatedNodes(api_client(argo_cluster), argo_cluster, request.config.stash[RUN_ID_KEY], argo_scale.nodes,
                           settings.report_dir.resolve())
    try:
        nodes.__enter__()
    except Exception as exc:  # noqa: BLE001 - one line: what did not come up
        pytest.fail(f"scale lane: simulated nodes did not come up: {exc}", pytrace=False)
    yield nodes
    from pytest_argo_conformance.plugin.fixtures import teardown

    teardown(request, "removing the simulated nodes and stopping KWOK", nodes.__exit__)


@pytest.fixture
def argo_scale_reference(request: pytest.FixtureRequest,
                         argo_cell: CellTarget) -> Callable[[dict[str, float]], Reference]:
    """`name, figures = argo_scale_reference(mine)` keeps this cell's figures and returns those of the build it is
    judged against, from earlier in the session (None when that build's scale check did not run before it)."""
    seen = request.config.stash.setdefault(SCALE_FIGURES_KEY, {})
    other = compared_with(argo_cell.build, request.config.stash[SETTINGS_KEY].builds)

    def record(figures: dict[str, float]) -> Reference:
        seen[(argo_cell.build.name, argo_cell.topology.id)] = figures
        if other is None:
            return "", None
        return other.name, seen.get((other.name, argo_cell.topology.id))

    return record
