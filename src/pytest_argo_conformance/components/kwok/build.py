"""The `kwok` binary, built from its Go module at the pinned version (clusters/local/versions.yaml `kwok`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.toolchain.cachelock import making
from pytest_argo_conformance.toolchain.gobuild import complete, fresh, go_build, module_dir, stamp, writable_copy

MODULE = "sigs.k8s.io/kwok"


def binary() -> Path:
    """The cached `kwok` of the pinned version; built (about 1.5 min cold on 2 cores) when missing."""
    release = version("kwok")
    entry = cache_dir() / "kwok" / release
    out = entry / "kwok"
    if not complete(entry):
        with making(entry, f"kwok {release}"):
            if not complete(entry):  # not made meanwhile by another process
                fresh(entry)
                src = writable_copy(module_dir(MODULE, release, "kwok"), entry / "src")
                go_build(f"kwok {release}", src, out, ["./cmd/kwok"])
                shutil.rmtree(src)
                stamp(entry, module=MODULE, version=release)
    return out
