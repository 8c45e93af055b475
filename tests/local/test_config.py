"""The local provider's configuration, without a cluster: templates, pinned versions, the build's go.mod."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from pytest_argo_conformance.command import cluster_commands as cli
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.local import addons, build, hostdeps, render
from pytest_argo_conformance.providers.local.layout import Layout


def test_templates_render_every_placeholder(tmp_path: Path) -> None:
    layout = Layout.for_name("unit", state_root=tmp_path)
    written = render.write_configs(layout, render.values(layout))
    kubelet = yaml.safe_load(written["kubelet"].read_text())
    assert kubelet["cgroupDriver"] == "cgroupfs"
    assert kubelet["imageGCHighThresholdPercent"] == 100
    assert kubelet["failSwapOn"] is False
    assert kubelet["clusterDNS"] == [layout.dns_ip]
    proxy = yaml.safe_load(written["kube-proxy"].read_text())
    assert proxy["mode"] == "iptables"
    toml = written["containerd"].read_text()
    assert "restrict_oom_score_adj = true" in toml
    assert f'sandbox_image = "registry.k8s.io/pause:{version("pause")}"' in toml
    assert str(layout.root) in toml


def test_corefile_answers_cluster_names_only() -> None:
    corefile = render.template("Corefile")
    assert "kubernetes cluster.local" in corefile
    assert "forward" not in corefile and "loop" not in corefile
    docs = addons.coredns_documents(render.values(Layout.for_name("unit")))
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "ConfigMap"}
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"registry.k8s.io/coredns/coredns:{version('coredns')}"
    assert all(d["metadata"].get("namespace") == "kube-system" for d in docs if not d["kind"].startswith("Cluster"))


def test_wrapper_module_replaces_every_staging_module() -> None:
    kube_gomod = """module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
\tk8s.io/api v0.0.0
\tk8s.io/client-go v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
)
"""
    gomod = build.wrapper_gomod(kube_gomod, "v1.34.4")
    assert "require k8s.io/kubernetes v1.34.4" in gomod
    assert "replace k8s.io/api => k8s.io/api v0.34.4" in gomod
    assert "replace k8s.io/client-go => k8s.io/client-go v0.34.4" in gomod
    assert "godebug default=go1.24" in gomod and "go 1.24.0" in gomod


def test_version_ldflags_stamp_the_real_version() -> None:
    flags = build.kube_ldflags("v1.34.4", "abc123")
    assert "-X k8s.io/component-base/version.gitVersion=v1.34.4" in flags
    assert "-X k8s.io/client-go/pkg/version.gitMinor=34" in flags


def test_host_packages_come_from_the_one_list() -> None:
    assert {"containerd", "runc", "containernetworking-plugins", "iptables", "conntrack"} <= set(hostdeps.packages())


def test_cli_registers_the_cluster_subcommands() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser.add_subparsers(dest="cluster_command", required=True))
    for argv, func in (
        (["deps", "--check"], cli.deps),
        (["build"], cli.build),
        (["up", "--provider", "local"], cli.up),
        (["down", "--name", "x"], cli.down),
        (["status"], cli.status),
    ):
        assert parser.parse_args(argv).func is func
