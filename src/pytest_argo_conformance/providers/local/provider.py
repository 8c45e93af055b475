"""The local provider: a single-node cluster on this machine (pytest_argo_conformance.providers.local.cluster)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, ProviderError
from pytest_argo_conformance.providers.local.cluster import ClusterError, LocalCluster
from pytest_argo_conformance.providers.local.containerd import digests as containerd_digests
from pytest_argo_conformance.providers.local.containerd import missing as images_missing
from pytest_argo_conformance.toolchain.gobuild import BuildError
from pytest_argo_conformance.toolchain.oci import ImageError

log = logging.getLogger(__name__)


class LocalProvider:
    name = "local"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.CREATES_CLUSTER, Capability.LOADS_IMAGES, Capability.BUILDS_FROM_SOURCE,
        Capability.FAKE_GPUS, Capability.ROUTES_SERVICES, Capability.HERMETIC, Capability.IMAGE_CATALOG,
    })

    def __init__(self, cluster_name: str, keep: bool) -> None:
        try:
            self.cluster = LocalCluster(cluster_name)
        except ClusterError as exc:
            raise ProviderError(str(exc)) from None
        self.keep = keep
        self.created = False
        self.registered = False  # users/<pid> in the state directory holds this process's use of the cluster
        self.info: ClusterInfo | None = None

    def up(self) -> ClusterInfo:
        """Start or reuse the cluster and register this process as one of its users (users/<pid>)."""
        try:
            self.created = self.cluster.up(user=os.getpid())
        except (ClusterError, BuildError) as exc:
            raise ProviderError(str(exc)) from None
        self.registered = True
        self.info = ClusterInfo(
            provider=self.name,
            name=self.cluster.name,
            kubeconfig=self.cluster.kubeconfig,
            context=self.cluster.layout.context,
            created=self.created,
            versions={"kubernetes": version("kubernetes"), "coredns": version("coredns"), "etcd": version("etcd")},
            capabilities=self.capabilities,
        )
        return self.info

    def load_image(self, image: str, archive: Path | None = None) -> None:
        try:
            self.cluster.load_image(image, archive)
        except (ClusterError, ImageError) as exc:
            raise ProviderError(str(exc)) from None

    def catalog_image(self, key: str) -> str:
        """Build (cached) and import the catalog image `key` of clusters/local/images.yaml; its name."""
        from pytest_argo_conformance.providers.local.catalog_build import build_catalog
        from pytest_argo_conformance.toolchain.debian import DebianError
        from pytest_argo_conformance.toolchain.image_catalog import CatalogError, load

        try:
            name = load().image(key).name
            tarballs = build_catalog([key])
            self.load_image(name, tarballs[name])
        except (CatalogError, DebianError, BuildError, ImageError, OSError) as exc:
            raise ProviderError(f"image catalog {key}: {exc}") from None
        return name

    def image_digests(self) -> dict[str, str]:
        """Every image name in the cluster's containerd -> its digest (an alias shares its image's digest)."""
        try:
            return containerd_digests(self.cluster.layout.containerd_socket)
        except ImageError as exc:
            raise ProviderError(str(exc)) from None

    def alias_image(self, image: str, alias: str) -> None:
        try:
            self.cluster.alias_image(image, alias)
        except ImageError as exc:
            raise ProviderError(str(exc)) from None

    def missing_images(self, names: Sequence[str]) -> list[str]:
        """Which of `names` the cluster's containerd lacks (they would never be pulled)."""
        return images_missing(self.cluster.layout.containerd_socket, names)

    def down(self) -> None:
        """Unregister this process; remove the cluster only when this run started it, keep was not asked for and
        no other live process uses it (a cluster this run did not start, or one still in use, is left alone)."""
        if not self.registered:
            return
        tear_down = self.created and not self.keep
        try:
            others, problems = self.cluster.release(os.getpid(), tear_down=tear_down)
        except ClusterError as exc:
            raise ProviderError(str(exc)) from None
        self.registered = False
        if others and tear_down:
            log.info("local cluster %s: leaving it up for %s, which still uses it", self.cluster.name,
                     ", ".join(u.describe() for u in others))
        if problems:
            raise ProviderError("local cluster down left: " + "; ".join(problems))
