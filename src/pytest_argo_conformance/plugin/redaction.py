"""Secrets never leave the process: what pytest and its plugins write out is redacted with `kube.secrets` first.

- Reports (a `trylast` wrapper of `pytest_runtest_makereport`, so the innermost: it runs before the other plugins'
  wrappers read the report): the traceback (`longrepr`, redacted where it stands, or made a redacted string),
  `sections` (captured stdout, stderr and log, and any plugin's), `user_properties` (JUnit properties, the matrix's
  notes). The terminal, `-vv` included, JUnit XML, the matrix in `--argo-report-dir` and Allure read these.
- Warnings (a teardown's `node.warn(...)` with an exception's text): their message, before the terminal's summary.
- Log records: a filter on pytest's logging handlers (live logging `--log-cli-level`, `caplog`, the report's captured
  log, `--log-file`) and on the root logger's, which redacts the record itself. Handlers, not loggers: a logger's
  filter sees only the records logged on that very logger, not its children's.
- Allure results: the exception text that allure-pytest takes from the exception itself, and fixtures' errors, are
  redacted in the result before Allure's file writer sees it. Our own Allure attachments go through
  `diagnostics.attach`, which redacts them.

Active once the session has collected a check of ours (a test that takes `argo_cell`) or a secret is registered: the
plugin stays inert in other people's sessions, where a JWT-shaped string may be just what a test is about.
Not covered: output written straight to the terminal (`-s`, `--capture=no`), and attachments a test makes itself
with `allure.attach`.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable, Generator
from typing import Any

import allure_commons
import pytest

from pytest_argo_conformance.kube import secrets
from pytest_argo_conformance.plugin import CELL_FIXTURE


class Redaction:
    """The plugin object, registered in `pytest_configure` (plugin/__init__.py)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ours = False
        self.log_filter = RedactingFilter(self.active)
        self._filtered: list[logging.Handler] = []
        self._allure = AllureResults(self.active)
        allure_commons.plugin_manager.register(self._allure)

    def active(self) -> bool:
        return self.ours or secrets.any_registered()

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.ours = self.ours or any(CELL_FIXTURE in getattr(item, "fixturenames", ()) for item in items)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self) -> None:
        """pytest's logging plugin exists from its `pytest_configure` (trylast) on: its handlers get the filter."""
        # Its handlers are attributes (caplog, report, live, file); no public name lists them all.
        logging_plugin = self.config.pluginmanager.get_plugin("logging-plugin")
        attributes = vars(logging_plugin).values() if logging_plugin is not None else ()
        handlers = [h for h in attributes if isinstance(h, logging.Handler)]
        for handler in [*handlers, *logging.getLogger().handlers]:
            if self.log_filter not in handler.filters:
                handler.addFilter(self.log_filter)
                self._filtered.append(handler)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if self.active():
            redact_report(report)
        return report

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_make_collect_report(self) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        if self.active():
            redact_report(report)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: warnings.WarningMessage) -> None:
        message = warning_message.message
        if self.active() and isinstance(message, Warning) and secrets.reveals(str(message)):
            message.args = (secrets.redact(str(message)),)
        if self.active() and warning_message.line:
            warning_message.line = secrets.redact(warning_message.line)

    def pytest_unconfigure(self) -> None:
        for handler in self._filtered:
            handler.removeFilter(self.log_filter)
        self._filtered.clear()
        allure_commons.plugin_manager.unregister(self._allure)


def redact_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.longrepr = redact_longrepr(report.longrepr)
    report.sections = [(secrets.redact(title), secrets.redact(text)) for title, text in report.sections]
    if isinstance(report, pytest.TestReport):
        report.user_properties = [
            (name, secrets.redact(value) if isinstance(value, str) else value) for name, value in report.user_properties
        ]
        if isinstance(getattr(report, "wasxfail", None), str):
            report.wasxfail = secrets.redact(report.wasxfail)


def redact_longrepr(longrepr: Any) -> Any:
    """The traceback as it was when it holds no secret; else redacted where it stands (pytest's reprs are
    dataclasses of strings, so the terminal keeps its layout and the matrix its one-line reason); else, should a
    secret survive that, one redacted string."""
    if longrepr is None or isinstance(longrepr, (str, tuple)):  # tuple: a skip's (path, line, reason)
        return _redacted(longrepr)
    text = str(longrepr)
    if not _reveals(longrepr, text):
        return longrepr
    try:
        _redacted(longrepr)
    except (dataclasses.FrozenInstanceError, AttributeError, TypeError):  # a repr pytest made immutable
        return secrets.redact(text)
    return secrets.redact(text) if _reveals(longrepr, str(longrepr)) else longrepr


def _reveals(longrepr: Any, text: str) -> bool:
    crash = getattr(longrepr, "reprcrash", None)  # its message is not part of the rendered text (JUnit, the matrix)
    return secrets.reveals(text) or secrets.reveals(str(getattr(crash, "message", "")))


def _redacted(value: Any) -> Any:
    """`value` with its strings redacted: containers rebuilt, dataclasses (pytest's reprs) and attrs classes
    (Allure's model) changed in place."""
    if isinstance(value, str):
        return secrets.redact(value)
    if type(value) is list:
        return [_redacted(v) for v in value]
    if type(value) is tuple:
        return tuple(_redacted(v) for v in value)
    if type(value) is dict:
        return {k: _redacted(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
    else:
        names = [a.name for a in getattr(type(value), "__attrs_attrs__", ())]
    for name in names:
        setattr(value, name, _redacted(getattr(value, name)))
    return value


class RedactingFilter(logging.Filter):
    """Redacts a record's message, exception text and stack in place (so every later handler, and `caplog.records`,
    has the redacted record); never drops a record."""

    def __init__(self, active: Callable[[], bool]) -> None:
        super().__init__()
        self._active = active

    def filter(self, record: logging.LogRecord) -> bool:
        if self._active():
            redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit the message: logging reports that itself
        return
    clean = secrets.redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)  # what every formatter would write
    if record.exc_text:
        record.exc_text = secrets.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = secrets.redact(record.stack_info)


class AllureResults:
    """An allure-commons plugin: redacts test results and fixture containers before Allure's file writer sees them
    (`tryfirst`). allure-pytest puts the exception's own text in a result, not the redacted report's."""

    def __init__(self, active: Callable[[], bool]) -> None:
        self._active = active

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result: Any) -> None:
        if self._active():
            _redacted(result)

    @allure_commons.hookimpl(tryfirst=True)
    def report_container(self, container: Any) -> None:
        if self._active():
            _redacted(container)
