"""Under pytest-xdist, a worker's progress (its Go builds and their heartbeat, installs, workflows: the package's log
records at `--log-cli-level` and above) reaches the terminal live, as it does without xdist: xdist shows no worker's
live log, so each line is written to stderr past pytest's capture, prefixed with the worker's id (`[gw1] ...`)."""

from __future__ import annotations

import logging
import sys
from contextlib import nullcontext

import pytest

PACKAGE_LOGGER = "pytest_argo_conformance"


class ProgressFormatter(logging.Formatter):
    """A progress line as it is; a warning or an error prefixed with its level (also `argo-conformance`'s own)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {line}"


def write_past_capture(config: pytest.Config, text: str) -> None:
    """Write to the terminal's stderr now, past pytest's output capture."""
    capman = config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled() if capman is not None else nullcontext():
        sys.stderr.write(text)
        sys.stderr.flush()


class WorkerProgress(logging.Handler):
    def __init__(self, config: pytest.Config, worker: str, level: int) -> None:
        super().__init__(level)
        self.config = config
        self.worker = worker
        self.setFormatter(ProgressFormatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        write_past_capture(self.config, f"[{self.worker}] {self.format(record)}\n")


def install(config: pytest.Config) -> None:
    """On an xdist worker asked for live logs (`--log-cli-level`), forward the package's records to the terminal."""
    workerinput = getattr(config, "workerinput", None)
    name = config.getoption("log_cli_level", None) or config.getini("log_cli_level")
    if workerinput is None or not name:
        return
    level = logging.getLevelName(str(name).upper())
    if not isinstance(level, int):
        return  # pytest itself reports a bad level
    handler = WorkerProgress(config, str(workerinput.get("workerid", "gw?")), level)
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.addHandler(handler)
    config.add_cleanup(lambda: logger.removeHandler(handler))
