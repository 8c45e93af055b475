"""`cluster down` leaves no process, mount, interface or iptables chain behind (runs after the other cluster
tests: it takes the session's cluster down). Before that: a live session holding the cluster makes `cluster down`
refuse, and a killed one does not. After it: a fresh `up` + `down` leaves a chain that was there before and puts
back the sysctls `up` changed."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pytest_argo_conformance.providers.local import host, procs
from pytest_argo_conformance.providers.local.cluster import LocalCluster
from pytest_argo_conformance.providers.local.daemons import COMPONENTS
from pytest_argo_conformance.providers.local.provider import LocalProvider

pytestmark = pytest.mark.cluster

CLI = str(Path(sys.executable).parent / "argo-conformance")
# Another session: takes the running cluster through LocalProvider.up (so it registers users/<pid>) and holds it.
HOLDER = """
import sys, time
from pytest_argo_conformance.providers.local.provider import LocalProvider
LocalProvider(sys.argv[1], keep=False).up()
print("held", flush=True)
time.sleep(600)
"""
FOREIGN_CHAIN = "KUBE-FOREIGN-TEST"
BRIDGE_NF = "net/bridge/bridge-nf-call-iptables"


def _interfaces() -> set[str]:
    return {p.name for p in Path("/sys/class/net").iterdir()}


@contextmanager
def _holder(name: str) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, name], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready and child.stdout.readline().strip() == "held", "the holding session did not take the cluster"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)


def _cli_down(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "cluster", "down", "--name", name], capture_output=True, text=True, timeout=120,
                          check=False)


def test_cluster_down_refuses_while_a_session_holds_the_cluster(local_provider: LocalProvider) -> None:
    cluster = local_provider.cluster
    with _holder(cluster.name) as held:
        refused = _cli_down(cluster.name)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert refused.stderr.count("\n") == 1 and f"pid {held.pid} (" in refused.stderr, refused.stderr
        assert "--force" in refused.stderr
        assert cluster.running()
        held.send_signal(signal.SIGKILL)  # kill -9: its users/<pid> file stays behind
        held.wait(10)
        assert (cluster.layout.users / str(held.pid)).exists()
        # the killed session no longer counts; only this pytest session (which holds the cluster) is named
        again = _cli_down(cluster.name)
        assert again.returncode == 1 and f"pid {os.getpid()} (" in again.stderr, again.stderr
        assert f"pid {held.pid} " not in again.stderr
        assert cluster.running()


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
    with _holder(cluster.name) as held:  # a session that was killed -9 while it held the cluster
        held.send_signal(signal.SIGKILL)
        held.wait(10)
    assert (layout.users / str(held.pid)).exists()

    problems = cluster.down()  # this session's own registration and the dead one's do not block it
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


def test_up_and_down_leave_a_foreign_chain_and_restore_the_sysctls(local_provider: LocalProvider) -> None:
    if local_provider.keep or local_provider.cluster.running():
        pytest.skip("the session's cluster is still up")
    bridge = Path("/proc/sys", BRIDGE_NF)
    present = [Path("/proc/sys", key) for key in host.SYSCTLS if Path("/proc/sys", key).exists()]
    before = {str(path.relative_to("/proc/sys")): path.read_text().strip() for path in present}
    subprocess.run(["iptables", "-w", "-N", FOREIGN_CHAIN], check=True, timeout=30)
    rule = ["-s", "192.0.2.99/32", "-j", "RETURN"]
    subprocess.run(["iptables", "-w", "-A", FOREIGN_CHAIN, *rule], check=True, timeout=30)
    bridge.write_text("0\n")  # up turns it on: down must turn it off again
    cluster = LocalCluster(local_provider.cluster.name)
    try:
        assert cluster.up() is True
        assert bridge.read_text().strip() == "1"
        assert cluster.down() == []
        listing = subprocess.run(["iptables", "-w", "-S", FOREIGN_CHAIN], capture_output=True, text=True,
                                 timeout=30, check=False)
        assert listing.returncode == 0 and f"-A {FOREIGN_CHAIN} {' '.join(rule)}" in listing.stdout
        assert bridge.read_text().strip() == "0"
        after = {key: Path("/proc/sys", key).read_text().strip() for key in before}
        assert after == {**before, BRIDGE_NF: "0"}
        assert host.iptables_leftovers() == [f"iptables/filter: -N {FOREIGN_CHAIN}"]
    finally:
        if cluster.layout.root.exists():
            cluster.down(force=True)
        subprocess.run(["iptables", "-w", "-F", FOREIGN_CHAIN], timeout=30, check=False)
        subprocess.run(["iptables", "-w", "-X", FOREIGN_CHAIN], timeout=30, check=False)
        bridge.write_text(before[BRIDGE_NF] + "\n")


def test_sigterm_during_cluster_up_removes_what_it_started(local_provider: LocalProvider) -> None:
    if local_provider.keep or local_provider.cluster.running():
        pytest.skip("the session's cluster is still up")
    name = local_provider.cluster.name
    layout = LocalCluster(name).layout
    up = subprocess.Popen([CLI, "cluster", "up", "--name", name], stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        assert up.stderr is not None
        for line in up.stderr:  # the phases are logged as they end; SIGTERM while etcd and containerd start
            seen.append(line.rstrip())
            if "host network (dummy interface, firewall chains):" in line:
                up.send_signal(signal.SIGTERM)
                break
        seen += up.stderr.read().splitlines()
        up.wait(120)
    finally:
        if up.poll() is None:
            up.kill()
    assert up.returncode == 130, "\n".join(seen)
    assert seen[-1] == "argo-conformance cluster: interrupted by SIGTERM", seen[-5:]
    assert any("stopping what was started" in line for line in seen), seen
    assert LocalCluster(name).status().exists is False
    LocalCluster(name).preflight()  # no process holds a port of the cluster's (pullguard did, before)
    assert {layout.bridge, layout.dummy} & _interfaces() == set()
    assert host.iptables_leftovers() == []
    assert not layout.root.exists()
