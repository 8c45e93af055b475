"""`cluster down` leaves no process, mount, interface or iptables chain behind (runs after the other cluster
tests: it takes the session's cluster down)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_argo_conformance.providers.local import host, procs
from pytest_argo_conformance.providers.local.daemons import COMPONENTS
from pytest_argo_conformance.providers.local.provider import LocalProvider

pytestmark = pytest.mark.cluster


def _interfaces() -> set[str]:
    return {p.name for p in Path("/sys/class/net").iterdir()}


def test_down_leaves_no_process_mount_or_interface(local_provider: LocalProvider) -> None:
    if local_provider.keep:
        pytest.skip("--keep-cluster: the cluster stays up")
    if not local_provider.created:
        pytest.skip("this session reused a running cluster: it is not ours to take down")
    cluster = local_provider.cluster
    layout = cluster.layout
    recorded = procs.recorded(layout.pids)
    assert {p.name for p in recorded} == set(COMPONENTS)
    shims = procs.pids_with_arg(str(layout.containerd_socket))
    pod_pids = host.cgroup_pids()
    assert shims and pod_pids, "the cluster should be running pods before it is taken down"
    assert host.mounts_under(layout.root)
    veths = [n for n in _interfaces() if n.startswith("veth")]

    problems = cluster.down()
    local_provider.created = False  # already down: the fixture's teardown has nothing left to do

    assert problems == []
    assert [p.name for p in recorded if procs.alive(p)] == []
    assert procs.pids_with_arg(str(layout.containerd_socket)) == []
    assert [pid for pid in pod_pids if procs.start_time(pid) is not None] == []
    assert host.cgroup_dirs() == []
    assert host.mounts_under(layout.root) == []
    mountinfo = Path("/proc/self/mountinfo").read_text()
    assert "kubelet" not in mountinfo and "/netns/cni-" not in mountinfo
    assert {layout.bridge, layout.dummy, *veths} & _interfaces() == set()
    assert host.iptables_leftovers() == []
    assert not layout.root.exists()
    assert cluster.status().exists is False
