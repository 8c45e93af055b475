"""What a cell needs of a build before installing: its images in the cluster and its source tree's manifests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.components.argo.build import build_binaries, upstream_source
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild, Source, base_version
from pytest_argo_conformance.components.argo.images import write_images
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.base import Capability, Provider, can


@dataclass(frozen=True)
class BuildArtifacts:
    build: ControllerBuild
    images: dict[str, str]  # role -> image reference: workflow-controller, argoexec, server
    source_dir: Path  # a tree with manifests/ (CRDs, RBAC) for this build
    version: str


def prepare(build: ControllerBuild, provider: Provider) -> BuildArtifacts:
    """Build from source where the provider needs it (local) and load the images into the cluster."""
    if build.needs_source_build or (can(provider, Capability.BUILDS_FROM_SOURCE) and build.source is Source.VERSION):
        binaries = build_binaries(build)
        images = {}
        for role, (name, tarball) in write_images(build, binaries).items():
            provider.load_image(name, tarball)
            images[role] = name
        return BuildArtifacts(build, images, binaries.source_dir, binaries.version)
    images = dict(build.images)
    if can(provider, Capability.LOADS_IMAGES):  # else the nodes pull them
        for name in images.values():
            provider.load_image(name)
    release = _release_of(build)
    return BuildArtifacts(build, images, upstream_source(release, build.name), release)


def _release_of(build: ControllerBuild) -> str:
    """The upstream release whose manifests go with an image build: its tag's version, else the baseline's."""
    if build.source is Source.VERSION:
        return base_version(build.ref)
    tag = build.images.get("workflow-controller", "").rsplit(":", 1)[-1]
    match = re.match(r"^(v\d+\.\d+\.\d+)", tag)
    return match.group(1) if match else version("argo-workflows")
