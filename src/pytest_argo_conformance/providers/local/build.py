"""Build the local cluster's binaries and images, cached under `cache_dir()/<component>/<version>`.

- kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl from the
  `k8s.io/kubernetes` module, through a wrapper module that replaces every staging module (`k8s.io/api => v0.34.4`
  ...), in one `go build` with the version ldflags so the binaries report their real version.
- coredns: a lean main over `github.com/coredns/coredns` with only the plugins the Corefile uses.
- tools: `pause` (the sandbox process) and `pullguard` (answers every image pull with a clear refusal).
- images: OCI tarballs of pause, coredns and Debian's busybox-static.
A component is done when its `.complete` stamp exists, so a second build is a no-op. The Go steps go through
toolchain/gobuild.py; progress, one line per component, is logged at INFO (logger `...providers.local.build`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pytest_argo_conformance.config.paths import cache_dir, clusters_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.toolchain import gobuild
from pytest_argo_conformance.toolchain import oci as images
from pytest_argo_conformance.toolchain.gobuild import BuildError as BuildError

log = logging.getLogger(__name__)

K8S_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl")
GO_BUILD_TIMEOUT = 3600  # a cold Kubernetes build on 2 cores takes 5-10 minutes; leave room for slow disks
GO_MOD_TIMEOUT = 900  # k8s.io/kubernetes is a large module
BUSYBOX = Path("/bin/busybox")
ETCD = Path("/usr/bin/etcd")
COREDNS_PLUGINS = ("reload", "health", "ready", "errors", "log", "cache", "loadbalance", "kubernetes")


@dataclass(frozen=True)
class Artifacts:
    """Everything `cluster up` needs from the build."""

    kubernetes_bin: Path
    coredns: Path
    pause: Path
    pullguard: Path
    etcd: Path
    images: dict[str, Path]  # fully qualified image name -> OCI tarball

    def k8s(self, command: str) -> Path:
        return self.kubernetes_bin / command


@dataclass(frozen=True)
class Step:
    component: str
    seconds: float
    cached: bool


def wrapper_gomod(kube_gomod: str, kube_version: str) -> str:
    """The wrapper module's go.mod: k8s's go and godebug lines, and one replace per staging module."""
    go_line = re.search(r"^go\s+(\S+)", kube_gomod, re.M)
    godebug = re.findall(r"^godebug\s+[^(\n]+$", kube_gomod, re.M)
    block = re.search(r"^godebug\s*\((.*?)\)", kube_gomod, re.M | re.S)
    if block:
        godebug += [f"godebug {line.strip()}" for line in block.group(1).splitlines() if line.strip()]
    staging = sorted(set(re.findall(r"(k8s\.io/[\w.-]+)\s*=>\s*\./staging/src/k8s\.io/", kube_gomod)))
    if not staging:
        raise BuildError("k8s.io/kubernetes go.mod lists no staging replace lines: unexpected layout")
    staging_version = "v0." + kube_version.lstrip("v").split(".", 1)[1]  # v1.34.4 -> v0.34.4
    lines = ["module argoconformance.local/kubernetes", "", f"go {go_line.group(1) if go_line else '1.24.0'}", ""]
    lines += godebug + ([""] if godebug else [])
    lines += [f"require k8s.io/kubernetes {kube_version}", ""]
    lines += [f"replace {mod} => {mod} {staging_version}" for mod in staging]
    return "\n".join(lines) + "\n"


def kube_ldflags(kube_version: str, commit: str) -> str:
    major, minor = kube_version.lstrip("v").split(".")[:2]
    stamp = {
        "gitVersion": kube_version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitCommit": commit,
        "gitTreeState": "clean",
        "buildDate": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {package}.{key}={value}" for key, value in stamp.items()]
    return " ".join(flags)


def build_kubernetes(force: bool = False) -> Path:
    kube_version = version("kubernetes")
    root = cache_dir() / "kubernetes" / kube_version
    bin_dir = root / "bin"
    if not force and gobuild.complete(root) and all((bin_dir / c).is_file() for c in K8S_COMMANDS):
        return bin_dir
    gobuild.fresh(root)
    src = root / "src"
    src.mkdir()
    build_log = root / "build.log"
    what = f"kubernetes {kube_version}"
    module = gobuild.download("k8s.io/kubernetes", kube_version, what, build_log, GO_MOD_TIMEOUT)
    kube_gomod = module.gomod.read_text(encoding="utf-8")
    (src / "go.mod").write_text(wrapper_gomod(kube_gomod, kube_version), encoding="utf-8")
    imports = "\n".join(f'\t_ "k8s.io/kubernetes/cmd/{c}"' for c in K8S_COMMANDS)
    (src / "tools.go").write_text(f"//go:build tools\n\npackage tools\n\nimport (\n{imports}\n)\n", encoding="utf-8")
    gobuild.mod_tidy(f"{what} wrapper module", src, build_log, GO_MOD_TIMEOUT)
    packages = [f"k8s.io/kubernetes/cmd/{c}" for c in K8S_COMMANDS]
    gobuild.go_build(what, src, f"{bin_dir}/", packages, kube_ldflags(kube_version, module.commit),
                     log_file=build_log, timeout=GO_BUILD_TIMEOUT)
    gobuild.stamp(root, version=kube_version, commit=module.commit, commands=list(K8S_COMMANDS))
    return bin_dir


def coredns_main() -> str:
    imports = "\n".join(f'\t_ "github.com/coredns/coredns/plugin/{p}"' for p in sorted(COREDNS_PLUGINS))
    directives = ", ".join(f'"{p}"' for p in COREDNS_PLUGINS)
    return f"""package main

import (
\t"github.com/coredns/coredns/core/dnsserver"
\t"github.com/coredns/coredns/coremain"

{imports}
)

func init() {{
\tdnsserver.Directives = []string{{{directives}}}
}}

func main() {{ coremain.Run() }}
"""


def build_coredns(force: bool = False) -> Path:
    coredns_version = version("coredns")
    root = cache_dir() / "coredns" / coredns_version
    binary = root / "bin" / "coredns"
    if not force and gobuild.complete(root) and binary.is_file():
        return binary
    gobuild.fresh(root)
    src = root / "src"
    src.mkdir()
    build_log = root / "build.log"
    what = f"coredns {coredns_version}"
    commit = gobuild.download("github.com/coredns/coredns", coredns_version, what, build_log, GO_MOD_TIMEOUT).commit[:7]
    (src / "go.mod").write_text(
        f"module argoconformance.local/coredns\n\ngo 1.24.0\n\nrequire github.com/coredns/coredns {coredns_version}\n",
        encoding="utf-8",
    )
    (src / "main.go").write_text(coredns_main(), encoding="utf-8")
    gobuild.mod_tidy(what, src, build_log, GO_MOD_TIMEOUT)
    ldflags = f"-s -w -X github.com/coredns/coredns/coremain.GitCommit={commit}"
    gobuild.go_build(what, src, binary, ["."], ldflags, log_file=build_log, timeout=GO_BUILD_TIMEOUT)
    gobuild.stamp(root, version=coredns_version, commit=commit, plugins=list(COREDNS_PLUGINS))
    return binary


def _tools_source() -> dict[str, str]:
    tools = clusters_dir() / "local" / "tools"
    return {p.relative_to(tools).as_posix(): p.read_text(encoding="utf-8") for p in sorted(tools.rglob("*.go"))}


def _tools_root() -> Path:
    digest = hashlib.sha256(json.dumps(_tools_source(), sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "tools" / digest


def build_tools(force: bool = False) -> Path:
    """`pause` and `pullguard` from the small Go sources in clusters/local/tools (no dependencies)."""
    sources = _tools_source()
    root = _tools_root()
    bin_dir = root / "bin"
    if not force and gobuild.complete(root) and (bin_dir / "pause").is_file() and (bin_dir / "pullguard").is_file():
        return bin_dir
    gobuild.fresh(root)
    src = root / "src"
    for rel, text in sources.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    (src / "go.mod").write_text("module argoconformance.local/tools\n\ngo 1.22\n", encoding="utf-8")
    gobuild.go_build("pause/pullguard", src, f"{bin_dir}/", ["./cmd/..."], log_file=root / "build.log",
                     timeout=GO_BUILD_TIMEOUT)
    gobuild.stamp(root, sources=sorted(sources))
    return bin_dir


def check_etcd() -> Path:
    wanted = version("etcd")
    if not ETCD.is_file():
        raise BuildError(f"{ETCD} is missing: run `argo-conformance cluster deps` (Debian's etcd-server {wanted})")
    out = subprocess.run([str(ETCD), "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    if f"etcd Version: {wanted}" not in out:
        found = out.splitlines()[0] if out else "no version"
        log.warning("pinned etcd %s, found %s", wanted, found)
    return ETCD


def busybox_spec() -> images.ImageSpec:
    if not BUSYBOX.is_file():
        raise BuildError(f"{BUSYBOX} is missing: run `argo-conformance cluster deps` (Debian's busybox-static)")
    listing = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True, timeout=30, check=True)
    files = [images.File("bin/busybox", source=BUSYBOX)]
    files += [
        images.File(path, symlink_to="/bin/busybox")
        for path in sorted(set(listing.stdout.split()))
        if path != "bin/busybox"
    ]
    files += [
        images.File("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
                    mode=0o644),
        images.File("etc/group", data=b"root:x:0:\nnobody:x:65534:\n", mode=0o644),
        images.File("tmp", directory=True, mode=0o1777),
        images.File("root", directory=True, mode=0o700),
    ]
    return images.ImageSpec(f"docker.io/library/busybox:{version('busybox')}", tuple(files), cmd=("sh",))


def image_specs(coredns: Path, tools: Path) -> list[images.ImageSpec]:
    return [
        images.ImageSpec(
            f"registry.k8s.io/pause:{version('pause')}",
            (images.File("pause", source=tools / "pause"),),
            entrypoint=("/pause",),
        ),
        images.ImageSpec(
            f"registry.k8s.io/coredns/coredns:{version('coredns')}",
            (images.File("coredns", source=coredns),),
            entrypoint=("/coredns",),
        ),
        busybox_spec(),
    ]


def image_paths(coredns: Path, tools: Path) -> dict[str, tuple[images.ImageSpec, Path]]:
    """Image name -> (spec, tarball path); the path is named after the content it comes from."""
    out = {}
    for spec in image_specs(coredns, tools):
        key = hashlib.sha256(repr(spec).encode()).hexdigest()[:12]
        for f in spec.files:
            if f.source is not None:
                key = hashlib.sha256((key + str(f.source.stat().st_mtime_ns)).encode()).hexdigest()[:12]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.name)
        out[spec.name] = (spec, cache_dir() / "images" / f"{safe}-{key}.tar")
    return out


def build_images(coredns: Path, tools: Path, force: bool = False) -> dict[str, Path]:
    """One OCI tarball per image (pause, coredns, busybox), written unless already there."""
    out: dict[str, Path] = {}
    for name, (spec, path) in image_paths(coredns, tools).items():
        if force or not path.is_file():
            images.write_oci_tarball(spec, path)
        out[name] = path
    return out


def build_all(force: bool = False) -> tuple[Artifacts, list[Step]]:
    """Build (or find in the cache) everything; one INFO line per component with its time."""
    steps: list[Step] = []
    results: dict[str, object] = {}

    def step(component: str, label: str, cached: bool, fn: Callable[[], object]) -> None:
        if not cached:
            log.info("building %s ...", label)
        start = time.monotonic()
        results[component] = fn()
        steps.append(Step(component, time.monotonic() - start, cached))
        log.info("%s: %s in %.1fs", label, "cached" if cached else "built", steps[-1].seconds)

    kube_root = cache_dir() / "kubernetes" / version("kubernetes")
    coredns_root = cache_dir() / "coredns" / version("coredns")
    step("etcd", f"etcd {version('etcd')} (Debian)", True, check_etcd)
    step("tools", "pause + pullguard", not force and gobuild.complete(_tools_root()), lambda: build_tools(force))
    step("kubernetes", f"kubernetes {version('kubernetes')}", not force and gobuild.complete(kube_root),
         lambda: build_kubernetes(force))
    step("coredns", f"coredns {version('coredns')}", not force and gobuild.complete(coredns_root),
         lambda: build_coredns(force))
    coredns, tools = results["coredns"], results["tools"]
    assert isinstance(coredns, Path) and isinstance(tools, Path)
    images_cached = not force and all(p.is_file() for _, p in image_paths(coredns, tools).values())
    step("images", "images (pause, coredns, busybox)", images_cached, lambda: build_images(coredns, tools, force))
    built_images = results["images"]
    kube_bin, etcd = results["kubernetes"], results["etcd"]
    assert isinstance(built_images, dict) and isinstance(kube_bin, Path) and isinstance(etcd, Path)
    artifacts = Artifacts(kube_bin, coredns, tools / "pause", tools / "pullguard", etcd, built_images)
    return artifacts, steps


def artifacts_if_built() -> Artifacts | None:
    """The artifacts when everything is already in the cache (no Go invoked), else None."""
    kube_root = cache_dir() / "kubernetes" / version("kubernetes")
    coredns_root = cache_dir() / "coredns" / version("coredns")
    if not (gobuild.complete(kube_root) and gobuild.complete(coredns_root)):
        return None
    return build_all()[0]

