"""Shared fixtures: the one real local cluster of a test session (LocalProvider), used by tests/local and
tests/e2e. `--keep-cluster` (or ARGO_CONFORMANCE_KEEP_CLUSTER=1) leaves it running for the next session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_argo_conformance.providers.base import ClusterInfo

if TYPE_CHECKING:
    from recording_bin import RecordingBin
from pytest_argo_conformance.providers.local.provider import LocalProvider

sys.path.insert(0, str(Path(__file__).parent))

# Example projects (a vendor's repository) are data for pytester tests, never collected as this project's tests.
collect_ignore = ["examples"]

CLUSTER_NAME = os.environ.get("ARGO_CONFORMANCE_LOCAL_TEST_CLUSTER", "argo-conformance")


def _keep(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("keep_cluster", False)) or os.environ.get(
        "ARGO_CONFORMANCE_KEEP_CLUSTER", ""
    ) not in ("", "0", "false")


@pytest.fixture
def recorder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingBin:
    """The recording stand-ins for `kind` and `docker` first on PATH (tests/recording_bin.py)."""
    from recording_bin import RecordingBin

    rec = RecordingBin(tmp_path)
    rec.install(monkeypatch)
    monkeypatch.chdir(tmp_path)  # pytest-kind keeps its state under ./.pytest-kind
    return rec


@pytest.fixture(scope="session")
def local_provider(request: pytest.FixtureRequest) -> Iterator[LocalProvider]:
    if os.geteuid() != 0:
        pytest.skip("the local provider needs root")
    provider = LocalProvider(CLUSTER_NAME, keep=_keep(request))
    provider.up()
    yield provider
    try:
        provider.down()
    except Exception as exc:  # noqa: BLE001 - a teardown problem must not hide the test results
        request.node.warn(pytest.PytestWarning(f"local cluster teardown: {exc}"))


@pytest.fixture(scope="session")
def cluster_info(local_provider: LocalProvider) -> ClusterInfo:
    assert local_provider.info is not None
    return local_provider.info



@pytest.fixture(scope="session")
def local_cluster(cluster_info: ClusterInfo) -> ClusterInfo:
    """The running local cluster (an alias used by the end-to-end tests)."""
    return cluster_info
