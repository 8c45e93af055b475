"""Where a workflow's images come from (components/workflow_images.py), without a cluster: present, a user's
archive (`--argo-image`), the image catalog by alias, or missing; the controller's `images:` entrypoints; the pull
policy of local `latest` images; reading OCI and docker-save archives; `--argo-image` bad input."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from pytest_argo_conformance.components import workflow_images as wi
from pytest_argo_conformance.providers.base import Capability, ProviderError
from pytest_argo_conformance.toolchain import image_catalog, oci

CATALOG = image_catalog.parse({
    "images": {
        "posix-base": {"name": "localhost/t/posix:1", "packages": ["dash"], "cmd": ["/bin/sh"],
                       "aliases": ["docker.io/library/alpine:*"]},
        "argosay": {"name": "localhost/t/argosay:v2", "base": "posix-base", "entrypoint": ["/argosay"],
                    "aliases": ["docker.io/argoproj/argosay:v2"]},
    }
})

WORKFLOW: dict[str, Any] = {
    "spec": {
        "templateDefaults": {"container": {"image": "alpine:3.7"}},
        "templates": [
            {"name": "a", "container": {"image": "alpine", "command": ["sh"]}},
            {"name": "b", "script": {"image": "argoproj/argosay:v2", "source": "x"}},
            {"name": "c", "containerSet": {"containers": [{"name": "m", "image": "golang:1.18"}]}},
            {"name": "d", "container": {"image": "{{inputs.parameters.image}}"},
             "sidecars": [{"name": "s", "image": "alpine", "imagePullPolicy": "Always"}]},
            {"name": "e", "dag": {"tasks": [{"name": "t", "inline": {"container": {"image": "ubuntu:22.04"}}}]}},
        ],
    }
}


class FakeProvider:
    name = "fake"

    def __init__(self, present: set[str], catalog: bool = True) -> None:
        self.present = set(present)
        self.capabilities = frozenset({Capability.IMAGE_CATALOG} if catalog else set())
        self.calls: list[tuple[str, ...]] = []
        self.digests: dict[str, str] = {}

    def missing_images(self, names: list[str]) -> list[str]:
        return [n for n in names if n not in self.present]

    def load_image(self, image: str, archive: Path | None = None) -> None:
        self.calls.append(("load", image, str(archive)))
        self.present.add(image)

    def catalog_image(self, key: str) -> str:
        self.calls.append(("catalog", key))
        name = CATALOG.image(key).name
        self.present.add(name)
        return name

    def alias_image(self, image: str, alias: str) -> None:
        self.calls.append(("alias", image, alias))
        self.present.add(alias)
        self.digests[alias] = self.digests.setdefault(image, f"sha256:{image}")

    def image_digests(self) -> dict[str, str]:
        return {name: self.digests.get(name, f"sha256:{name}") for name in self.present}


def test_images_of_a_workflow_are_its_literal_names_in_every_kind_of_container() -> None:
    assert wi.images_of(WORKFLOW) == ["alpine:3.7", "alpine", "argoproj/argosay:v2", "golang:1.18", "ubuntu:22.04"]
    assert wi.templated_images(WORKFLOW) == ["{{inputs.parameters.image}}"]


def test_resolution_present_alias_missing_builds_each_catalog_image_once() -> None:
    provider = FakeProvider({"docker.io/library/golang:1.18"})
    images = wi.WorkflowImages(provider, CATALOG)  # type: ignore[arg-type]
    found = images.resolve(["alpine", "alpine:3.7", "argoproj/argosay:v2", "golang:1.18", "node:9"])
    assert [(r.reference, r.how, r.via) for r in found] == [
        ("alpine", wi.ALIAS, "posix-base"),
        ("alpine:3.7", wi.ALIAS, "posix-base"),
        ("argoproj/argosay:v2", wi.ALIAS, "argosay"),
        ("golang:1.18", wi.PRESENT, ""),
        ("node:9", wi.MISSING, "no catalog image answers for it"),
    ]
    assert found[1].note() == "alpine:3.7 -> local posix-base (alias)"
    assert [c for c in provider.calls if c[0] == "catalog"] == [("catalog", "posix-base"), ("catalog", "argosay")]
    assert ("alias", "localhost/t/posix:1", "docker.io/library/alpine:latest") in provider.calls
    assert images.resolve(["alpine:3.7"])[0].how == wi.ALIAS  # remembered: no second alias call
    assert len([c for c in provider.calls if c[0] == "alias"]) == 3


def test_with_aliasing_off_a_missing_image_stays_missing() -> None:
    provider = FakeProvider(set())
    images = wi.make(provider, alias=False, catalog=CATALOG, user_images={})  # type: ignore[arg-type]
    assert images.resolve(["alpine:3.7"])[0].via == "aliasing is off"
    assert provider.calls == []


def test_a_provider_without_the_catalog_aliases_nothing() -> None:
    provider = FakeProvider(set(), catalog=False)
    images = wi.make(provider, alias=True, catalog=CATALOG, user_images={})  # type: ignore[arg-type]
    assert images.resolve(["alpine:3.7"])[0].how == wi.MISSING


def test_pull_policy_is_pinned_only_for_local_latest_images_the_workflow_leaves_unset() -> None:
    body, notes = wi.pin_pull_policy(WORKFLOW, ["alpine", "alpine:3.7", "golang:1.18"])
    templates = body["spec"]["templates"]
    assert templates[0]["container"]["imagePullPolicy"] == "IfNotPresent"
    assert templates[3]["sidecars"][0]["imagePullPolicy"] == "Always"  # the workflow's own choice stays
    assert "imagePullPolicy" not in templates[2]["containerSet"]["containers"][0]  # tagged: no pull anyway
    assert "imagePullPolicy" not in WORKFLOW["spec"]["templates"][0]["container"]  # a copy was changed
    assert notes == ["alpine: imagePullPolicy IfNotPresent (the image is local; its tag would make the kubelet "
                     "pull it)"]


def test_controller_images_give_entrypoints_for_names_that_come_from_here(tmp_path: Path) -> None:
    archive = _oci_archive(tmp_path, "quay.io/acme/trainer:1.2", entrypoint=("/train",))
    users = {"quay.io/acme/trainer:1.2": oci.read_archive(archive)}
    got = wi.controller_images(["argoproj/argosay:v2", "alpine", "golang:1.18", "quay.io/acme/trainer:1.2"],
                               CATALOG, users)
    assert got == {"argoproj/argosay:v2": {"entrypoint": ["/argosay"]}, "alpine": {"cmd": ["/bin/sh"]},
                   "quay.io/acme/trainer:1.2": {"entrypoint": ["/train"]}}
    assert wi.controller_images(["alpine"], None, {}) == {}


def test_user_images_are_loaded_once_and_resolve_first(tmp_path: Path) -> None:
    archive = _oci_archive(tmp_path, "quay.io/acme/trainer:1.2")
    provider = FakeProvider(set())
    users = wi.user_image_archives([("acme/alpine:7", archive)])
    images = wi.WorkflowImages(provider, CATALOG, users)  # type: ignore[arg-type]
    found = images.resolve(["acme/alpine:7"]) + images.resolve(["acme/alpine:7"])
    assert {r.how for r in found} == {wi.USER}
    assert provider.calls == [("load", "docker.io/acme/alpine:7", str(archive))]
    assert found[0].note() == f"acme/alpine:7 -> {archive} (--argo-image)"


def test_kind_loads_an_archive_only_under_the_names_it_carries(tmp_path: Path) -> None:
    archive = _oci_archive(tmp_path, "quay.io/acme/trainer:1.2")
    provider = FakeProvider(set(), catalog=False)
    images = wi.WorkflowImages(provider, None, wi.user_image_archives([("acme/other:1", archive)]))  # type: ignore[arg-type]
    with pytest.raises(ProviderError, match=r"the archive carries quay.io/acme/trainer:1.2, and the fake provider "
                                            r"loads an archive only under its own names"):
        images.resolve(["acme/other:1"])


def test_read_archive_knows_oci_layouts_and_docker_save(tmp_path: Path) -> None:
    info = oci.read_archive(_oci_archive(tmp_path, "quay.io/acme/a:1", entrypoint=("/a",), cmd=("x",)))
    assert info.names == ("quay.io/acme/a:1",) and info.entrypoint == ("/a",) and info.cmd == ("x",)
    saved = tmp_path / "saved.tar"
    config = json.dumps({"config": {"Entrypoint": ["/b"], "Cmd": None}}).encode()
    _tar(saved, {"manifest.json": json.dumps([{"Config": "abc.json", "RepoTags": ["acme/b:2"], "Layers": []}])
                 .encode(), "abc.json": config})
    info = oci.read_archive(saved)
    assert info.names == ("acme/b:2",) and info.entrypoint == ("/b",) and info.cmd == ()


@pytest.mark.parametrize(("content", "says"), [
    (None, "is neither an OCI image layout (index.json) nor a `docker save` tarball (manifest.json)"),
    (b"not a tar", "cannot be read"),
])
def test_an_archive_that_is_not_an_image_is_one_line(tmp_path: Path, content: bytes | None, says: str) -> None:
    path = tmp_path / "x.tar"
    if content is None:
        _tar(path, {"hello.txt": b"hi"})
    else:
        path.write_bytes(content)
    with pytest.raises(oci.ImageError) as caught:
        oci.read_archive(path)
    assert says in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("spec", "says"), [
    ("quay.io/acme/a:1", "--argo-image 'quay.io/acme/a:1': give NAME=ARCHIVE"),
    ("quay.io/acme/a:1=/nowhere.tar", "archive /nowhere.tar does not exist"),
    ("Bad Name=/etc/hostname", "must be fully qualified with a tag"),
])
def test_argo_image_bad_input_is_a_usage_error(pytester: pytest.Pytester, spec: str, says: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(f"--argo-image={spec}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in result.stderr.str() and "Traceback" not in result.stderr.str()


def test_an_unreadable_archive_is_a_usage_error_before_anything_runs(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.tar"
    bad.write_bytes(b"garbage")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(f"--argo-image=quay.io/acme/a:1={bad}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --argo-image: image archive {bad} cannot be read*"])


def _oci_archive(tmp_path: Path, name: str, entrypoint: tuple[str, ...] = (), cmd: tuple[str, ...] = ()) -> Path:
    spec = oci.ImageSpec(name, (oci.File("hello", data=b"hi"),), entrypoint=entrypoint, cmd=cmd)
    return oci.write_oci_tarball(spec, tmp_path / (name.replace("/", "_").replace(":", "_") + ".tar"))


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_an_explicit_directory_keeps_its_mode_when_files_live_in_it() -> None:
    layer = oci.layer_bytes([oci.File("tmp", directory=True, mode=0o1777), oci.File("tmp/.keep", data=b""),
                             oci.File("bin/x", data=b"x")])
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        modes = {m.name.rstrip("/"): m.mode for m in tar.getmembers() if m.isdir()}
    assert modes == {"bin": 0o755, "tmp": 0o1777}


def test_an_alias_an_earlier_run_left_is_still_an_alias_and_missing_with_aliasing_off() -> None:
    """The local cluster outlives a run: the names a run aliased stay in its containerd. A later run must still say
    `alias` (not `present`), and with aliasing off must not use them."""
    provider = FakeProvider(set())
    wi.make(provider, alias=True, catalog=CATALOG, user_images={}).resolve(["alpine:3.7"])  # type: ignore[arg-type]
    later = wi.make(provider, alias=True, catalog=CATALOG, user_images={})  # type: ignore[arg-type]
    assert later.resolve(["alpine:3.7"])[0].note() == "alpine:3.7 -> local posix-base (alias)"
    off = wi.make(provider, alias=False, catalog=CATALOG, user_images={})  # type: ignore[arg-type]
    found = off.resolve(["alpine:3.7"])[0]
    assert found.how == wi.MISSING and found.via == ("only the image catalog's posix-base answers for it, and "
                                                     "aliasing is off")
