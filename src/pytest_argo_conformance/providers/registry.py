"""The built-in providers by name (kind, existing, local), what each can do, and what `auto` means."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from pytest_argo_conformance.config.timeouts import DOCKER_PROBE
from pytest_argo_conformance.providers.base import Capability

if TYPE_CHECKING:
    from pytest_argo_conformance.providers.existing import ExistingProvider
    from pytest_argo_conformance.providers.kind import KindProvider
    from pytest_argo_conformance.providers.local.provider import LocalProvider


def docker_answers() -> bool:
    """True when a Docker daemon answers `docker info` (a client alone is not enough for kind)."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        probe = subprocess.run([docker, "info"], capture_output=True, timeout=DOCKER_PROBE, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def resolve(provider: str) -> str:
    if provider != "auto":
        return provider
    return "kind" if docker_answers() else "local"


def provider_class(name: str) -> type[KindProvider | ExistingProvider | LocalProvider] | None:
    """The built-in provider class of that name (imported on demand), or None."""
    if name == "kind":
        from pytest_argo_conformance.providers.kind import KindProvider

        return KindProvider
    if name == "existing":
        from pytest_argo_conformance.providers.existing import ExistingProvider

        return ExistingProvider
    if name == "local":
        try:
            from pytest_argo_conformance.providers.local.provider import LocalProvider
        except ImportError:
            return None
        return LocalProvider
    return None


def capabilities_of(name: str) -> frozenset[Capability] | None:
    """What a built-in provider can do, before it is made (None: `auto`, or not a built-in)."""
    cls = provider_class(name)
    return None if cls is None else cls.capabilities
