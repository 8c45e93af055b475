"""Each packaged mutant (suites/mutants/*.patch) applies to the pinned upstream source and says what it breaks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_argo_conformance.components.argo import mutants as catalog
from pytest_argo_conformance.components.argo.build import upstream_source
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.plugin.registry import AREAS

MUTANTS = sorted((suites_dir() / "mutants").glob("*.patch"))


def test_the_packaged_catalog_holds_at_least_30_mutants() -> None:
    assert len(catalog.catalog()) >= 30


@pytest.mark.parametrize("patch", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_applies_to_the_pinned_upstream(patch: Path, tmp_path: Path) -> None:
    text = patch.read_text()
    assert text.startswith("# A planted defect:"), "a mutant starts with a comment saying what it breaks"
    assert f"patch:{patch.stem}" in text, "and how to build it"
    mutant = catalog.parse(patch)  # its name fits a build's name; it says what it breaks and its area
    assert mutant.breaks, "a '# Breaks: <the upstream behaviour it breaks>' line"
    assert mutant.area in AREAS, f"'# Area: {mutant.area}' is not one of {AREAS}"
    source = upstream_source(version("argo-workflows"), "upstream")
    for rel in re.findall(r"^\+\+\+ b/(\S+)", text, flags=re.MULTILINE):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, tmp_path / rel)
    done = subprocess.run(["git", "apply", "--check", str(patch)], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
