"""Controller builds under test: what `--argo-controller NAME=REF` means."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
VERSION_RE = re.compile(r"^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
PATCHED_RE = re.compile(r"^(?P<version>v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\+patch:(?P<patch>.+)$")
MODULE_RE = re.compile(r"^go:(?P<module>[a-z0-9.-]+(?:/[A-Za-z0-9._~-]+)+)@(?P<version>v\d+\.\d+\.\d+\S*)$")
# registry/path:tag or registry/path@sha256:... (a reference the container runtime can resolve)
IMAGE_RE = re.compile(
    r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)
EXTRA_ROLES = ("argoexec", "server")


class BuildError(ValueError):
    """A `--argo-controller` value is malformed; the message says what to write instead."""


class Source(str, enum.Enum):
    IMAGE = "image"  # a controller image reference (kind, existing)
    VERSION = "version"  # an upstream release: upstream images, or the Go module on the local provider
    MODULE = "module"  # go:MODULE@VERSION, a fork published as a Go module (local provider)
    DIRECTORY = "directory"  # a local source checkout of a fork (local provider)
    PATCHED = "patched"  # VERSION+patch:FILE, upstream source with a patch applied (a planted defect)


@dataclass(frozen=True)
class ControllerBuild:
    name: str
    ref: str
    source: Source
    baseline: bool = False
    images: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def needs_source_build(self) -> bool:
        return self.source in (Source.MODULE, Source.DIRECTORY, Source.PATCHED)

    def describe(self) -> str:
        mark = " (baseline)" if self.baseline else ""
        return f"{self.name}={self.ref}{mark}"


def parse_build(text: str, *, baseline: bool = False) -> ControllerBuild:
    """Parse `NAME=REF[,argoexec=IMAGE][,server=IMAGE]`."""
    example = "e.g. --argo-controller acme=quay.io/acme/workflow-controller:v3.5.6-acme"
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not rest.strip():
        raise BuildError(f"--argo-controller {text!r}: expected NAME=REF, {example}")
    if not NAME_RE.match(name):
        raise BuildError(
            f"--argo-controller {text!r}: build name {name!r} must be lower-case letters, digits and '-' "
            "(it becomes part of test ids), e.g. acme"
        )
    ref, *extras = [part.strip() for part in rest.split(",")]
    images: dict[str, str] = {}
    for extra in extras:
        role, _, image = extra.partition("=")
        if role not in EXTRA_ROLES or not image:
            raise BuildError(
                f"--argo-controller {text!r}: unknown extra {extra!r}; "
                "write NAME=CONTROLLER_IMAGE,argoexec=IMAGE[,server=IMAGE]"
            )
        if not IMAGE_RE.match(image):
            raise BuildError(f"--argo-controller {text!r}: {image!r} is not an image reference")
        images[role] = image
    source = _classify(text, ref)
    if images and source is not Source.IMAGE:
        raise BuildError(
            f"--argo-controller {text!r}: argoexec=/server= go with a controller image reference, not a {source.value}"
        )
    if source is Source.IMAGE:
        images = {"workflow-controller": ref, **images}
        images.setdefault("argoexec", _sibling(ref, "argoexec", text))
    elif source is Source.VERSION:
        images = upstream_images(ref)
    return ControllerBuild(name=name, ref=ref, source=source, baseline=baseline, images=images)


def _classify(text: str, ref: str) -> Source:
    if VERSION_RE.match(ref):
        return Source.VERSION
    patched = PATCHED_RE.match(ref)
    if patched:
        if patch_file(ref) is None:
            raise BuildError(
                f"--argo-controller {text!r}: patch {patched['patch']!r} is neither a file nor one of the packaged "
                "mutants in suites/mutants/"
            )
        return Source.PATCHED
    if ref.startswith("go:"):
        if not MODULE_RE.match(ref):
            raise BuildError(
                f"--argo-controller {text!r}: expected go:MODULE@VERSION, "
                "e.g. go:github.com/acme/argo-workflows/v3@v3.6.10-acme"
            )
        return Source.MODULE
    if ref.startswith(("/", "./", "../", "~")):
        path = Path(ref).expanduser()
        if not (path / "go.mod").is_file():
            raise BuildError(
                f"--argo-controller {text!r}: {ref} is not an Argo Workflows source directory (no go.mod there)"
            )
        return Source.DIRECTORY
    if IMAGE_RE.match(ref) and ("/" in ref or ":" in ref or "@" in ref):
        return Source.IMAGE
    raise BuildError(
        f"--argo-controller {text!r}: {ref!r} is neither an image reference, an upstream version (v3.6.10), "
        "go:MODULE@VERSION, VERSION+patch:FILE nor a source directory (./path)"
    )


def patch_file(ref: str) -> Path | None:
    """The patch of a VERSION+patch:FILE ref: a file path, or the name of a packaged mutant (suites/mutants, or
    suites/scale-mutants: the scale lane's, which no functional check can see and the mutation score leaves out)."""
    from pytest_argo_conformance.config.paths import suites_dir

    match = PATCHED_RE.match(ref)
    if match is None:
        return None
    given = Path(match["patch"]).expanduser()
    packaged = [suites_dir() / folder / f"{match['patch']}.patch" for folder in ("mutants", "scale-mutants")]
    return next((p.resolve() for p in (given, *packaged) if p.is_file()), None)


def base_version(ref: str) -> str:
    """The upstream version a VERSION or VERSION+patch ref starts from."""
    match = PATCHED_RE.match(ref)
    return match["version"] if match else ref


def _sibling(controller_image: str, role: str, text: str) -> str:
    """quay.io/acme/workflow-controller:v1 -> quay.io/acme/argoexec:v1."""
    if "workflow-controller" not in controller_image:
        raise BuildError(
            f"--argo-controller {text!r}: cannot derive the {role} image from {controller_image!r}; "
            f"add ,{role}=IMAGE"
        )
    return controller_image.replace("workflow-controller", role, 1)


def upstream_images(version: str) -> dict[str, str]:
    """The upstream release's image names (the local provider imports its own builds under the same names)."""
    from pytest_argo_conformance.config.versions import version as pinned

    repo = pinned("argo-workflows-image-repo")
    return {
        "workflow-controller": f"{repo}/workflow-controller:{version}",
        "argoexec": f"{repo}/argoexec:{version}",
        "server": f"{repo}/argocli:{version}",
    }
