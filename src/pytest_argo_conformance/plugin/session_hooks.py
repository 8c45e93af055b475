"""The plugin's hooks of an argo-conformance session, registered only once the plugin is enabled (see `__init__.py`):
xdist scheduling, the report header, parametrization over build x topology, a failing check's diagnostics, the
selection of a rerun, and signals that never cut a teardown short."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_argo_conformance.plugin import CELL_FIXTURE, cells, options, registry
from pytest_argo_conformance.plugin.cells import CellTarget, target_of
from pytest_argo_conformance.plugin.stash import RUN_ID_KEY, SETTINGS_KEY

_THIS_MODULE = sys.modules[__name__]  # (kept: pytester's in-process runs take modules out of sys.modules again)
# The scenarios' own plugins: each parametrizes and diagnoses its fixtures through the hooks in hookspecs.py.
SCENARIO_PLUGINS = (
    "pytest_argo_conformance.scenarios.images",
    "pytest_argo_conformance.scenarios.user_workflows",
    "pytest_argo_conformance.scenarios.upstream_examples",
    "pytest_argo_conformance.scenarios.kueue",
    "pytest_argo_conformance.scenarios.gpu",
)


def start(config: pytest.Config) -> None:
    """Set the session up as an argo-conformance session: the settings, the run id, the fixtures and scenario plugins,
    the matrix and progress reporters, and these hooks."""
    config.pluginmanager.register(_THIS_MODULE, "argo-conformance-session")
    # by name, not as the package's attributes (see plugin/__init__.py: pytester's in-process runs)
    builtin_hooks, fixtures, redaction = (importlib.import_module(f"pytest_argo_conformance.plugin.{name}")
                                          for name in ("builtin_hooks", "fixtures", "redaction"))
    config.pluginmanager.register(builtin_hooks, "argo-conformance-builtin-hooks")
    config.addinivalue_line("markers", "conformance(id, area): the check's registry entry: a stable id and the "
                            "feature area it covers; its docstring's first sentence is its MUST statement")
    from pytest_argo_conformance.plugin.lookahead import SERIAL_MARKER

    config.addinivalue_line("markers", f"{SERIAL_MARKER}(reason): the check keeps the cluster to itself (it measures "
                            "concurrency, capacity or quota): no workflow submitted ahead runs beside it")
    config.addinivalue_line("markers", f"{SCALE_MARKER}: a check of the scale lane (suites/test_scale.py): collected "
                            "only with --argo-scale-workflows N (argo-conformance scale)")
    config.pluginmanager.register(redaction.Redaction(config), "argo-conformance-redaction")  # tokens never leave
    config.stash[SETTINGS_KEY] = settings = options.load(config)
    config.stash[RUN_ID_KEY] = _run_id(config)
    from pytest_argo_conformance.process import signals

    if signals.install(lambda line: _announce(config, line)):  # SIGTERM ends the run as Ctrl-C does
        config.add_cleanup(signals.uninstall)
    config.pluginmanager.register(fixtures, "argo-conformance-fixtures")
    config.pluginmanager.register(importlib.import_module("pytest_argo_conformance.plugin.scale_fixtures"),
                                  "argo-conformance-scale-fixtures")
    for name in SCENARIO_PLUGINS:
        config.pluginmanager.import_plugin(name)
    # --argo-suites / pytest_argo_suite_paths: collected beside what was given to pytest
    given = {Path(arg).resolve() for arg in config.args}
    config.args.extend(str(path) for path in settings.suites if path not in given)
    if hasattr(config, "workerinput"):  # an xdist worker's progress reaches the terminal live
        importlib.import_module("pytest_argo_conformance.plugin.worker_progress").install(config)
    else:  # the matrix is gathered on the xdist controller only
        from pytest_argo_conformance.plugin.recorder import MatrixRecorder

        config.pluginmanager.register(MatrixRecorder(config), "argo-conformance-matrix")
        from pytest_argo_conformance.plugin.progress import CellProgress

        config.pluginmanager.register(CellProgress(config), "argo-conformance-progress")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist `-n N` (`--dist load`): each topology's tests, all builds, go to one worker (xdist_cells.py)."""
    if config.getvalue("dist") != "load":
        return None
    from pytest_argo_conformance.plugin.xdist_cells import CellScheduling

    conf = config.stash[SETTINGS_KEY]
    return CellScheduling(config, log, {CellTarget(b, t).id: t.id for b in conf.builds for t in conf.topologies})


def _run_id(config: pytest.Config) -> str:
    """A new id for this run; xdist workers inherit the controller's through the environment."""
    import os

    from pytest_argo_conformance.kube.ownership import RUN_ID_ENV, new_run_id

    run_id = new_run_id()
    distributed = getattr(config.option, "dist", "no") != "no"
    if distributed and not hasattr(config, "workerinput") and os.environ.get(RUN_ID_ENV) != run_id:
        environment = pytest.MonkeyPatch()
        environment.setenv(RUN_ID_ENV, run_id)
        config.add_cleanup(environment.undo)
    return run_id


def _announce(config: pytest.Config, line: str) -> None:
    """Show a line on the terminal now, past pytest's output capture (a signal's note during a clean-up)."""
    from pytest_argo_conformance.plugin.worker_progress import write_past_capture

    write_past_capture(config, f"\n{line}\n")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    conf = config.stash.get(SETTINGS_KEY, None)
    if conf is None:
        return None
    origins = dict(conf.origins)
    return [
        f"argo-conformance run {config.stash[RUN_ID_KEY]}: what it creates carries the label "
        f"argo-conformance/run={config.stash[RUN_ID_KEY]}",
        f"argo-conformance: provider {conf.provider} ({origins['--argo-provider']}), "
        f"topologies {','.join(t.id for t in conf.topologies)} ({origins['--argo-topology']})",
        "argo-conformance builds: " + "; ".join(b.describe() for b in conf.builds)
        + f" ({origins['--argo-controller']})",
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if CELL_FIXTURE not in metafunc.fixturenames:
        return
    conf = metafunc.config.stash[SETTINGS_KEY]
    targets = [CellTarget(build, topology) for build in conf.builds for topology in conf.topologies]
    # session scope: pytest groups the tests of one cell together, so each cell is installed once (under xdist,
    # on one worker: see pytest_xdist_make_scheduler).
    metafunc.parametrize(CELL_FIXTURE, targets, ids=[t.id for t in targets], indirect=True, scope="session")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing check's report carries the diagnostics of the workflows it ran (and Allure gets them too)."""
    report = yield
    quarantine = item.config.stash[SETTINGS_KEY].quarantine
    if quarantine and report.failed and call.when == "call":
        from pytest_argo_conformance.plugin.nightly import apply

        apply(report, quarantine)
    funcargs = getattr(item, "funcargs", {})
    runner = funcargs.get("argo_workflows")
    if report.failed and call.when == "call" and CELL_FIXTURE in funcargs:
        from pytest_argo_conformance.plugin import diagnostics

        sections = diagnostics.collect(runner) if runner is not None else []
        for more in item.config.hook.pytest_argo_diagnostics(item=item):
            sections += more
        diagnostics.attach(report, sections)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """No signal cuts a teardown short (pytest would drop the rest of it): one that comes meanwhile stops the
    session once this teardown is done, and the run ends as interrupted."""
    from pytest_argo_conformance.process import signals

    def stop() -> None:
        item.session.shouldstop = f"interrupted by {signals.received()}"

    with signals.deferred(then=stop):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """The session's last teardown (of what a stopped session had set up) is not cut short by a signal either."""
    from pytest_argo_conformance.process import signals

    with signals.deferred(then=lambda: None):
        return (yield)


@pytest.hookimpl(trylast=True)  # after pytest's own ordering, which keeps each cell's checks together
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rerun = config.stash[SETTINGS_KEY].rerun
    if config.stash[SETTINGS_KEY].scale is None:  # the scale lane only when asked for (it takes minutes per build)
        _deselect(config, items, [i for i in items if i.get_closest_marker(SCALE_MARKER)],
                  "the scale lane; run it with argo-conformance scale or --argo-scale-workflows N")
    not_again: list[pytest.Item] = []
    for item in items:
        target = target_of(item)
        if target is None:
            continue
        check = getattr(item, "originalname", item.name)
        axes = [axis for found in config.hook.pytest_argo_check_axes(item=item) for axis in found]
        if axes:  # e.g. the Kueue version, when several are run
            check = f"{check}[{', '.join(axes)}]"
        if rerun is not None and not rerun.wants((target.build.name, target.topology.id, check)):
            not_again.append(item)
            continue
        suite = cells.suite_name(item.module.__name__ if item.module else "")  # type: ignore[attr-defined]
        item.user_properties.extend(
            [
                (cells.PROP_BUILD, target.build.name),
                (cells.PROP_TOPOLOGY, target.topology.id),
                (cells.PROP_CHECK, check),
                (cells.PROP_SUITE, suite),
            ]
        )
        entry = registry.entry_of(item)
        if entry.id:
            item.user_properties.append((cells.PROP_STATEMENT, f"{entry.id}\t{entry.area}\t{entry.statement}"))
        # Allure: epic=suite, feature=topology, story=check; the build is a parameter (see fixtures).
        for label_type, value in (("epic", suite), ("feature", target.topology.id), ("story", check)):
            item.add_marker(pytest.mark.allure_label(value, label_type=label_type))
    if rerun is not None:
        _deselect(config, items, not_again, f"not failed in {rerun.source}")
    _serial_last(items)


SCALE_MARKER = "argo_scale"


def _serial_last(items: list[pytest.Item]) -> None:
    """Within each cell, its serial checks go last (stable otherwise): the others then form one stretch whose
    workflows run ahead of their checks without a break (plugin/lookahead.py)."""
    from pytest_argo_conformance.plugin.lookahead import is_serial

    ordered: list[pytest.Item] = []
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or target_of(items[end]) != target_of(items[start]) or target_of(items[start]) is None:
            block = items[start:end]
            ordered += [i for i in block if not is_serial(i)] + [i for i in block if is_serial(i)]
            start = end
    items[:] = ordered


def _deselect(config: pytest.Config, items: list[pytest.Item], dropped: list[pytest.Item], why: str) -> None:
    if not dropped:
        return
    config.hook.pytest_deselected(items=dropped)
    gone = set(map(id, dropped))
    items[:] = [item for item in items if id(item) not in gone]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"argo-conformance: {len(dropped)} checks deselected ({why}), {len(items)} to run")
