"""The local cluster's containerd: import OCI tarballs (toolchain/oci.py writes them) and list its images."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from pytest_argo_conformance.toolchain.oci import ImageError

IMPORT_TIMEOUT = 300


def ctr_base(address: Path) -> list[str]:
    return ["ctr", "--address", str(address), "--namespace", "k8s.io"]


def import_tarball(address: Path, archive: Path, timeout: float = IMPORT_TIMEOUT, name: str | None = None) -> None:
    """`ctr -n k8s.io images import` into the cluster's containerd (unpacked for the CRI's snapshotter); with
    `name`, the archive's image is also registered under that name (`--index-name`), whatever names it carries."""
    cmd = ctr_base(address) + ["images", "import"] + (["--index-name", name] if name else []) + [str(archive)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ImageError(f"importing {archive} into containerd took over {timeout:.0f}s") from None
    if done.returncode != 0:
        raise ImageError(f"importing {archive} failed: {(done.stderr or done.stdout).strip()}")


def list_images(address: Path, timeout: float = 60) -> list[str]:
    cmd = ctr_base(address) + ["images", "ls", "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise ImageError(f"listing images in containerd failed: {done.stderr.strip()}")
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def missing(address: Path, names: Sequence[str]) -> list[str]:
    """Which of `names` containerd does not have (nothing is ever pulled: a missing image stays missing)."""
    have = set(list_images(address))
    return [name for name in names if name not in have]


def tag(address: Path, source: str, target: str, timeout: float = 60) -> None:
    """`ctr images tag --force`: `target` names the same image as `source` (an alias; nothing is copied)."""
    cmd = ctr_base(address) + ["images", "tag", "--force", source, target]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise ImageError(f"naming {source} also {target} in containerd failed: {(done.stderr or done.stdout).strip()}")


def digests(address: Path, timeout: float = 60) -> dict[str, str]:
    """Image name -> manifest digest, as `ctr images ls` lists them (two names of one image share a digest)."""
    done = subprocess.run(ctr_base(address) + ["images", "ls"], capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise ImageError(f"listing images in containerd failed: {done.stderr.strip()}")
    out = {}
    for line in done.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[2].startswith("sha256:"):
            out[fields[0]] = fields[2]
    return out
