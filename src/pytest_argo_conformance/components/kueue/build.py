"""Kueue's controller (`cmd/kueue` of the sigs.k8s.io/kueue Go module) and its image.

On the local provider the binary is built from the pinned module and written into an image that containerd
imports; on kind and existing clusters the release image (`kueue-image-repo` in versions.yaml) is used.
The source tree is needed everywhere: the manifests are rendered from its `config/`.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.base import Capability, Provider, can
from pytest_argo_conformance.toolchain.cachelock import making
from pytest_argo_conformance.toolchain.gobuild import go_build, module_dir, writable_copy
from pytest_argo_conformance.toolchain.oci import File, ImageSpec, write_oci_tarball

MODULE = "sigs.k8s.io/kueue"
LOCAL_IMAGE = "localhost/argo-conformance/kueue"
USER = "65532"  # the release image's nonroot user

log = logging.getLogger(__name__)


def source_dir(release: str) -> Path:
    """The read-only module tree of `release` (downloaded through the module proxy when needed)."""
    return module_dir(MODULE, release, f"kueue {release}")


def image_for(provider: Provider, release: str) -> str:
    """Make Kueue's image available to the cluster and return its name."""
    if not can(provider, Capability.BUILDS_FROM_SOURCE):
        image = f"{version('kueue-image-repo')}:{release}"
        if can(provider, Capability.LOADS_IMAGES):
            provider.load_image(image)
        return image
    root = cache_dir() / "kueue" / release
    tarball = root / "image.tar"
    name = f"{LOCAL_IMAGE}:{release}"
    if not tarball.is_file():
        with making(tarball, f"kueue {release}"):
            if not tarball.is_file():  # not made meanwhile by another process
                binary = _build(root, release)
                spec = ImageSpec(name=name, files=(File("/manager", source=binary),), entrypoint=("/manager",),
                                 user=USER)
                write_oci_tarball(spec, tarball)
    provider.load_image(name, tarball)
    return name


def _build(root: Path, release: str) -> Path:
    log.info("building kueue %s from source ...", release)
    started = time.monotonic()
    src = root / "src"
    shutil.rmtree(src, ignore_errors=True)
    writable_copy(source_dir(release), src)
    out = root / "manager"
    ldflags = (f"-s -w -X {MODULE}/pkg/version.GitVersion={release} "
               f"-X {MODULE}/pkg/version.BuildDate=1970-01-01T00:00:00Z")
    try:
        go_build(f"kueue {release}", src, str(out), ["./cmd/kueue"], ldflags)
    finally:
        shutil.rmtree(src, ignore_errors=True)
    log.info("kueue build %s: %.0fs", release, time.monotonic() - started)
    return out
