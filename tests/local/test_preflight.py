"""Where the local provider cannot work it stops with one line saying what to fix, and starts nothing."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_argo_conformance.providers.base import ProviderError
from pytest_argo_conformance.providers.local import hostdeps
from pytest_argo_conformance.providers.local.cluster import ClusterError, LocalCluster
from pytest_argo_conformance.providers.local.layout import Ports
from pytest_argo_conformance.providers.local.provider import LocalProvider


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def _nothing_started(state_root: Path) -> None:
    assert [p.name for p in state_root.iterdir() if not p.name.startswith(".")] == []


def test_not_root_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ClusterError) as info:
        LocalCluster("pre", state_root=tmp_path).up()
    assert str(info.value).startswith("the local provider needs root")
    assert "\n" not in str(info.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="preflight runs past the root check only as root")
def test_missing_containerd_names_the_package_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = hostdeps._present
    monkeypatch.setattr(hostdeps, "_present", lambda item: item != "containerd" and real(item))
    with pytest.raises(ClusterError) as info:
        LocalCluster("pre", state_root=tmp_path).up()
    message = str(info.value)
    assert message.startswith("missing host packages: containerd (containerd)")
    assert message.endswith("run `argo-conformance cluster deps` as root") and "\n" not in message
    _nothing_started(tmp_path)


@pytest.mark.skipif(os.geteuid() != 0, reason="preflight runs past the root check only as root")
def test_port_taken_is_one_line_through_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listener: int
) -> None:
    local = LocalCluster("pre", state_root=tmp_path)
    free = {f.name: _free_port() for f in dataclasses.fields(Ports)}
    local.layout = dataclasses.replace(local.layout, ports=Ports(**{**free, "apiserver": listener}))
    provider = LocalProvider("pre", keep=False)
    provider.cluster = local
    with pytest.raises(ProviderError) as info:
        provider.up()
    assert str(info.value).startswith(f"port {listener} (kube-apiserver) is taken")
    assert "\n" not in str(info.value)
    _nothing_started(tmp_path)
    provider.down()  # it created nothing, so it removes nothing


def test_bad_cluster_name() -> None:
    with pytest.raises(ProviderError, match="cluster name"):
        LocalProvider("Not_A_Name", keep=False)
