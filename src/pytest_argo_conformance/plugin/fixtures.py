"""Session fixtures: settings, provider, cluster, and one Argo installation per (build, topology)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import pytest

from pytest_argo_conformance.components.argo.installation import INSTALLATION_MEMBERS, Installation

if TYPE_CHECKING:
    from pytest_argo_conformance.components.argo.runner import WorkflowRunner
    from pytest_argo_conformance.plugin.lookahead import Lookahead
from pytest_argo_conformance.plugin import run
from pytest_argo_conformance.plugin.cells import (
    PROP_FIGURE_PREFIX,
    PROP_NOTE,
    PROP_SERIES_PREFIX,
    PROP_VARIANT,
    PROP_VERSION_PREFIX,
    CellTarget,
    target_of,
)
from pytest_argo_conformance.plugin.options import Settings
from pytest_argo_conformance.plugin.stash import (
    BEHAVIOUR_KEY,
    CLUSTER_KEY,
    INSTALL_FACTS_KEY,
    LOOKAHEAD_KEY,
    REMOVALS_KEY,
    SETTINGS_KEY,
)
from pytest_argo_conformance.process import signals
from pytest_argo_conformance.providers.base import ClusterInfo, Provider, ProviderError


@pytest.fixture(scope="session")
def argo_settings(pytestconfig: pytest.Config) -> Settings:
    """The parsed `--argo-*` options."""
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def argo_provider(pytestconfig: pytest.Config, argo_settings: Settings) -> Provider:
    """The cluster provider chosen by `--argo-provider` (or a conftest's `pytest_argo_make_provider`)."""
    try:
        provider: Provider | None = pytestconfig.hook.pytest_argo_make_provider(config=pytestconfig,
                                                                             settings=argo_settings)
    except (pytest.UsageError, ProviderError) as exc:  # e.g. kind is not installed: one line, not a traceback
        failure = str(exc)
    else:
        failure = "" if provider is not None else f"no provider for --argo-provider {argo_settings.provider!r}"
    if failure:
        pytest.fail(failure, pytrace=False)
    assert provider is not None
    return provider


@pytest.fixture(scope="session")
def argo_cluster(request: pytest.FixtureRequest, argo_provider: Provider) -> Iterator[ClusterInfo]:
    """The cluster, created or attached once per session; torn down unless kept or not ours. Before that, this
    run's lease there is given up (see plugin/run.py)."""
    try:
        info = argo_provider.up()
    except ProviderError as exc:
        failure = f"cluster ({argo_provider.name}): {exc}"
    else:
        failure = ""
    if failure:  # outside the except block, so the report shows the one line, not a chained traceback
        pytest.fail(failure, pytrace=False)
    request.config.stash[CLUSTER_KEY] = info
    yield info
    finish_removals(request)
    run.end(request.config, lambda what, call: teardown(request, what, call))
    teardown(request, f"cluster ({argo_provider.name}) teardown", argo_provider.down)


@pytest.fixture(scope="session")
def argo_cell(request: pytest.FixtureRequest) -> CellTarget:
    """The (build, topology) this test runs against; parametrized by the plugin."""
    param = getattr(request, "param", None)
    if not isinstance(param, CellTarget):
        raise pytest.UsageError("argo_cell is parametrized by the argo-conformance plugin; do not request it directly")
    return param


@pytest.fixture(autouse=True)
def _argo_cell_properties(request: pytest.FixtureRequest) -> Iterator[None]:
    """Allure parameters for the cell; after the test, the cluster's versions for the matrix."""
    target = target_of(request.node)
    if target is not None:
        import allure

        allure.dynamic.parameter("build", target.build.name)
        allure.dynamic.parameter("topology", target.topology.id)
    yield
    cluster = request.config.stash.get(CLUSTER_KEY, None)
    if target is not None and cluster is not None:
        for component, version in cluster.versions.items():
            request.node.user_properties.append((PROP_VERSION_PREFIX + component, version))
    if target is not None:
        variant, notes = request.config.stash.get(INSTALL_FACTS_KEY, {}).get(
            (target.build.name, target.topology.id), ("", []))
        if variant:
            request.node.user_properties.append((PROP_VARIANT, variant))
        request.node.user_properties.extend((PROP_NOTE, f"install: {note}") for note in notes)


@pytest.fixture(scope="session")
def argo_artifact_repository(
    request: pytest.FixtureRequest, argo_provider: Provider, argo_cluster: ClusterInfo
) -> Iterator[str]:
    """The in-cluster S3 server that every installation uses as its artifact repository; yields its endpoint."""
    from pytest_argo_conformance.components import s3

    lease = run.lease(request.config, argo_cluster)
    try:
        s3.share(lease, s3.image_for(argo_provider))
    except Exception as exc:  # noqa: BLE001 - any set-up failure is one failure line
        pytest.fail(f"the S3 artifact repository did not come up: {exc}", pytrace=False)
    yield s3.endpoint()
    teardown(request, "removing the S3 artifact repository", lambda: s3.release(lease))


@pytest.fixture(scope="session")
def argo(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    argo_provider: Provider,
    argo_cluster: ClusterInfo,
    argo_artifact_repository: str,
    argo_cell: CellTarget,
) -> Iterator[Installation]:
    """Argo Workflows installed for this cell; shared by every test of the cell, uninstalled after the last."""
    install = pytestconfig.hook.pytest_argo_install(
        config=pytestconfig,
        provider=argo_provider,
        cluster=argo_cluster,
        build=argo_cell.build,
        topology=argo_cell.topology,
    )
    if not isinstance(install, Installation):
        lacks = [name for name in INSTALLATION_MEMBERS if not hasattr(install, name)]
        pytest.fail(f"pytest_argo_install returned {type(install).__name__} for {argo_cell.id}, which is not an "
                    f"Installation (lacks {', '.join(lacks) or 'nothing named, but is not one'}); see "
                    "pytest_argo_conformance.api.Installation", pytrace=False)
    yield install
    from pytest_argo_conformance.components.argo.install import BuiltinInstallation

    if isinstance(install, BuiltinInstallation):  # its namespaces go while the next cell works (finish_removals)
        pending = request.config.stash.setdefault(REMOVALS_KEY, [])
        teardown(request, f"uninstall of {argo_cell.id}", lambda: pending.append(install.start_uninstall().start()))
    else:
        teardown(request, f"uninstall of {argo_cell.id}", install.uninstall)


def finish_removals(request: pytest.FixtureRequest) -> None:
    """Wait until the namespaces of the cells already uninstalled are gone: before anything they may still need is
    removed (Kueue, which holds finalizers on their pods and workloads) and before the run ends."""
    pending = request.config.stash.get(REMOVALS_KEY, [])
    while pending:
        removal = pending.pop(0)
        teardown(request, f"removal of {', '.join(removal.namespaces)}", removal.wait)


def teardown(request: pytest.FixtureRequest, what: str, call: Callable[[], object]) -> None:
    """Run a fixture's clean-up, not to be cut short by SIGINT or SIGTERM (process/signals.py); a failure becomes a
    warning that names it (it must not mask test results)."""
    with signals.deferred():
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - a teardown error must not mask test results
            request.node.warn(pytest.PytestWarning(f"{what} failed: {exc}"))


@pytest.fixture
def argo_record(request: pytest.FixtureRequest) -> Recorder:
    """Record a figure (`argo_record.figure("controller.memory_mib", 41.5)`), a series of [x, y] points
    (`argo_record.series("scale.completed", [(0.0, 0), (4.2, 10)])`) or a note for this cell."""
    return Recorder(request.node)


class Recorder:
    """`argo_record`: figures, series and notes that go into this check's cell of the matrix."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def figure(self, name: str, value: float) -> None:
        self._item.user_properties.append((PROP_FIGURE_PREFIX + name, float(value)))

    def series(self, name: str, points: Sequence[tuple[float, float]]) -> None:
        """A series of [x, y] points, rounded to 3 decimals; it travels as one JSON string (user_properties cross
        xdist workers as plain values) and lands in JUnit XML as one <property>. Recording a name again replaces it."""
        rounded = [[round(float(x), 3), round(float(y), 3)] for x, y in points]
        bad = next((point for point in rounded if not all(math.isfinite(v) for v in point)), None)
        if bad is not None:
            raise ValueError(f"series {name!r}: point {bad} is not two finite numbers")
        self._item.user_properties.append((PROP_SERIES_PREFIX + name, json.dumps(rounded, separators=(",", ":"))))

    def note(self, text: str) -> None:
        self._item.user_properties.append((PROP_NOTE, text))


@pytest.fixture
def argo_behaviour(request: pytest.FixtureRequest, argo_cell: CellTarget) -> Callable[[str], str | None]:
    """`reference = argo_behaviour(observed)` records what the controller did (a note in the matrix) and returns
    what the build it is judged against did in the same check and topology earlier in this session: the upstream
    release of its own line when that is one of the session's builds, else the baseline (None: not seen, or the
    build is itself a reference). A check asserts `reference is None or observed == reference`."""
    from pytest_argo_conformance.components.argo.lines import compared_with

    seen = request.config.stash.setdefault(BEHAVIOUR_KEY, {})
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    axes = ",".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "argo_cell")  # e.g. the Kueue version
    check = f"{getattr(request.node, 'originalname', request.node.name)}[{axes}]"
    other = compared_with(argo_cell.build, request.config.stash[SETTINGS_KEY].builds)

    def record(observed: str) -> str | None:
        request.node.user_properties.append((PROP_NOTE, f"behaviour: {observed}"))
        seen[(argo_cell.build.name, argo_cell.topology.id, check)] = observed
        if other is None:
            return None
        reference = seen.get((other.name, argo_cell.topology.id, check))
        if reference is None:
            request.node.user_properties.append(
                (PROP_NOTE, f"the behaviour of {other.name}, which this build is judged against, was not seen"))
        return reference

    return record


@pytest.fixture
def argo_workflows(request: pytest.FixtureRequest, argo: Installation) -> Iterator[WorkflowRunner]:
    """Submit and wait for workflows in this cell; a failing test's report carries their diagnostics.

    After the test, the summed run time of its finished workflows becomes the cell's `workflows.seconds` figure
    (bench/harness_overhead.py compares it with the suite's wall time)."""
    from pytest_argo_conformance.components.argo.runner import WorkflowRunner, manifest_dirs_beside

    runner = WorkflowRunner(argo)
    runner.manifest_dirs = manifest_dirs_beside(request.path)
    yield runner  # what was submitted ahead for this check is handed over in pytest_runtest_setup
    for note in dict.fromkeys(runner.dialect_notes):
        request.node.user_properties.append((PROP_NOTE, f"dialect: {note}"))
    if argo.api is not None:
        request.node.user_properties.append((PROP_FIGURE_PREFIX + "workflows.seconds", runner.finished_seconds()))
    if runner.head_start:  # its workflow ran while the checks before it waited
        request.node.user_properties.append((PROP_FIGURE_PREFIX + "lookahead.head_start_seconds",
                                             max(runner.head_start.values())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Once a check of a cell has its fixtures: the workflows submitted ahead for it go to its `argo_workflows`, and
    the next checks' are submitted (or, before a serial check, the cell's have ended); see plugin/lookahead.py."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    installation = funcargs.get("argo")
    if isinstance(installation, Installation):
        ahead = lookahead(item.config).arrive(item, installation)
        runner = funcargs.get("argo_workflows")
        if runner is not None:
            runner.ahead = ahead
    return result


def lookahead(config: pytest.Config) -> Lookahead:
    """The session's workflows submitted ahead of their checks (plugin/lookahead.py)."""
    from pytest_argo_conformance.plugin.lookahead import Lookahead

    if LOOKAHEAD_KEY not in config.stash:
        config.stash[LOOKAHEAD_KEY] = Lookahead(config.stash[SETTINGS_KEY].lookahead)
    return config.stash[LOOKAHEAD_KEY]
