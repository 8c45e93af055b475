"""The host packages the local provider needs (clusters/local/host-packages.txt): check and install with apt-get."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from pytest_argo_conformance.config.paths import clusters_dir

APT_TIMEOUT = 1800
DPKG_TIMEOUT = 60
# What each package must put on the machine; checked before `cluster up` starts anything.
PROVIDES: dict[str, tuple[str, ...]] = {
    "containerd": ("containerd", "ctr", "containerd-shim-runc-v2"),
    "runc": ("runc",),
    "containernetworking-plugins": ("/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback",
                                    "/usr/lib/cni/portmap"),
    "iptables": ("iptables", "ip6tables"),
    "conntrack": ("conntrack",),
    "etcd-server": ("/usr/bin/etcd",),
    "busybox-static": ("/bin/busybox",),
    "iproute2": ("ip",),
    "binutils": ("readelf",),
}
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log = logging.getLogger(__name__)


class HostDepsError(RuntimeError):
    """Installing the host packages failed; the message says which step."""


def packages() -> list[str]:
    """The package names, one per line in clusters/local/host-packages.txt (comments and blanks skipped)."""
    text = (clusters_dir() / "local" / "host-packages.txt").read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def _present(item: str) -> bool:
    if item.startswith("/"):
        return Path(item).exists()
    return shutil.which(item, path=SEARCH_PATH) is not None


def missing() -> dict[str, list[str]]:
    """Package -> the files or commands of it that are missing (empty when everything is there)."""
    out = {}
    for package in packages():
        absent = [item for item in PROVIDES.get(package, ()) if not _present(item)]
        if package not in PROVIDES and not _dpkg_installed(package):
            absent = ["(package not installed)"]
        if absent:
            out[package] = absent
    return out


def _dpkg_installed(package: str) -> bool:
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True,
                              timeout=DPKG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "install ok installed" in done.stdout


def missing_line() -> str | None:
    """One line naming what is missing and how to fix it, or None."""
    gone = missing()
    if not gone:
        return None
    what = ", ".join(f"{pkg} ({', '.join(items)})" for pkg, items in gone.items())
    return f"missing host packages: {what}: run `argo-conformance cluster deps` as root"


TEST_TOOLS = ("chromium",)  # the plugin's own tests look at the HTML matrix in a headless browser


def install(extra: tuple[str, ...] = ()) -> None:
    """apt-get update, then apt-get install every package of the list (as root, non-interactive); each command is
    logged at INFO before it runs."""
    if os.geteuid() != 0:
        raise HostDepsError("installing host packages needs root: run `argo-conformance cluster deps` as root")
    if shutil.which("apt-get") is None:
        raise HostDepsError(
            "apt-get not found: install these packages with your package manager: " + " ".join(packages())
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    steps = (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *packages(), *extra],
    )
    for cmd in steps:
        log.info("$ %s", " ".join(cmd))
        try:
            done = subprocess.run(cmd, env=env, timeout=APT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise HostDepsError(f"`{' '.join(cmd)}` still running after {APT_TIMEOUT}s") from None
        if done.returncode != 0:
            raise HostDepsError(f"`{' '.join(cmd)}` failed with exit {done.returncode}")
    line = missing_line()
    if line:
        raise HostDepsError(f"after apt-get install, still {line.split(': run')[0]}")
