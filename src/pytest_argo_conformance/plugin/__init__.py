"""The pytest plugin: options, hooks, report header, parametrization over build x topology."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.plugin import cells
from pytest_argo_conformance.plugin import hookspecs
from pytest_argo_conformance.plugin import options as settings
from pytest_argo_conformance.plugin.cells import CellTarget
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY, WANTS_GPU_LAYOUT_KEY
from pytest_argo_conformance.components.argo.topologies import BY_ID

CELL_FIXTURE = "argo_cell"
USER_WORKFLOW_FIXTURE = "argo_user_workflow"
KUEUE_FIXTURE = "argo_kueue"


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SETTINGS_KEY] = settings.load(config)
    config.addinivalue_line("markers", "argo_capability(name): the check needs a cluster capability (GPU, DSP, ...)")
    from pytest_argo_conformance.plugin import builtin_hooks as defaults
    from pytest_argo_conformance.plugin import fixtures
    from pytest_argo_conformance.scenarios import fixtures as scenario_fixtures

    config.pluginmanager.register(fixtures, "argo-conformance-fixtures")
    config.pluginmanager.register(scenario_fixtures, "argo-conformance-scenario-fixtures")
    config.pluginmanager.register(defaults, "argo-conformance-defaults")
    if not hasattr(config, "workerinput"):  # the matrix is gathered on the xdist controller only
        from pytest_argo_conformance.plugin.recorder import MatrixRecorder

        config.pluginmanager.register(MatrixRecorder(config), "argo-conformance-matrix")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    conf = config.stash.get(SETTINGS_KEY, None)
    if conf is None or all(origin == "default" for _, origin in conf.origins) and not _enabled(config):
        return None
    origins = dict(conf.origins)
    return [
        f"argo-conformance: provider {conf.provider} ({origins['--argo-provider']}), "
        f"topologies {','.join(conf.topologies)} ({origins['--argo-topology']})",
        "argo-conformance builds: " + "; ".join(b.describe() for b in conf.builds) + f" ({origins['--argo-controller']})",
    ]


def _enabled(config: pytest.Config) -> bool:
    return "argo_conformance" in config.invocation_params.args


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if CELL_FIXTURE not in metafunc.fixturenames:
        return
    conf = metafunc.config.stash[SETTINGS_KEY]
    if USER_WORKFLOW_FIXTURE in metafunc.fixturenames:
        from pytest_argo_conformance.scenarios.user_workflows import discover

        found = discover(conf.user_workflows)
        if found:
            metafunc.parametrize(USER_WORKFLOW_FIXTURE, found, ids=[w.id for w in found])
        else:
            skip = pytest.mark.skip(reason="no workflows of your own given (--argo-workflows PATH_OR_GLOB)")
            metafunc.parametrize(USER_WORKFLOW_FIXTURE, [pytest.param(None, marks=skip, id="none")])
    targets = [CellTarget(build, BY_ID[tid]) for build in conf.builds for tid in conf.topologies]
    # session scope: pytest groups the tests of one cell together, so each cell is installed once.
    metafunc.parametrize(CELL_FIXTURE, targets, ids=[t.id for t in targets], indirect=True, scope="session")
    if KUEUE_FIXTURE in metafunc.fixturenames:
        releases = conf.kueue_versions
        metafunc.parametrize(KUEUE_FIXTURE, releases, ids=[f"kueue-{r}" for r in releases], indirect=True,
                             scope="session")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """A failing check's report carries the diagnostics of the workflows it ran (and Allure gets them too)."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    runner = funcargs.get("argo_workflows")
    if runner is not None and report.failed and call.when == "call":
        from pytest_argo_conformance.plugin import diagnostics

        sections = diagnostics.collect(runner)
        if "kueue_queues" in funcargs and KUEUE_FIXTURE in funcargs:
            sections += diagnostics.kueue_sections(funcargs[KUEUE_FIXTURE], funcargs["kueue_queues"].made)
        try:
            import allure

            for title, text in sections:
                allure.attach(text, name=title, attachment_type=allure.attachment_type.TEXT)
        except Exception:  # Allure not active: the report sections below still carry everything
            pass
        for title, text in sections:
            report.sections.append((f"argo-conformance: {title}", text))
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from pytest_argo_conformance.components.gpus import GPU_FIXTURES

    config.stash[WANTS_GPU_LAYOUT_KEY] = any(
        name in GPU_FIXTURES for item in items for name in getattr(item, "fixturenames", ()))
    for item in items:
        callspec = getattr(item, "callspec", None)
        target = callspec.params.get(CELL_FIXTURE) if callspec else None
        if not isinstance(target, CellTarget):
            continue
        check = getattr(item, "originalname", item.name)
        kueue = callspec.params.get(KUEUE_FIXTURE) if callspec else None
        if kueue and len(item.config.stash[SETTINGS_KEY].kueue_versions) > 1:  # the Kueue version axis
            check = f"{check}[kueue {kueue}]"
        suite = cells.suite_name(item.module.__name__ if item.module else "")  # type: ignore[attr-defined]
        item.user_properties.extend(
            [
                (cells.PROP_BUILD, target.build.name),
                (cells.PROP_TOPOLOGY, target.topology.id),
                (cells.PROP_CHECK, check),
                (cells.PROP_SUITE, suite),
            ]
        )
        # Allure: epic=suite, feature=topology, story=check; the build is a parameter (see fixtures).
        for label_type, value in (("epic", suite), ("feature", target.topology.id), ("story", check)):
            item.add_marker(pytest.mark.allure_label(value, label_type=label_type))
