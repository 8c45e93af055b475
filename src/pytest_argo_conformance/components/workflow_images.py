"""Where the images of a workflow that is run as given (your own, Argo's examples) come from, and getting them onto
the cluster without a pull: an image already there, a user's archive (`--argo-image NAME=ARCHIVE`), or, on a
provider with the image catalog (clusters/local/images.yaml), a catalog image that answers for the name by alias
(`--argo-image-alias off` turns that off). Anything else is missing, and the workflow is skipped with the names."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_argo_conformance.providers.base import Capability, Provider, ProviderError, can
from pytest_argo_conformance.toolchain.image_catalog import Catalog, normalize, pulls_always
from pytest_argo_conformance.toolchain.oci import ArchiveInfo, read_archive

log = logging.getLogger(__name__)

PRESENT, USER, ALIAS, MISSING = "present", "user image", "alias", "missing"


@dataclass(frozen=True)
class Resolution:
    reference: str  # as the workflow writes it
    how: str  # PRESENT, USER, ALIAS or MISSING
    via: str = ""  # the catalog image's key (ALIAS), the archive (USER), or why it is missing

    @property
    def available(self) -> bool:
        return self.how != MISSING

    def note(self) -> str | None:
        """The matrix note of an image that is not simply there: `alpine:3.7 -> local posix-base (alias)`."""
        if self.how == ALIAS:
            return f"{self.reference} -> local {self.via} (alias)"
        if self.how == USER:
            return f"{self.reference} -> {self.via} (--argo-image)"
        return None


@dataclass
class WorkflowImages:
    """The session's image sources; `resolve` prepares what it can (once per image) and says where each came from."""

    provider: Provider
    catalog: Catalog | None  # None: aliasing is off, or the provider has no catalog
    user_images: dict[str, ArchiveInfo] = field(default_factory=dict)  # normalized name -> archive
    known: Catalog | None = None  # the provider's catalog even when aliasing is off (to tell its aliases apart)
    _done: dict[str, Resolution] = field(default_factory=dict)
    _loaded_user: bool = False
    _catalog_names: dict[str, str] = field(default_factory=dict)  # catalog key -> imported name
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def load_user_images(self) -> None:
        """Load every `--argo-image` archive into the cluster (once); a failure is one ProviderError line."""
        with self._lock:
            if self._loaded_user:
                return
            for name, info in self.user_images.items():
                carried = [normalize(n) for n in info.names]
                if not can(self.provider, Capability.IMAGE_CATALOG) and name not in carried:
                    # kind (`kind load image-archive`) loads an archive under the names it carries, no others
                    raise ProviderError(
                        f"--argo-image {name}={info.path}: the archive carries "
                        f"{', '.join(info.names) or 'no image name'}, and the {self.provider.name} provider loads "
                        "an archive only under its own names: give one of those as NAME (or re-tag and save it)")
                log.info("loading --argo-image %s from %s", name, info.path)
                self.provider.load_image(name, info.path)
            self._loaded_user = True

    def resolve(self, references: Iterable[str]) -> list[Resolution]:
        self.load_user_images()
        return [self._resolve(ref) for ref in dict.fromkeys(references)]

    def _resolve(self, reference: str) -> Resolution:
        full = normalize(reference)
        with self._lock:
            if full in self._done:
                return Resolution(reference, self._done[full].how, self._done[full].via)
            found = self._find(reference, full)
            self._done[full] = found
            return found

    def _find(self, reference: str, full: str) -> Resolution:
        if full in self.user_images:
            return Resolution(reference, USER, str(self.user_images[full].path))
        present, earlier = self._present(full)
        if present and earlier is None:
            return Resolution(reference, PRESENT)
        if present and self.catalog is None:
            return Resolution(reference, MISSING, f"only the image catalog's {earlier} answers for it, and "
                                                  "aliasing is off")
        image = self.catalog.alias_for(full) if self.catalog is not None else None
        if image is None:
            why = "no catalog image answers for it" if self.catalog is not None else "aliasing is off"
            return Resolution(reference, MISSING, why)
        if image.key not in self._catalog_names:
            self._catalog_names[image.key] = self.provider.catalog_image(image.key)  # type: ignore[attr-defined]
        self.provider.alias_image(self._catalog_names[image.key], full)  # type: ignore[attr-defined]
        log.info("image %s -> catalog %s (alias)", reference, image.key)
        return Resolution(reference, ALIAS, image.key)

    def _present(self, full: str) -> tuple[bool, str | None]:
        """Whether the cluster has `full`, and when it is only a catalog image's alias (made by this or an earlier
        run: the local cluster outlives a run), that image's key. On a provider with the catalog one containerd
        listing answers both (an alias shares its image's digest); elsewhere `missing_images` answers the first."""
        if self.known is None:
            # a vendor's provider may predate `missing_images`: without it, every image counts as available
            return not getattr(self.provider, "missing_images", lambda names: [])([full]), None
        found: dict[str, str] = self.provider.image_digests()  # type: ignore[attr-defined]
        digest = found.get(full)
        if digest is None:
            return False, None
        return True, next((i.key for i in self.known.images if i.name != full and found.get(i.name) == digest), None)


def make(provider: Provider, alias: bool, catalog: Catalog | None, user_images: dict[str, ArchiveInfo]
         ) -> WorkflowImages:
    known = catalog if can(provider, Capability.IMAGE_CATALOG) else None
    return WorkflowImages(provider, known if alias else None, known=known, user_images=user_images)


def images_of(manifest: dict[str, Any]) -> list[str]:
    """The literal image names of a workflow's templates (container, script, containerSet, init and sidecars);
    a name that is an expression (`{{inputs.parameters.image}}`) is left out: it is only known at run time."""
    found: list[str] = []
    for container in _containers(manifest):
        image = container.get("image")
        if isinstance(image, str) and image and "{{" not in image and image not in found:
            found.append(image)
    return found


def _containers(manifest: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every container-like mapping in the workflow's spec (containers, scripts, init containers, sidecars,
    containerSet members, the inline templates of steps and DAG tasks, templateDefaults): those with an `image`."""
    stack: list[Any] = [manifest.get("spec") or {}]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("image"), str):
                yield value
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))


def templated_images(manifest: dict[str, Any]) -> list[str]:
    """Image names that are expressions, resolved only when the workflow runs (they cannot be prepared)."""
    return [c["image"] for c in _containers(manifest) if isinstance(c.get("image"), str) and "{{" in c["image"]]


def pin_pull_policy(manifest: dict[str, Any], local: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """A copy of the workflow in which each container whose image is one of `local` (loaded or aliased here) and
    whose tag would make the kubelet pull it (`latest` or none) gets imagePullPolicy IfNotPresent, unless it sets a
    policy itself; with one note per image changed."""
    body = copy.deepcopy(manifest)
    changed: list[str] = []
    for container in _containers(body):
        image = container.get("image")
        if isinstance(image, str) and image in local and pulls_always(image) and "imagePullPolicy" not in container:
            container["imagePullPolicy"] = "IfNotPresent"
            if image not in changed:
                changed.append(image)
    notes = [f"{image}: imagePullPolicy IfNotPresent (the image is local; its tag would make the kubelet pull it)"
             for image in changed]
    return body, notes


def controller_images(references: Iterable[str], catalog: Catalog | None, user_images: dict[str, ArchiveInfo]
                      ) -> dict[str, dict[str, list[str]]]:
    """The controller configmap's `images:` (image name as written -> entrypoint and cmd) for the images that
    come from here: Argo looks a template without `command` up in a registry otherwise, which never answers in
    a hermetic cluster. Names the registry would answer for identically, so no behaviour changes."""
    out: dict[str, dict[str, list[str]]] = {}
    for reference in dict.fromkeys(references):
        full = normalize(reference)
        info = user_images.get(full)
        if info is not None:
            entry = {"entrypoint": list(info.entrypoint), "cmd": list(info.cmd)}
        else:
            image = catalog.alias_for(full) if catalog is not None else None
            if image is None:
                continue
            entry = {"entrypoint": list(image.entrypoint), "cmd": list(image.cmd)}
        out[reference] = {k: v for k, v in entry.items() if v}
    return out


def user_image_archives(specs: Sequence[tuple[str, Path]]) -> dict[str, ArchiveInfo]:
    """Read each `--argo-image NAME=ARCHIVE` archive's metadata (raises ImageError with one line)."""
    return {normalize(name): read_archive(path) for name, path in specs}
