"""The mutant catalog: planted defects as patches to the baseline's source (suites/mutants/*.patch).

Each patch starts with a header of comment lines that says what a fork got wrong and which upstream behaviour it
breaks:

    # A planted defect: the controller drops workflow-level spec.podMetadata.labels from the pods it creates.
    # Breaks: labels given once for all of a workflow's pods reach none of them.
    # Area: pod-spec
    # Build it with --argo-controller mutant=v3.7.18+patch:drop-pod-labels (local provider).

`# Equivalent: <why>` marks a mutant that no check could observe in principle: it is listed, not run, and leaves
the score's denominator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.components.argo.build_refs import NAME_RE
from pytest_argo_conformance.config.paths import suites_dir

MAX_NAME = 30  # acf-<run>-<name>-native-namespaced-sys stays within a namespace name's 63 characters
HEADER_RE = re.compile(r"^#\s*(?P<key>A planted defect|Breaks|Area|Equivalent|Base)\s*:\s*(?P<value>.*)$")


class MutantError(ValueError):
    """A mutant file that cannot be used; the message is one line naming the file and what to fix."""


@dataclass(frozen=True)
class Mutant:
    name: str  # the file's stem; also the build's name in the matrix
    path: Path
    what: str  # what the fork got wrong
    breaks: str  # the upstream behaviour it breaks
    area: str = ""
    equivalent: str = ""  # why no check could observe it ("" for an ordinary mutant)
    base: str = ""  # the upstream version it applies to ("" for the pinned baseline)

    def ref(self, baseline: str) -> str:
        """The `--argo-controller` ref that builds it."""
        return f"{self.base or baseline}+patch:{self.path}"


def parse(path: Path) -> Mutant:
    """Read a mutant's header; MutantError when it lacks one the catalog needs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MutantError(f"mutant {path}: cannot be read ({exc.strerror or exc})") from None
    fields: dict[str, list[str]] = {}
    key = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = HEADER_RE.match(line)
        if match:
            key = match["key"]
            fields.setdefault(key, []).append(match["value"].strip())
        elif key and not line.lstrip("# ").startswith("Build it with"):  # the field above goes on
            fields[key].append(line.lstrip("#").strip())
        else:
            key = ""
    name = path.name.removesuffix(".patch")
    if not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise MutantError(f"mutant {path}: name {name!r} must be lower-case letters, digits and '-', at most "
                          f"{MAX_NAME} characters (it names the build and its namespaces); rename the file")
    what = " ".join(fields.get("A planted defect", []))
    if not what:
        raise MutantError(f"mutant {path}: no '# A planted defect: <what the fork got wrong>' header line; start "
                          "the patch with it (see suites/mutants/*.patch)")
    if "--- " not in text or "+++ " not in text:
        raise MutantError(f"mutant {path}: holds no diff (no ---/+++ file headers); write it with `git diff`")
    return Mutant(
        name=name,
        path=path.resolve(),
        what=what.rstrip("."),
        breaks=" ".join(fields.get("Breaks", [])).rstrip("."),
        area=" ".join(fields.get("Area", [])),
        equivalent=" ".join(fields.get("Equivalent", [])),
        base=" ".join(fields.get("Base", [])),
    )


def catalog(paths: list[Path] | None = None) -> list[Mutant]:
    """The mutants of `paths` (patch files, or folders of `*.patch`), else the packaged catalog; sorted by name.
    MutantError when a path is missing, holds no patch, or two mutants share a name."""
    files: list[Path] = []
    for path in paths or [suites_dir() / "mutants"]:
        path = path.expanduser()
        if path.is_dir():
            found = sorted(path.glob("*.patch"))
            if not found:
                raise MutantError(f"--mutants {path}: the folder holds no *.patch file")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise MutantError(f"--mutants {path}: no such file or folder; give a patch or a folder of *.patch files")
    mutants = [parse(f) for f in files]
    seen: dict[str, Path] = {}
    for mutant in mutants:
        if seen.setdefault(mutant.name, mutant.path) != mutant.path:
            raise MutantError(f"mutants {seen[mutant.name]} and {mutant.path} share the name {mutant.name!r}; "
                              "rename one")
    return sorted(mutants, key=lambda m: m.name)


def area_of_patch(path: Path) -> str:
    """The `# Area:` of a patch file ("" without one, or when it cannot be read)."""
    try:
        return parse(path).area
    except MutantError:
        return ""
