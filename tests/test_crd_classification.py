"""The CRD comparison classifies every difference as additive or breaking, and groups repeats for the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_argo_conformance.checks import crds


def schema(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def write(
    root: Path, spec_schema: dict[str, Any], printer: list[Any] | None = None, versions: tuple[str, ...] = ("v1alpha1",)
) -> Path:
    folder = root / "manifests" / "base" / "crds" / "full"
    folder.mkdir(parents=True)
    for plural in crds.CRDS:
        doc = {"spec": {"versions": [{"name": v, "additionalPrinterColumns": printer,
                                      "schema": {"openAPIV3Schema": schema(spec=spec_schema)}} for v in versions]}}
        (folder / f"argoproj.io_{plural}.yaml").write_text(yaml.safe_dump(doc))
    return root


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write(tmp_path / "ref", {**schema(
        name={"type": "string"},
        mode={"type": "integer"},
        policy={"type": "string", "enum": ["Always", "OnError"]},
        old={"type": "string"},
    ), "required": ["name"]})


def test_identical_trees_have_no_difference(reference: Path) -> None:
    report = crds.compare(reference, reference)
    assert report.identical and report.summary("upstream v3.7.18") == "CRDs against upstream v3.7.18: identical"


def test_new_optional_fields_more_enum_values_and_printer_columns_are_additive(reference: Path, tmp_path: Path) -> None:
    build = write(tmp_path / "b", {**schema(
        name={"type": "string"}, mode={"type": "integer"}, old={"type": "string"},
        policy={"type": "string", "enum": ["Always", "OnError", "Never"]},
        extra={"type": "string"},
    ), "required": ["name"]}, printer=[{"name": "Age"}], versions=("v1alpha1", "v1beta1"))
    report = crds.compare(reference, build)
    assert report.breaking == []
    assert any(".spec.extra added (optional)" in d for d in report.additive)
    assert any(".spec.policy accepts more values" in d for d in report.additive)
    assert any("printer columns differ" in d for d in report.additive)
    assert any("v1beta1: version not served by the reference" in d for d in report.additive)


def test_removed_retyped_required_and_tightened_fields_are_breaking(reference: Path, tmp_path: Path) -> None:
    build = write(tmp_path / "b", {**schema(
        name={"type": "string", "pattern": "^[a-z]+$"},
        mode={"type": "string"},
        policy={"type": "string", "enum": ["Always"]},
        must={"type": "string"},
    ), "required": ["name", "must"]})
    report = crds.compare(reference, build)
    text = "\n".join(report.breaking)
    assert ".spec.old removed" in text
    assert ".spec.mode retyped from integer to string" in text
    assert ".spec.must added as a required field" in text
    assert ".spec.name validation pattern changed" in text
    assert ".spec.policy enum changed" in text
    assert report.summary("x").startswith("CRDs against x: ") and "breaking" in report.summary("x")


def test_the_same_change_in_many_places_is_one_line_with_its_count(reference: Path, tmp_path: Path) -> None:
    nested = {"type": "object", "properties": {
        "container": {"type": "object", "properties": {"x": {"type": "string"}}}}}
    ref = write(tmp_path / "r2", schema(templates={"type": "array", "items": nested}, templateDefaults=nested))
    grown = {"type": "object", "properties": {"container": {"type": "object", "properties": {
        "x": {"type": "string"}, "y": {"type": "string"}}}}}
    build = write(tmp_path / "b2", schema(templates={"type": "array", "items": grown}, templateDefaults=grown))
    report = crds.compare(ref, build)
    assert len(report.additive) == 2 * len(crds.CRDS)
    (line,) = report.listing()
    assert line.startswith("additive: ...container.y added (optional) (8 places, e.g. ")
