"""The small interface every cluster provider implements, and the capabilities the suite asks it about."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable


class ProviderError(RuntimeError):
    """A provider cannot do what was asked; the message is one line that says what to fix."""


class Capability(str, enum.Enum):
    """What a provider can do. The suite asks for a capability, never for a provider's name."""

    CREATES_CLUSTER = "creates-cluster"  # `up` makes a cluster of its own (and `down` may remove it)
    LOADS_IMAGES = "loads-images"  # `load_image` puts an image on the nodes (no registry needed)
    PULLS_IMAGES = "pulls-images"  # the nodes pull image references from registries
    BUILDS_FROM_SOURCE = "builds-from-source"  # upstream releases and components are built from their Go modules
    FAKE_GPUS = "fake-gpus"  # the suite may advertise fake nvidia.com/gpu capacity on its nodes
    ROUTES_SERVICES = "routes-services"  # this host reaches Service cluster IPs directly (no port-forward)
    HERMETIC = "hermetic"  # nothing is ever pulled; images missing from the nodes are found before a run
    IMAGE_CATALOG = "image-catalog"  # `catalog_image(key)` builds and imports clusters/local/images.yaml's images,
    # `alias_image(image, alias)` names an imported image also `alias`, `image_digests()` tells aliases apart


@dataclass(frozen=True)
class ClusterInfo:
    """What a provider hands to the suite once a cluster is there."""

    provider: str
    name: str
    kubeconfig: Path
    context: str | None = None
    created: bool = False  # True when this run created the cluster (and so may delete it)
    versions: dict[str, str] = field(default_factory=dict)  # e.g. {"kubernetes": "v1.34.4"}
    capabilities: frozenset[Capability] = frozenset()  # the provider's, for code that only sees the cluster

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


@runtime_checkable
class Provider(Protocol):
    """Create or attach to a cluster, load images into it, tear down what it created."""

    name: str  # for reports only: code asks `capabilities`, never the name
    capabilities: ClassVar[frozenset[Capability]]

    def up(self) -> ClusterInfo:
        """Create the cluster (or attach to an existing one) and return how to reach it."""
        ...

    def load_image(self, image: str, archive: Path | None = None) -> None:
        """Make `image` available to the cluster's nodes without pulling (from `archive` if given)."""
        ...

    def missing_images(self, names: Sequence[str]) -> list[str]:
        """Which of `names` the nodes can neither find nor pull ([] where the nodes pull)."""
        ...

    def down(self) -> None:
        """Tear down what `up` created; never delete what it did not create. Honour keep settings."""
        ...


def can(provider: Provider, capability: Capability) -> bool:
    return capability in provider.capabilities
