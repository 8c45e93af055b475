"""Where a local cluster keeps its state, and the fixed addresses and ports it uses.

The addresses exist only on this machine: the node address sits on a dummy interface we create, the pod
network on a bridge we create, and the service range only in kube-proxy's iptables rules. The ports are fixed,
so one local cluster runs per machine at a time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

STATE_ROOT = Path(os.environ.get("ARGO_CONFORMANCE_LOCAL_STATE", "/var/lib/pytest-argo-conformance"))
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")


@dataclass(frozen=True)
class Ports:
    apiserver: int = 16443
    etcd_client: int = 12379
    etcd_peer: int = 12380
    controller_manager: int = 16257
    scheduler: int = 16259
    kubelet: int = 16250
    kubelet_healthz: int = 16248
    proxy_healthz: int = 16256
    proxy_metrics: int = 16249
    pullguard: int = 16280


@dataclass(frozen=True)
class Layout:
    name: str
    root: Path
    node_ip: str = "10.245.0.1"  # on the dummy interface; the API server binds here so pods can reach it
    pod_cidr: str = "10.244.0.0/24"
    service_cidr: str = "10.96.0.0/16"
    api_service_ip: str = "10.96.0.1"
    dns_ip: str = "10.96.0.10"
    bridge: str = "argocni0"
    dummy: str = "argonode0"
    cni_network: str = "argo-local"
    ports: Ports = field(default_factory=Ports)

    @classmethod
    def for_name(cls, name: str, state_root: Path | None = None) -> Layout:
        if not _NAME.match(name):
            raise ValueError(
                f"cluster name {name!r}: use 1-40 lowercase letters, digits and '-' (it becomes the node name)"
            )
        return cls(name=name, root=(state_root or STATE_ROOT) / name)

    @property
    def node_name(self) -> str:
        return self.name

    @property
    def api_url(self) -> str:
        return f"https://{self.node_ip}:{self.ports.apiserver}"

    @property
    def context(self) -> str:
        return f"local-{self.name}"

    def sub(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @property
    def pki(self) -> Path:
        return self.sub("pki")

    @property
    def kubeconfigs(self) -> Path:
        return self.sub("kubeconfigs")

    @property
    def admin_kubeconfig(self) -> Path:
        return self.sub("kubeconfig")

    @property
    def config(self) -> Path:
        return self.sub("config")

    @property
    def logs(self) -> Path:
        return self.sub("logs")

    @property
    def pids(self) -> Path:
        return self.sub("pids")

    @property
    def containerd_socket(self) -> Path:
        return self.sub("containerd", "containerd.sock")

    @property
    def kubelet_root(self) -> Path:
        return self.sub("kubelet")

    @property
    def pod_logs(self) -> Path:
        return self.sub("pod-logs")

    @property
    def cni_conf_dir(self) -> Path:
        return self.sub("cni", "net.d")

    @property
    def state_file(self) -> Path:
        return self.sub("cluster.json")

    @property
    def sysctl_file(self) -> Path:
        """The sysctl values from before `up` changed anything; `down` puts them back."""
        return self.sub("sysctls.json")

    @property
    def chains_file(self) -> Path:
        """The KUBE-*/CNI-*/ARGO-LOCAL-* iptables chains that existed before `up`; `down` never deletes them."""
        return self.sub("iptables-before.json")

    @property
    def users(self) -> Path:
        """users/<pid>: the processes using the cluster (LocalProvider sessions), each with its start time."""
        return self.sub("users")
