"""The suites' manifests: valid YAML with pinned images, and the S3 facts they spell out match argo/s3.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo.runner import load_manifest
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import pinned

MANIFESTS = sorted((suites_dir() / "manifests" / "workflows").glob("*.yaml"))


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.stem for p in MANIFESTS])
def test_manifest_loads_with_pinned_images(path: Path) -> None:
    manifest = load_manifest(path)
    assert manifest["apiVersion"] == "argoproj.io/v1alpha1"
    text = repr(manifest)
    for short in pinned()["suite-images"]:
        assert f"'image': '{short}'" not in text
    assert "busybox" not in text or pinned()["suite-images"]["busybox"] in text


def test_data_source_names_the_suite_s3_repository() -> None:
    manifest = load_manifest(suites_dir() / "manifests" / "workflows" / "dag-fanout.yaml")
    select = next(t for t in manifest["spec"]["templates"] if t["name"] == "select")
    location = select["data"]["source"]["artifactPaths"]["s3"]
    assert location["bucket"] == s3.BUCKET and location["endpoint"] == s3.endpoint()
    assert location["accessKeySecret"]["name"] == s3.SECRET
