"""The pytest plugin (entry point `argo_conformance`): its options and hook specs, and nothing else until it is
enabled. Installed in someone else's environment it registers no fixture, hook work or signal handler there. It is
enabled by any of:
- `-p argo_conformance` (what `argo-conformance run` passes);
- an `--argo-*` option on the command line, or an `argo_*` ini value;
- a path to collect inside the packaged suites;
- a conftest or plugin that implements one of its hooks (`pytest_argo_*`, hookspecs.py).
Enabled, `session_hooks.start` registers the rest: parametrization over build x topology, the fixtures, the
scenario plugins, the matrix and progress reporters.

Progress (builds, installs, workflows) goes through `logging` under the `pytest_argo_conformance` loggers:
`--log-cli-level=INFO` shows it live (`argo-conformance run` turns that on): the Go builds ("building argo NAME
(KEY) from source ..."), the local cluster's start, each workflow submitted and awaited. A workflow's changes
while it is awaited are at DEBUG (logger `pytest_argo_conformance.components.argo.runner`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_argo_conformance.plugin import hookspecs, options
from pytest_argo_conformance.plugin.cells import CELL_FIXTURE as CELL_FIXTURE

PLUGIN_NAME = "argo_conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    if enabled(config):
        import importlib

        # by name, not as this package's attribute: that may be a module pytester's in-process runs took out of
        # sys.modules, whose stash keys would no longer be those of the modules imported afresh
        importlib.import_module("pytest_argo_conformance.plugin.session_hooks").start(config)


def enabled(config: pytest.Config) -> bool:
    """Whether this session asked for the plugin (see the module's docstring)."""
    args = [str(arg) for arg in config.invocation_params.args]
    if any(arg in (f"-p{PLUGIN_NAME}",) or arg == PLUGIN_NAME and index and args[index - 1] == "-p"
           for index, arg in enumerate(args)):
        return True
    for opt in options.OPTIONS:
        if config.getoption(opt.dest, None) or config.getini(opt.dest):
            return True
    from pytest_argo_conformance.config.paths import suites_dir

    packaged = suites_dir().resolve()
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == packaged or packaged in path.parents:
            return True
    return _hook_implemented(config)


def _hook_implemented(config: pytest.Config) -> bool:
    """A registered conftest or plugin implements one of the plugin's own hooks."""
    names = [name for name in dir(hookspecs) if name.startswith("pytest_argo_")]
    return any(getattr(config.hook, name).get_hookimpls() for name in names)
