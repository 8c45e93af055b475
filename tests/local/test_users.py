"""Who uses a local cluster (users/<pid> in its state directory), without a cluster: fake pids and start times.

A session never takes down a cluster another live session uses; `cluster down` refuses in one line naming the
live pids unless --force; a killed session (its pid gone, or reused by another process) does not count.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import pytest

from pytest_argo_conformance.command import cluster_commands
from pytest_argo_conformance.providers.local import cluster as cluster_mod
from pytest_argo_conformance.providers.local import layout as layout_mod
from pytest_argo_conformance.providers.local import procs, users
from pytest_argo_conformance.providers.local.cluster import ClusterInUse, LocalCluster
from pytest_argo_conformance.providers.local.provider import LocalProvider

ME, OTHER, THIRD = 4242, 5151, 6161


class FakePids:
    """pid -> start time of the processes that 'run'; a pid not in it is dead."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.running: dict[int, int] = {}
        monkeypatch.setattr(procs, "start_time", self.running.get)
        monkeypatch.setattr(procs, "cmdline", lambda pid: ["python", "-c", "\nimport time", f"session-{pid}"])
        monkeypatch.setattr(os, "getpid", lambda: ME)  # for the cluster, the provider and the users registry
        monkeypatch.setattr(cluster_mod, "_require_root", lambda: None)
        self.run(ME)

    def run(self, pid: int, start: int = 1000) -> int:
        self.running[pid] = start
        return pid

    def kill_9(self, pid: int) -> None:
        del self.running[pid]


@pytest.fixture
def pids(monkeypatch: pytest.MonkeyPatch) -> FakePids:
    return FakePids(monkeypatch)


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[LocalCluster, list[str]]:
    """A cluster whose state directory exists; `_up`/`_down` only record that they ran."""
    monkeypatch.setattr(layout_mod, "STATE_ROOT", tmp_path)
    calls: list[str] = []

    def fake_up(self: LocalCluster, artifacts: object) -> bool:
        calls.append("up")
        self.layout.root.mkdir(parents=True, exist_ok=True)
        return not (self.layout.root / "up").exists()

    def fake_down(self: LocalCluster) -> list[str]:
        calls.append("down")
        return []

    monkeypatch.setattr(LocalCluster, "_up", fake_up)
    monkeypatch.setattr(LocalCluster, "_down", fake_down)
    local = LocalCluster("users")
    return local, calls


def test_live_users_forget_dead_and_recycled_pids(tmp_path: Path, pids: FakePids) -> None:
    d = tmp_path / "users"
    users.register(d, pids.run(OTHER, start=7))
    users.register(d, pids.run(THIRD, start=8))
    users.register(d, ME)
    assert [u.pid for u in users.live(d)] == [ME, OTHER, THIRD]
    pids.kill_9(OTHER)
    pids.run(THIRD, start=99)  # THIRD died and its pid went to an unrelated process
    assert [u.pid for u in users.live(d, exclude={ME})] == []
    assert sorted(p.name for p in d.iterdir()) == [str(ME)]  # the dead users' files are gone


def test_two_providers_in_one_process_hold_the_cluster_twice(tmp_path: Path, pids: FakePids) -> None:
    d = tmp_path / "users"
    users.register(d, ME)
    users.register(d, ME)
    users.unregister(d, ME)
    assert [u.pid for u in users.live(d)] == [ME]
    users.unregister(d, ME)
    assert users.live(d) == []


def test_a_session_leaves_the_cluster_to_another_live_user(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    local, calls = cluster
    provider = LocalProvider("users", keep=False)
    provider.cluster = local
    assert provider.up().created is True
    users.register(local.layout.users, pids.run(OTHER))  # another session reuses it
    with caplog.at_level(logging.INFO, logger="pytest_argo_conformance.providers.local.provider"):
        provider.down()
    assert calls == ["up"]  # not taken down
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and f"pid {OTHER}" in lines[0] and "leaving it up" in lines[0]
    assert [u.pid for u in local.live_users()] == [OTHER]  # this session is unregistered


def test_a_killed_session_does_not_keep_the_cluster_up(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]]
) -> None:
    local, calls = cluster
    provider = LocalProvider("users", keep=False)
    provider.cluster = local
    provider.up()
    users.register(local.layout.users, pids.run(OTHER))
    pids.kill_9(OTHER)  # kill -9: its users/<pid> file stays behind
    assert (local.layout.users / str(OTHER)).exists()
    provider.down()
    assert calls == ["up", "down"]


def test_a_session_that_reused_the_cluster_never_takes_it_down(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]]
) -> None:
    local, calls = cluster
    (local.layout.root).mkdir(parents=True)
    (local.layout.root / "up").touch()  # someone else started it
    provider = LocalProvider("users", keep=False)
    provider.cluster = local
    assert provider.up().created is False
    provider.down()
    assert calls == ["up"] and local.live_users() == []


def _cli_down(force: bool = False) -> int:
    return int(cluster_commands.down(argparse.Namespace(name="users", force=force)))


def test_cluster_down_refuses_while_sessions_use_it_unless_forced(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    local, calls = cluster
    local.up(user=pids.run(OTHER))
    local.up(user=pids.run(THIRD))
    assert _cli_down() == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"pid {OTHER} (" in err and f"pid {THIRD} (" in err and "--force" in err
    assert calls == ["up", "up"]

    pids.kill_9(OTHER)  # kill -9 of one session: only the live one is named
    with pytest.raises(ClusterInUse) as refused:
        local.down()
    assert refused.value.pids == [THIRD]

    pids.kill_9(THIRD)  # every session gone: down proceeds
    assert _cli_down() == 0
    assert calls == ["up", "up", "down"]


def test_cluster_down_force_takes_it_down_anyway(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]]
) -> None:
    local, calls = cluster
    local.up(user=pids.run(OTHER))
    assert _cli_down(force=True) == 0
    assert calls == ["up", "down"]


def test_a_session_may_take_down_the_cluster_it_holds_itself(
    pids: FakePids, cluster: tuple[LocalCluster, list[str]]
) -> None:
    local, calls = cluster
    local.up(user=ME)
    assert local.down() == []  # its own registration does not block it (tests/local/test_zz_down.py does this)
    assert calls == ["up", "down"]
