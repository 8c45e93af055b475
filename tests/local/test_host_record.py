"""`down` undoes only what its own `up` did (no cluster: a fake iptables, /proc/sys and cgroup tree).

`up` records, before it changes anything, the KUBE-*/CNI-*/ARGO-LOCAL-* chains that already exist and the sysctl
values; `down` deletes only the chains that were not there before and puts every recorded sysctl back, including
net.bridge.bridge-nf-call-iptables, which `up` sets before anything else. `down` kills and removes only the
cgroups of its own pods.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fake_host import FakeHost, install

from pytest_argo_conformance.providers.local import host
from pytest_argo_conformance.providers.local.build import Artifacts
from pytest_argo_conformance.providers.local.cluster import LocalCluster

BRIDGE_NF = "net/bridge/bridge-nf-call-iptables"


class Spawned(Exception):
    """Raised instead of starting the first process: the host set-up before it is what these tests check."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHost:
    return install(monkeypatch, tmp_path / "host")


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LocalCluster:
    def spawn(self: LocalCluster, artifacts: Artifacts, comp: str) -> None:
        raise Spawned(comp)

    monkeypatch.setattr(LocalCluster, "_spawn", spawn)
    return LocalCluster("rec", state_root=tmp_path / "state")


def _host_set_up(cluster: LocalCluster) -> None:
    nowhere = Path("/nonexistent")
    artifacts = Artifacts(nowhere, nowhere, nowhere, nowhere, nowhere, images={})
    with pytest.raises(Spawned):
        cluster._start(artifacts)


def test_down_deletes_only_the_chains_up_created_and_restores_every_sysctl(
    fake: FakeHost, cluster: LocalCluster
) -> None:
    v4 = fake.iptables["iptables"]
    v4.add_chain("filter", "KUBE-FOREIGN-TEST", jump_from="INPUT")  # someone else's, before up
    v4.add_chain("nat", "CNI-FOREIGN", jump_from="POSTROUTING")
    fake.set_sysctl(BRIDGE_NF, "0")

    _host_set_up(cluster)
    assert fake.sysctl(BRIDGE_NF) == "1"  # up turns it on (Service hairpin traffic) ...
    assert cluster.layout.sysctl_file.exists() and cluster.layout.chains_file.exists()
    # ... after recording it: the record holds the value from before up, and the chains that were there
    assert '"net/bridge/bridge-nf-call-iptables": "0"' in cluster.layout.sysctl_file.read_text()
    assert "KUBE-FOREIGN-TEST" in cluster.layout.chains_file.read_text()
    assert {"ARGO-LOCAL-IN", "ARGO-LOCAL-FWD", "ARGO-LOCAL-OUT"} <= set(v4.chains("filter"))
    # what kube-proxy, the CNI plugins and the kubelet then add and change
    v4.add_chain("nat", "KUBE-SERVICES", jump_from="OUTPUT")
    v4.add_chain("nat", "KUBE-SVC-ABC")
    v4.tables["nat"]["KUBE-SERVICES"].append(["-d", "10.96.0.1/32", "-j", "KUBE-SVC-ABC"])
    v4.add_chain("nat", "CNI-0123", jump_from="POSTROUTING")
    v4.add_chain("filter", "KUBE-FIREWALL", jump_from="INPUT")
    fake.set_sysctl("vm/overcommit_memory", "1")
    fake.set_sysctl("kernel/panic", "10")

    assert cluster._down() == []

    assert v4.chains("filter") == ["KUBE-FOREIGN-TEST"] and ["-j", "KUBE-FOREIGN-TEST"] in v4.tables["filter"]["INPUT"]
    assert v4.chains("nat") == ["CNI-FOREIGN"] and v4.tables["nat"]["POSTROUTING"] == [["-j", "CNI-FOREIGN"]]
    assert all(not rules for c, rules in v4.tables["filter"].items() if c in ("FORWARD", "OUTPUT"))
    assert fake.iptables["ip6tables"].chains("filter") == []
    assert {key: fake.sysctl(key) for key in host.SYSCTLS} == {
        key: "0" for key in host.SYSCTLS
    }  # bridge-nf-call-iptables included
    assert not cluster.layout.root.exists()


def test_a_second_record_keeps_the_first(fake: FakeHost, cluster: LocalCluster) -> None:
    """`up` after a failed `up` (state left) must not take the cluster's own chains and values as the host's."""
    _host_set_up(cluster)
    first = cluster.layout.chains_file.read_text(), cluster.layout.sysctl_file.read_text()
    host.record_before_up(cluster.layout)
    assert (cluster.layout.chains_file.read_text(), cluster.layout.sysctl_file.read_text()) == first


def test_without_a_record_down_deletes_only_argo_local_chains(fake: FakeHost, cluster: LocalCluster) -> None:
    v4 = fake.iptables["iptables"]
    v4.add_chain("filter", "KUBE-FORWARD", jump_from="FORWARD")
    v4.add_chain("filter", "ARGO-LOCAL-FWD", jump_from="FORWARD")
    assert cluster._down() == []  # e.g. `cluster down` on a machine where no local cluster was ever up
    assert v4.chains("filter") == ["KUBE-FORWARD"]


def test_down_kills_and_removes_only_its_own_pods(
    fake: FakeHost, cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _host_set_up(cluster)
    ours, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    (cluster.layout.kubelet_root / "pods" / ours).mkdir(parents=True)  # our kubelet knows our pod
    loose = "c0ffee" * 10  # a container our runc knows, in a cgroup without a pod of ours above it
    (cluster.layout.sub("containerd", "runc", "k8s.io", loose)).mkdir(parents=True)
    for hierarchy in ("memory", host.CGROUP2):
        fake.pod_cgroup(hierarchy, "besteffort", ours, "aaa", [4101, 4102])
        fake.pod_cgroup(hierarchy, "burstable", theirs, "bbb", [5201])
        fake.pod_cgroup(hierarchy, "burstable", f"{ours}-gone", loose, [4103])
    killed: list[int] = []
    monkeypatch.setattr(
        "pytest_argo_conformance.providers.local.procs.kill_pids", lambda pids: killed.extend(fake.kill(list(pids)))
    )

    problems = cluster._down()

    assert sorted(set(killed)) == [4101, 4102, 4103]
    for hierarchy in ("memory", host.CGROUP2):
        kubepods = fake.cgroups / hierarchy / host.KUBEPODS
        assert not (kubepods / "besteffort" / f"pod{ours}").exists()
        assert (kubepods / "burstable" / f"pod{theirs}" / "bbb" / "cgroup.procs").read_text() == "5201\n"
        assert not (kubepods / "burstable" / f"pod{ours}-gone" / loose).exists()
    assert problems == []
