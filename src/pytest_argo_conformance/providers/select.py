"""The built-in answer to `pytest_argo_make_provider`: kind, existing or local, and what `auto` means."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pytest_argo_conformance.plugin.options import Settings
from pytest_argo_conformance.plugin.stash import WANTS_GPU_LAYOUT_KEY
from pytest_argo_conformance.config.timeouts import DOCKER_PROBE
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.base import Provider, ProviderError


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


def make_provider(config: pytest.Config, settings: Settings) -> Provider:
    name = resolve(settings.provider)
    try:
        if name == "kind":
            from pytest_argo_conformance.providers.kind import KindProvider

            return KindProvider(
                settings.cluster_name,
                keep=settings.keep_cluster,
                kubeconfig=settings.kubeconfig,
                node_image=config.getoption("kind_image", None) or version("kind-node-image"),
                layout="gpu" if config.stash.get(WANTS_GPU_LAYOUT_KEY, False) else "single",
            )
        if name == "existing":
            from pytest_argo_conformance.providers.existing import ExistingProvider

            assert settings.kubeconfig is not None  # settings.load checked it
            return ExistingProvider(settings.kubeconfig, settings.context)
        try:
            from pytest_argo_conformance.providers.local.provider import LocalProvider
        except ImportError as exc:
            raise ProviderError(f"the local provider is not available in this installation ({exc})") from None
        return LocalProvider(settings.cluster_name, keep=settings.keep_cluster)
    except ProviderError as exc:
        raise pytest.UsageError(f"--argo-provider {name}: {exc}") from None
