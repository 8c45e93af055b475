"""The local provider's image catalog: parsing, aliases, the Debian closure and the built images (no cluster;
building uses apt and the cache under ~/.cache/pytest-argo-conformance, so a second run is fast)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from pytest_argo_conformance.toolchain import debian, image_catalog
from pytest_argo_conformance.toolchain.image_catalog import CatalogError, normalize, pulls_always

needs_apt = pytest.mark.skipif(shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None,
                               reason="needs apt-get and dpkg-deb (a Debian host)")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root")


def test_parse_rejects_an_unknown_base() -> None:
    data = {"images": {"a": {"name": "localhost/a:1", "base": "nope"}}}
    with pytest.raises(CatalogError, match=r"images\.a\.base: no image 'nope'"):
        image_catalog.parse(data, "x.yaml")


def test_parse_rejects_a_missing_name() -> None:
    with pytest.raises(CatalogError, match=r"images\.a: give a `name`"):
        image_catalog.parse({"images": {"a": {"packages": ["dash"]}}}, "x.yaml")


def test_parse_rejects_no_images_and_bad_lists() -> None:
    with pytest.raises(CatalogError, match="expected a mapping with `images:`"):
        image_catalog.parse({"never": []})
    with pytest.raises(CatalogError, match=r"images\.a\.packages must be a list of strings"):
        image_catalog.parse({"images": {"a": {"name": "localhost/a:1", "packages": "dash"}}})


def test_packages_of_puts_the_base_first() -> None:
    catalog = image_catalog.parse({"images": {
        "base": {"name": "localhost/b:1", "packages": ["dash", "bash"]},
        "top": {"name": "localhost/t:1", "base": "base", "packages": ["curl", "dash"]},
    }})
    assert catalog.packages_of("top") == ("dash", "bash", "curl")
    with pytest.raises(CatalogError, match="no image 'x'"):
        catalog.image("x")


@pytest.mark.parametrize(("reference", "full"), [
    ("alpine", "docker.io/library/alpine:latest"),
    ("alpine:3.7", "docker.io/library/alpine:3.7"),
    ("argoproj/argosay:v2", "docker.io/argoproj/argosay:v2"),
    ("quay.io/org/img", "quay.io/org/img:latest"),
    ("localhost:5000/x:1", "localhost:5000/x:1"),
    ("python@sha256:abc", "docker.io/library/python@sha256:abc"),
])
def test_normalize(reference: str, full: str) -> None:
    assert normalize(reference) == full


@pytest.mark.parametrize(("reference", "always"), [
    ("alpine", True), ("alpine:latest", True), ("alpine:3.7", False), ("python@sha256:abc", False),
    ("localhost:5000/x", True),
])
def test_pulls_always(reference: str, always: bool) -> None:
    assert pulls_always(reference) is always


@pytest.mark.parametrize(("reference", "key"), [
    ("alpine:3.7", "posix-base"), ("debian:bookworm", "posix-base"), ("ubuntu", "posix-base"),
    ("python:3.11", "python"), ("docker.io/library/python:3.12-slim", "python"),
    ("curlimages/curl:8.1.0", "curl"), ("argoproj/argosay:v2", "argosay"),
    ("argoproj/argosay:v1", None), ("quay.io/library/alpine:3.7", None), ("nginx:1.25", None),
])
def test_alias_for(reference: str, key: str | None) -> None:
    image = image_catalog.load().alias_for(reference)
    assert (image.key if image else None) == key


def test_dependency_groups() -> None:
    field = "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, python3:any [amd64], foo <!nocheck>"
    assert debian.dependency_groups(field) == [["libc6"], ["debconf", "debconf-2.0"], ["python3"], ["foo"]]


def test_alternatives_of_a_maintainer_script() -> None:
    script = ("update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n"
              "   --slave /usr/bin/nawk nawk /usr/bin/mawk\n")
    assert debian.alternatives(script) == [("/usr/bin/awk", "/usr/bin/mawk", 5), ("/usr/bin/nawk", "/usr/bin/mawk", 5)]


def test_merge_usr_moves_content(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/dash").write_text("x")
    (tmp_path / "lib64").mkdir()
    (tmp_path / "lib64/ld-linux-x86-64.so.2").symlink_to("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    (tmp_path / "usr/lib/x86_64-linux-gnu").mkdir(parents=True)
    (tmp_path / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2").write_text("ld")
    debian.merge_usr(tmp_path)
    assert os.readlink(tmp_path / "bin") == "usr/bin" and os.readlink(tmp_path / "lib64") == "usr/lib64"
    assert (tmp_path / "usr/bin/dash").is_file()
    assert debian.resolve_in(tmp_path, "/lib64/ld-linux-x86-64.so.2") == \
        tmp_path / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"


@needs_apt
def test_closure_pins_versions_and_leaves_out_never() -> None:
    catalog = image_catalog.load()
    pins = debian.resolve(["dash", "mawk"], catalog.never)
    names = {p.name for p in pins}
    assert {"dash", "mawk", "libc6", "debianutils"} <= names
    assert not names & set(catalog.never)  # dash depends on dpkg, which is `never`
    assert all(p.version and p.spec == f"{p.name}={p.version}" for p in pins)
    shown = debian.show(["dash"])["dash"]
    assert next(p for p in pins if p.name == "dash").version == shown["Version"]


@needs_apt
def test_closure_of_an_unknown_package_is_one_clear_error() -> None:
    with pytest.raises(debian.DebianError, match="no-such-package-xyz"):
        debian.resolve(["no-such-package-xyz"])


def _layer_names(tarball: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(tarball) as outer:
        blobs = [m for m in outer.getmembers() if m.isfile() and m.name.startswith("blobs/")]
        layer = max(blobs, key=lambda m: m.size)
        fh = outer.extractfile(layer)
        assert fh is not None
        with tarfile.open(fileobj=fh) as inner:
            return {m.name.rstrip("/"): m for m in inner.getmembers()}


@pytest.fixture(scope="module")
def built() -> dict[str, Path]:
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("needs apt-get and dpkg-deb (a Debian host)")
    from pytest_argo_conformance.providers.local import catalog_build

    return catalog_build.build_catalog(["posix-base", "python"])


def test_posix_base_layer(built: dict[str, Path]) -> None:
    layer = _layer_names(built["localhost/argo-conformance/posix-base:bookworm"])
    assert layer["bin"].issym() and layer["bin"].linkname == "usr/bin"
    assert "usr/bin/sh" in layer and "usr/bin/bash" in layer and layer["usr/bin/bash"].isfile()
    assert layer["etc/passwd"].isfile()
    assert layer["tmp"].mode == 0o1777
    assert layer["usr/bin/awk"].issym()
    assert not any(n.split("/")[:3] in (["usr", "share", "doc"], ["usr", "share", "man"]) for n in layer)


def test_python_layer(built: dict[str, Path]) -> None:
    layer = _layer_names(built["localhost/argo-conformance/python:3.11-bookworm"])
    assert layer["usr/bin/python3.11"].isfile()
    assert "usr/lib/python3.11/json/__init__.py" in layer
    assert "etc/ssl/certs/ca-certificates.crt" in layer
    assert "usr/bin/python" in layer


def test_provenance_and_cache(built: dict[str, Path]) -> None:
    from pytest_argo_conformance.providers.local import catalog_build

    record = catalog_build.provenance("python")
    assert any(str(p).startswith("python3.11-minimal=") for p in record["pins"])  # type: ignore[attr-defined]
    assert record["tarball_bytes"] == built["localhost/argo-conformance/python:3.11-bookworm"].stat().st_size
    mtime = built["localhost/argo-conformance/python:3.11-bookworm"].stat().st_mtime_ns
    again = catalog_build.build_catalog(["python"])
    assert again["localhost/argo-conformance/python:3.11-bookworm"].stat().st_mtime_ns == mtime
    spec = catalog_build.catalog_spec("python")
    assert spec.cmd == ("python3",) and any(f.path == "usr/bin/python3.11" for f in spec.files)


@needs_root
def test_posix_base_rootfs_runs(built: dict[str, Path]) -> None:
    from pytest_argo_conformance.providers.local import catalog_build

    rootfs = catalog_build.rootfs_of("posix-base")
    done = subprocess.run(["chroot", str(rootfs), "/bin/sh", "-c", "echo ok; echo a b | awk '{print $2}'"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "b"]


@needs_root
def test_python_rootfs_runs(built: dict[str, Path]) -> None:
    from pytest_argo_conformance.providers.local import catalog_build

    rootfs = catalog_build.rootfs_of("python")
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    done = subprocess.run([chroot, str(rootfs), "python3", "-c", "import json,random,sqlite3,ssl; print(1)"],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_two_runs_building_the_same_image_at_once_both_get_it() -> None:
    """Parallel runs (three shards of the examples lane) once unpacked into the same rootfs together and failed
    with `Directory not empty`; the build lock makes the second wait."""
    import subprocess
    import sys

    code = ("from pytest_argo_conformance.providers.local.catalog_build import build_image; "
            "print(build_image('argosay', force=True))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert outs[0][0] == outs[1][0]  # the same tarball
