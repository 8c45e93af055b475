"""The built-in `pytest_argo_install`: prepare each build once per session, then install a cell of a topology the
suite knows (`components/argo/topologies.py`)."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.components.argo import install as argo_install
from pytest_argo_conformance.components.argo.artifacts import BuildArtifacts, prepare
from pytest_argo_conformance.components.argo.build import ArgoBuildError
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.install import BuiltinInstallation
from pytest_argo_conformance.components.argo.topologies import BY_ID, Topology
from pytest_argo_conformance.components.workflow_images import controller_images
from pytest_argo_conformance.kube import WaitTimeout
from pytest_argo_conformance.plugin import run
from pytest_argo_conformance.plugin.stash import INSTALL_FACTS_KEY, SETTINGS_KEY, USER_IMAGES_KEY, WORKFLOW_IMAGES_KEY
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, Provider, ProviderError, can
from pytest_argo_conformance.toolchain.image_catalog import load as load_catalog
from pytest_argo_conformance.toolchain.oci import ImageError

ARTIFACTS_KEY = pytest.StashKey[dict[str, "BuildArtifacts | Exception"]]()
FAILURES = (argo_install.InstallError, ArgoBuildError, ImageError, ProviderError, WaitTimeout, OSError)


def install(
    config: pytest.Config, provider: Provider, cluster: ClusterInfo, build: ControllerBuild, topology: Topology
) -> BuiltinInstallation:
    if topology.id not in BY_ID:
        pytest.fail(f"topology {topology.id} is not one the suite installs, and no pytest_argo_install "
                    "implementation returned an installation for it (implement that hook for it)", pytrace=False)
    settings = config.stash[SETTINGS_KEY]
    artifacts = _artifacts(config, provider, build)
    baseline = _artifacts(config, provider, settings.baseline)
    lease = run.lease(config, cluster)
    try:
        inst = argo_install.install(cluster, artifacts, baseline, topology, f"{build.name}-{topology.id}", lease,
                                    images=_controller_images(config, provider))
    except FAILURES as exc:
        pytest.fail(f"install of {build.name} in {topology.id} failed: {exc}", pytrace=False)
    config.stash.setdefault(INSTALL_FACTS_KEY, {})[(build.name, topology.id)] = (inst.variant, list(inst.notes))
    return inst


def _controller_images(config: pytest.Config, provider: Provider) -> dict[str, dict[str, list[str]]]:
    """The entrypoints of the images that workflows run as given take from an archive or the image catalog."""
    references = config.stash.get(WORKFLOW_IMAGES_KEY, [])
    if not references:
        return {}
    catalog = load_catalog() if config.stash[SETTINGS_KEY].image_alias and can(provider, Capability.IMAGE_CATALOG) \
        else None
    return controller_images(references, catalog, config.stash.get(USER_IMAGES_KEY, {}))


def _artifacts(config: pytest.Config, provider: Provider, build: ControllerBuild) -> BuildArtifacts:
    """Build and load a build's images once per session; a failed build fails each of its cells with the reason."""
    cache = config.stash.setdefault(ARTIFACTS_KEY, {})
    if build.name not in cache:
        try:
            cache[build.name] = prepare(build, provider)
        except FAILURES as exc:
            cache[build.name] = exc
    found = cache[build.name]
    if isinstance(found, Exception):
        why = str(found).removeprefix(f"build {build.name}: ")  # the build's own errors name it too
        pytest.fail(f"build {build.name} ({build.ref}) is not available: {why}", pytrace=False)
    return found

