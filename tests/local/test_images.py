"""The OCI tarball writer, without a cluster: layout, digests, names, determinism."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from pytest_argo_conformance.toolchain import oci as images


def _spec(tmp_path: Path, name: str = "registry.example.com/tools/hello:v1") -> images.ImageSpec:
    binary = tmp_path / "hello"
    binary.write_bytes(b"\x7fELF pretend binary")
    return images.ImageSpec(
        name,
        (
            images.File("usr/local/bin/hello", source=binary),
            images.File("bin/hi", symlink_to="/usr/local/bin/hello"),
            images.File("etc/motd", data=b"hi\n", mode=0o644),
            images.File("tmp", directory=True, mode=0o1777),
        ),
        entrypoint=("/usr/local/bin/hello",),
        cmd=("--greet",),
    )


def _read(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def test_tarball_is_an_oci_layout_naming_the_image(tmp_path: Path) -> None:
    archive = images.write_oci_tarball(_spec(tmp_path), tmp_path / "hello.tar")
    files = _read(archive)
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads(files["index.json"])
    (entry,) = index["manifests"]
    assert entry["annotations"]["io.containerd.image.name"] == "registry.example.com/tools/hello:v1"
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "v1"
    manifest = json.loads(files["blobs/sha256/" + entry["digest"].split(":")[1]])
    config = json.loads(files["blobs/sha256/" + manifest["config"]["digest"].split(":")[1]])
    assert config["config"]["Entrypoint"] == ["/usr/local/bin/hello"]
    assert config["config"]["Cmd"] == ["--greet"]
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    (layer_desc,) = manifest["layers"]
    layer = files["blobs/sha256/" + layer_desc["digest"].split(":")[1]]
    assert config["rootfs"]["diff_ids"] == [layer_desc["digest"]]  # uncompressed: diff id == layer digest
    for name, data in files.items():  # every blob is stored under its own digest
        if name.startswith("blobs/sha256/"):
            assert hashlib.sha256(data).hexdigest() == name.rsplit("/", 1)[1]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["usr/local/bin/hello"].mode == 0o755
    assert members["bin/hi"].issym() and members["bin/hi"].linkname == "/usr/local/bin/hello"
    assert members["tmp"].isdir() and members["tmp"].mode == 0o1777
    assert {"usr/", "usr/local/", "usr/local/bin/", "bin/", "etc/"} <= {
        n + "/" if members[n].isdir() and not n.endswith("/") else n for n in members
    }


def test_same_files_give_the_same_digests(tmp_path: Path) -> None:
    one = images.image_blobs(_spec(tmp_path))
    two = images.image_blobs(_spec(tmp_path))
    assert one == two


@pytest.mark.parametrize(
    "name",
    ["busybox:1.35.0", "library/busybox:1.35.0", "docker.io/library/busybox", "docker.io/library/busybox:latest",
     "docker.io/Library/busybox:1", "docker.io/library/busybox@sha256:abc"],
)
def test_names_must_be_fully_qualified_with_a_tag_other_than_latest(name: str) -> None:
    with pytest.raises(images.ImageError):
        images.check_name(name)


@pytest.mark.parametrize(
    "name",
    ["docker.io/library/busybox:1.35.0", "registry.k8s.io/pause:3.10", "registry.k8s.io/coredns/coredns:v1.12.4",
     "localhost:5000/acme/workflow-controller:v3.5.6-acme", "quay.io/argoproj/argoexec:v3.6.10"],
)
def test_fully_qualified_names_pass(name: str) -> None:
    images.check_name(name)
