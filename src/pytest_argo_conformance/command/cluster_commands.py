"""`argo-conformance cluster deps | build | up | down | status`: the local provider's subcommands.

Mounted by the top-level CLI with `add_arguments(subparsers)`; each subcommand sets `func` (Namespace -> exit
code). Exit codes: 0 done; 1 the command failed (one line on stderr says what to fix). Progress comes from the
library's loggers, which `argo-conformance` prints on stderr (command/main.py); results go to stdout.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.local import build as build_mod
from pytest_argo_conformance.providers.local import hostdeps
from pytest_argo_conformance.providers.local.cluster import DEFAULT_NAME, ClusterError, LocalCluster
from pytest_argo_conformance.toolchain.gobuild import BuildError


def _err(command: str, message: str) -> int:
    print(f"cluster {command}: error: {message}", file=sys.stderr)
    return 1


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `deps`, `build`, `up`, `down` and `status`."""
    p = subparsers.add_parser(
        "deps",
        help="install the host packages the local provider needs (apt-get, as root)",
        description="apt-get update, then install the packages listed in clusters/local/host-packages.txt. "
        "With --check, only report what is missing.",
    )
    p.add_argument("--check", action="store_true", help="report missing packages, install nothing (exit 1 if any)")
    p.add_argument("--with-test-tools", action="store_true",
                   help="also install what the project's own tests use (Chromium) and check for Go")
    p.set_defaults(func=deps)

    p = subparsers.add_parser(
        "build",
        help="build the local cluster's binaries and images (cached; a second build is a no-op)",
        description="Compile Kubernetes, CoreDNS, pause and pullguard at the versions in clusters/local/versions.yaml "
        "into ~/.cache/pytest-argo-conformance and write the OCI image tarballs. Prints the time per component.",
    )
    p.add_argument("--force", action="store_true", help="rebuild even when the cache has the binaries")
    p.set_defaults(func=build)

    for command, helptext in (
        ("up", "start the local cluster (builds first when needed); reuses a running one"),
        ("down", "stop the local cluster and remove its processes, mounts, interfaces, iptables chains and state"),
        ("status", "report the local cluster's processes and node"),
    ):
        p = subparsers.add_parser(command, help=helptext, description=helptext[0].upper() + helptext[1:] + ".")
        p.add_argument("--name", default=DEFAULT_NAME, help=f"cluster name (default: {DEFAULT_NAME})")
        if command == "up":
            p.add_argument("--provider", choices=["local"], default="local",
                           help="only `local` is managed here (kind clusters are managed by kind)")
        if command == "down":
            p.add_argument("--force", action="store_true",
                           help="take the cluster down even while test sessions (live pids) still use it")
        p.set_defaults(func={"up": up, "down": down, "status": status}[command])


def deps(args: argparse.Namespace) -> int:
    if getattr(args, "check", False):
        line = hostdeps.missing_line()
        if line:
            return _err("deps", line)
        print("host packages: all present (" + ", ".join(hostdeps.packages()) + ")")
    else:
        try:
            extra = hostdeps.TEST_TOOLS if getattr(args, "with_test_tools", False) else ()
            hostdeps.install(extra=extra)
        except hostdeps.HostDepsError as exc:
            return _err("deps", str(exc))
        print("host packages: installed (" + ", ".join(hostdeps.packages()) + ")")
    if getattr(args, "with_test_tools", False):
        if shutil.which("go") is None:
            return _err("deps",
                        "go is not on PATH: install Go >= 1.24 (https://go.dev/dl); the tests build the cluster")
        print("test tools: go found at " + str(shutil.which("go")))
    return 0


def build(args: argparse.Namespace) -> int:
    start = time.monotonic()
    try:
        artifacts, _ = build_mod.build_all(force=bool(getattr(args, "force", False)))
    except BuildError as exc:
        return _err("build", str(exc))
    print(f"build done in {time.monotonic() - start:.1f}s; binaries in {artifacts.kubernetes_bin.parent.parent.parent}")
    return 0


def up(args: argparse.Namespace) -> int:
    try:
        cluster = LocalCluster(args.name)
        created = cluster.up()
    except (ClusterError, BuildError) as exc:
        return _err("up", str(exc))
    verb = "started" if created else "reused"
    print(f"{verb} local cluster {cluster.name}; use it with: export KUBECONFIG={cluster.kubeconfig}")
    kubectl = cache_dir() / "kubernetes" / version("kubernetes") / "bin" / "kubectl"
    if kubectl.is_file():
        print(f"kubectl {version('kubernetes')}: {kubectl}")
    return 0


def down(args: argparse.Namespace) -> int:
    try:
        cluster = LocalCluster(args.name)
        existed = cluster.layout.root.exists()
        problems = cluster.down(force=bool(getattr(args, "force", False)))
    except ClusterError as exc:  # ClusterInUse included: one line naming the live pids
        return _err("down", str(exc))
    if problems:
        return _err("down", "; ".join(problems))
    print(f"local cluster {cluster.name}: {'removed' if existed else 'nothing to remove (not running)'}")
    return 0


def status(args: argparse.Namespace) -> int:
    try:
        cluster = LocalCluster(args.name)
        st = cluster.status()
    except ClusterError as exc:
        return _err("status", str(exc))
    if not st.exists:
        print(f"local cluster {st.name}: not running")
        return 1
    state = "running" if st.running else "degraded (some processes are gone: run `cluster down`, then `cluster up`)"
    print(f"local cluster {st.name}: {state}")
    if st.node_ready is not None:
        print(f"  node {cluster.layout.node_name}: {'Ready' if st.node_ready else 'not Ready'} - {st.node_message}")
    versions = st.info.get("versions", {})
    if isinstance(versions, dict):
        print("  versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"  kubeconfig: {st.kubeconfig}")
    print(f"  {'component':<24} {'pid':>8}  {'state':<8} {'rss':>8}")
    for c in st.components:
        rss = f"{c.rss_kib // 1024} MiB" if c.rss_kib else "-"
        print(f"  {c.name:<24} {c.pid or '-':>8}  {'running' if c.running else 'stopped':<8} {rss:>8}")
    return 0 if st.running else 1
