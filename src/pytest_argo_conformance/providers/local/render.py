"""Render the templates in clusters/local (string.Template, `$name` placeholders) for one cluster."""

from __future__ import annotations

from pathlib import Path
from string import Template

from pytest_argo_conformance.config.paths import clusters_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.local.layout import Layout

CNI_BIN_DIR = "/usr/lib/cni"


def values(layout: Layout, masquerade_all: bool = False, snapshotter: str = "overlayfs") -> dict[str, str]:
    p = layout.ports
    return {
        "name": layout.name,
        "node_name": layout.node_name,
        "node_ip": layout.node_ip,
        "pod_cidr": layout.pod_cidr,
        "dns_ip": layout.dns_ip,
        "bridge": layout.bridge,
        "cni_network": layout.cni_network,
        "pki": str(layout.pki),
        "kubeconfigs": str(layout.kubeconfigs),
        "containerd_root": str(layout.sub("containerd", "root")),
        "containerd_state": str(layout.sub("containerd", "state")),
        "containerd_opt": str(layout.sub("containerd", "opt")),
        "containerd_socket": str(layout.containerd_socket),
        "runc_root": str(layout.sub("containerd", "runc")),
        "snapshotter": snapshotter,
        "cni_bin_dir": CNI_BIN_DIR,
        "cni_conf_dir": str(layout.cni_conf_dir),
        "ipam_dir": str(layout.sub("cni", "ipam")),
        "resolv_conf": str(layout.config / "resolv.conf"),
        "pod_logs": str(layout.pod_logs),
        "kubelet_port": str(p.kubelet),
        "kubelet_healthz_port": str(p.kubelet_healthz),
        "proxy_healthz_port": str(p.proxy_healthz),
        "proxy_metrics_port": str(p.proxy_metrics),
        "masquerade_all": "true" if masquerade_all else "false",
        "pause_image": f"registry.k8s.io/pause:{version('pause')}",
        "coredns_image": f"registry.k8s.io/coredns/coredns:{version('coredns')}",
    }


def template(name: str) -> str:
    return (clusters_dir() / "local" / name).read_text(encoding="utf-8")


def render(name: str, mapping: dict[str, str]) -> str:
    """Substitute every placeholder; a placeholder without a value is an error, not an empty string."""
    return Template(template(name)).substitute(mapping)


def write_configs(layout: Layout, mapping: dict[str, str]) -> dict[str, Path]:
    """Write containerd.toml, kubelet.yaml, kube-proxy.yaml, the CNI conflist and resolv.conf; return their paths."""
    layout.config.mkdir(parents=True, exist_ok=True)
    layout.cni_conf_dir.mkdir(parents=True, exist_ok=True)
    out = {
        "containerd": layout.config / "containerd.toml",
        "kubelet": layout.config / "kubelet.yaml",
        "kube-proxy": layout.config / "kube-proxy.yaml",
        "cni": layout.cni_conf_dir / f"10-{layout.cni_network}.conflist",
    }
    sources = {"containerd": "containerd.toml", "kubelet": "kubelet.yaml", "kube-proxy": "kube-proxy.yaml",
               "cni": "cni.conflist"}
    for key, path in out.items():
        path.write_text(render(sources[key], mapping), encoding="utf-8")
    # Pods with dnsPolicy Default get this file: no upstream nameserver, so nothing asks a resolver off the machine.
    resolv = Path(mapping["resolv_conf"])
    resolv.write_text(f"# local provider: no upstream DNS\nnameserver {layout.dns_ip}\n", encoding="utf-8")
    out["resolv"] = resolv
    return out
