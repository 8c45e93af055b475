"""The images of workflows run as given: `--argo-image NAME=ARCHIVE` archives are read at start (bad input is
one line), and the session's `argo_images` (components/workflow_images.py) gets each image onto the cluster
without a pull or says it is missing."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from pytest_argo_conformance.components.workflow_images import WorkflowImages, make
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY, USER_IMAGES_KEY, WORKFLOW_IMAGES_KEY
from pytest_argo_conformance.providers.base import Provider, ProviderError
from pytest_argo_conformance.toolchain.image_catalog import CatalogError, load
from pytest_argo_conformance.toolchain.oci import ImageError


@pytest.hookimpl(trylast=True)  # after the plugin's own configure has parsed the options
def pytest_configure(config: pytest.Config) -> None:
    """Read the `--argo-image` archives once, before collection: an unreadable one is one `ERROR:` line."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or USER_IMAGES_KEY in config.stash:
        return
    from pytest_argo_conformance.components.workflow_images import user_image_archives

    try:
        config.stash[USER_IMAGES_KEY] = user_image_archives(settings.user_images)
    except ImageError as exc:
        raise pytest.UsageError(f"--argo-image: {exc}") from None


def note_workflow_images(config: pytest.Config, references: Iterable[str]) -> None:
    """Images that workflows run as given will name (the controller's `images:` covers those that come from here)."""
    seen = config.stash.setdefault(WORKFLOW_IMAGES_KEY, [])
    seen += [r for r in references if r not in seen]


@pytest.fixture(scope="session")
def argo_images(pytestconfig: pytest.Config, argo_provider: Provider) -> WorkflowImages:
    """Where each image a workflow names comes from: present, your archive, or the local image catalog (alias)."""
    settings = pytestconfig.stash[SETTINGS_KEY]
    try:
        catalog = load()
    except (CatalogError, OSError) as exc:
        pytest.fail(f"the image catalog cannot be read: {exc}", pytrace=False)
    return make(argo_provider, settings.image_alias, catalog, pytestconfig.stash.get(USER_IMAGES_KEY, {}))


@pytest.fixture(scope="session", autouse=True)
def _argo_user_images_loaded(request: pytest.FixtureRequest) -> None:
    """`--argo-image` archives are in the cluster before the first test runs (your own checks may name them too);
    a load that fails is one line on each test."""
    settings = request.config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.user_images:
        return
    images: WorkflowImages = request.getfixturevalue("argo_images")
    try:
        images.load_user_images()
    except ProviderError as exc:
        pytest.fail(f"--argo-image: {exc}", pytrace=False)
