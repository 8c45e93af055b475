"""Minor lines of Argo Workflows (v3.6, v3.7, v4.0, ...) and the upstream release each build is judged against.

Upstream maintains two minor lines at a time, and the lines differ in ways that are not defects (v4 renamed
CronWorkflow `schedule` to `schedules`, v3.7 removed `podPriority`, CRD schemas grow). A build is therefore
compared with the upstream release of its own line when that release is pinned here
(`argo-workflows-lines` in clusters/local/versions.yaml), and with the pinned baseline otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild, Source, base_version
from pytest_argo_conformance.config.versions import pinned, version

VERSION_IN = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
MODULE_MAJOR = re.compile(r"^module\s+\S+?/v(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True, order=True)
class Line:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> Line:
        match = re.fullmatch(r"v?(\d+)\.(\d+)", text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a minor line such as v3.7")
        return cls(int(match[1]), int(match[2]))


def line_of_version(text: str) -> Line | None:
    """The line of `v3.7.18`, `v3.6.10-acme.1`, a tag such as `v4.0.5-rhoai`; None when there is no version in it."""
    match = VERSION_IN.search(text)
    return Line(int(match[1]), int(match[2])) if match else None


def pinned_lines() -> dict[Line, str]:
    """Each line's upstream release that builds here, from versions.yaml."""
    table = pinned().get("argo-workflows-lines") or {}
    return {Line.parse(str(k)): str(v) for k, v in table.items()}


def baseline_line() -> Line:
    found = line_of_version(version("argo-workflows"))
    assert found is not None, "versions.yaml: argo-workflows must be a version such as v3.7.18"
    return found


def line_of(build: ControllerBuild) -> Line:
    """The minor line a build belongs to, from its ref; a source directory by its module path's major version
    (the newest pinned line of that major), and the baseline's line when nothing says otherwise."""
    if build.source in (Source.VERSION, Source.PATCHED):
        found = line_of_version(base_version(build.ref))
    elif build.source is Source.MODULE:
        found = line_of_version(build.ref.rsplit("@", 1)[-1])
    elif build.source is Source.IMAGE:
        found = line_of_version(build.images.get("workflow-controller", build.ref).rsplit(":", 1)[-1])
    else:
        found = _directory_line(Path(build.ref).expanduser())
    return found or baseline_line()


def _directory_line(source: Path) -> Line | None:
    try:
        text = (source / "go.mod").read_text(encoding="utf-8")
    except OSError:
        return None
    match = MODULE_MAJOR.search(text)
    if match is None:
        return None
    major = int(match[1])
    same_major = [line for line in pinned_lines() if line.major == major]
    return max(same_major) if same_major else None


@dataclass(frozen=True)
class Reference:
    """The upstream release a build is judged against, and why that one."""

    line: Line  # the build's own line
    release: str  # e.g. v3.7.18
    own_line: bool  # False: the line has no release pinned here, so the baseline stands in

    def describe(self) -> str:
        if self.own_line:
            return f"upstream {self.release} ({self.line} line)"
        return f"upstream {self.release} (baseline; no {self.line} release builds here)"


def reference(build: ControllerBuild) -> Reference:
    line = line_of(build)
    release = pinned_lines().get(line)
    if release is not None:
        return Reference(line, release, own_line=True)
    return Reference(line, version("argo-workflows"), own_line=False)


def is_reference_release(build: ControllerBuild) -> bool:
    """An unmodified upstream release that is its own line's reference (it is compared with nothing but itself)."""
    return build.source is Source.VERSION and reference(build).release == build.ref


def served_versions_hint() -> str:
    """What to say when a version cannot be had: the pinned releases that build here."""
    releases = sorted(set(pinned_lines().values()) | {version("argo-workflows")}, key=_version_key)
    return "versions that build here: " + ", ".join(releases)


def _version_key(text: str) -> tuple[int, ...]:
    match = VERSION_IN.search(text)
    return tuple(int(g) for g in match.groups()) if match else (0,)


def compared_with(build: ControllerBuild, builds: tuple[ControllerBuild, ...]) -> ControllerBuild | None:
    """The build of this session whose behaviour `build` is judged against: the upstream release of its own line
    when that is one of the session's builds, else the baseline build. None for the baseline itself and for a
    build that is its own line's reference release."""
    if build.baseline or is_reference_release(build):
        return None
    release = reference(build).release
    same_line = next((b for b in builds if b.source is Source.VERSION and b.ref == release), None)
    return same_line or next((b for b in builds if b.baseline), None)


def judged_against(build: ControllerBuild, builds: tuple[ControllerBuild, ...]) -> str:
    """For the matrix: what `build` was compared with, in words."""
    ref = reference(build)
    if build.baseline:
        return f"itself (the baseline; {ref.line} line)"
    if is_reference_release(build):
        return f"itself (upstream release of the {ref.line} line)"
    other = compared_with(build, builds)
    crds = ref.describe()
    if other is None:
        return f"CRDs: {crds}"
    return f"{other.name} ({other.ref}); CRDs: {crds}"


def reference_first(builds: list[ControllerBuild]) -> list[ControllerBuild]:
    """The baseline, then the upstream releases that other builds are judged against, then the rest (each group
    in the order given), so that a reference's behaviour is seen before the builds compared with it."""
    return sorted(builds, key=lambda b: (not b.baseline, not is_reference_release(b)))
