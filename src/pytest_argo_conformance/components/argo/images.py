"""The images of a controller build: upstream names for releases, local names for other source builds.

Built the way upstream's Dockerfile builds them: the static binary in /bin, user 8737, the binary as entrypoint,
a world-writable /tmp (argoexec writes a resource template's manifest to /tmp/manifest.yaml).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pytest_argo_conformance.components.argo.build import ArgoBinaries
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild, Source, upstream_images
from pytest_argo_conformance.toolchain.oci import File, ImageSpec, write_oci_tarball

LOCAL_REPO = "localhost/argo-conformance"
ROLES = {"workflow-controller": "workflow-controller", "argoexec": "argoexec", "server": "argo"}  # role -> binary
USER = "8737"
NSSWITCH = b"hosts: files dns\n"


def image_names(build: ControllerBuild, binaries: ArgoBinaries) -> dict[str, str]:
    """role -> image name. A release keeps upstream's names, so manifests written for kind work unchanged."""
    if build.source is Source.VERSION:
        return upstream_images(build.ref)
    return {
        "workflow-controller": f"{LOCAL_REPO}/workflow-controller:{binaries.key}",
        "argoexec": f"{LOCAL_REPO}/argoexec:{binaries.key}",
        "server": f"{LOCAL_REPO}/argocli:{binaries.key}",
    }


def write_images(build: ControllerBuild, binaries: ArgoBinaries) -> dict[str, tuple[str, Path]]:
    """Write (once, cached next to the binaries) each role's OCI tarball; role -> (image name, tarball)."""
    out: dict[str, tuple[str, Path]] = {}
    for role, name in image_names(build, binaries).items():
        binary = ROLES[role]
        spec = ImageSpec(
            name=name,
            files=(
                File(f"/bin/{binary}", source=binaries.binary(binary)),
                File("/etc/nsswitch.conf", data=NSSWITCH, mode=0o644),
                File("/tmp", directory=True, mode=0o1777),  # as upstream's: user 8737 writes there
            ),
            entrypoint=(binary,),
            user=USER,
            labels={"org.opencontainers.image.version": binaries.version},
        )
        # named after the spec, so a change to the image's layout writes a new tarball (the binaries key the folder)
        tarball = binaries.root / "images" / f"{role}-{hashlib.sha256(repr(spec).encode()).hexdigest()[:12]}.tar"
        if not tarball.is_file():
            write_oci_tarball(spec, tarball)
        out[role] = (name, tarball)
    return out
