"""The local provider's image catalog (clusters/local/images.yaml): what each image is made of and which image
names it answers for. Pure: reading the file, normalizing references, matching aliases. The build is in
providers/local/catalog_build.py."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.config.paths import clusters_dir

CATALOG_FILE = "images.yaml"


class CatalogError(ValueError):
    """clusters/local/images.yaml is not what the catalog expects; the message names the entry and the fix."""


@dataclass(frozen=True)
class CatalogImage:
    key: str  # posix-base
    name: str  # localhost/argo-conformance/posix-base:bookworm
    about: str
    packages: tuple[str, ...]
    base: str | None = None
    aliases: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    argo_module_files: tuple[tuple[str, str], ...] = ()  # (path in the image, path in the Argo module)

    def answers_for(self, reference: str) -> bool:
        full = normalize(reference)
        return any(fnmatch.fnmatchcase(full, pattern) for pattern in self.aliases)


@dataclass(frozen=True)
class Catalog:
    suite: str  # Debian suite the packages come from
    never: tuple[str, ...]
    images: tuple[CatalogImage, ...]

    def image(self, key: str) -> CatalogImage:
        for image in self.images:
            if image.key == key:
                return image
        raise CatalogError(f"the image catalog has no image {key!r} (known: {', '.join(self.keys)})")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.images)

    def packages_of(self, key: str) -> tuple[str, ...]:
        """The packages an image asks for, its base's first."""
        image = self.image(key)
        base = self.packages_of(image.base) if image.base else ()
        return tuple(dict.fromkeys(base + image.packages))

    def alias_for(self, reference: str) -> CatalogImage | None:
        """The catalog image that answers for `reference`, or None (the first entry in file order wins)."""
        return next((i for i in self.images if i.answers_for(reference)), None)


def normalize(reference: str) -> str:
    """A fully qualified reference, as containerd names images: `alpine` -> docker.io/library/alpine:latest,
    `argoproj/argosay:v2` -> docker.io/argoproj/argosay:v2; a digest stays a digest."""
    name, at, digest = reference.partition("@")
    first, slash, rest = name.partition("/")
    if not slash:
        name = f"docker.io/library/{name}"
    elif not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name}"
    last = name.rsplit("/", 1)[-1]
    if not at and ":" not in last:
        name += ":latest"
    return name + (at + digest if at else "")


def pulls_always(reference: str) -> bool:
    """Kubernetes' default pull policy for this reference is Always (tag `latest` or none): the kubelet would ask a
    registry even for an image containerd has."""
    if "@" in reference:
        return False
    return normalize(reference).rsplit(":", 1)[1] == "latest"


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where} must be a list of strings")
    return tuple(value)


def parse(data: Any, source: str = CATALOG_FILE) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("images"), dict):
        raise CatalogError(f"{source}: expected a mapping with `images:`")
    images: list[CatalogImage] = []
    for key, spec in data["images"].items():
        where = f"{source} images.{key}"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise CatalogError(f"{where}: give a `name` (a fully qualified reference with a tag)")
        files = spec.get("argo-module-files") or {}
        if not isinstance(files, dict):
            raise CatalogError(f"{where}.argo-module-files: a mapping of image path: module path")
        images.append(CatalogImage(
            key=str(key),
            name=spec["name"],
            about=str(spec.get("about", "")),
            packages=_strings(spec.get("packages"), f"{where}.packages"),
            base=spec.get("base"),
            aliases=_strings(spec.get("aliases"), f"{where}.aliases"),
            entrypoint=_strings(spec.get("entrypoint"), f"{where}.entrypoint"),
            cmd=_strings(spec.get("cmd"), f"{where}.cmd"),
            argo_module_files=tuple((str(k), str(v)) for k, v in files.items()),
        ))
    catalog = Catalog(str(data.get("debian-suite", "bookworm")), _strings(data.get("never"), f"{source} never"),
                      tuple(images))
    for image in catalog.images:
        if image.base is not None and image.base not in catalog.keys:
            raise CatalogError(f"{source} images.{image.key}.base: no image {image.base!r} in the catalog")
    return catalog


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> Catalog:
    source = path or clusters_dir() / "local" / CATALOG_FILE
    with open(source, encoding="utf-8") as fh:
        return parse(yaml.safe_load(fh), str(source))
