"""The small interface every cluster provider implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable


class ProviderError(RuntimeError):
    """A provider cannot do what was asked; the message is one line that says what to fix."""


@dataclass(frozen=True)
class ClusterInfo:
    """What a provider hands to the suite once a cluster is there."""

    provider: str
    name: str
    kubeconfig: Path
    context: str | None = None
    created: bool = False  # True when this run created the cluster (and so may delete it)
    versions: dict[str, str] = field(default_factory=dict)  # e.g. {"kubernetes": "v1.34.4"}


@runtime_checkable
class Provider(Protocol):
    """Create or attach to a cluster, load images into it, tear down what it created."""

    name: str

    def up(self) -> ClusterInfo:
        """Create the cluster (or attach to an existing one) and return how to reach it."""
        ...

    def load_image(self, image: str, archive: Path | None = None) -> None:
        """Make `image` available to the cluster's nodes without pulling (from `archive` if given)."""
        ...

    def down(self) -> None:
        """Tear down what `up` created; never delete what it did not create. Honour keep settings."""
        ...
