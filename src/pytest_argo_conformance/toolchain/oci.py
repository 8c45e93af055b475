"""Write OCI image tarballs from files we have (the local provider imports them: providers/local/containerd.py).

An image here is one uncompressed layer (static binaries, busybox, config files) plus a config, written as an
OCI image layout in a tar (`oci-layout`, `index.json`, `blobs/sha256/...`). The index carries the fully qualified
name in `io.containerd.image.name`, so `ctr images import` registers it under that name and manifests written
for kind (`registry.k8s.io/pause:3.10`, `docker.io/library/busybox:1.35.0`) work unchanged. Output is
deterministic: the same files give the same digests.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPO = re.compile(r"^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$")


class ImageError(RuntimeError):
    """An image cannot be written or imported; the message says which and why."""


@dataclass(frozen=True)
class File:
    """One entry of the layer: `path` inside the image, content from `source` (a host file) or `data`."""

    path: str
    source: Path | None = None
    data: bytes | None = None
    mode: int = 0o755
    symlink_to: str | None = None  # a symlink instead of a regular file
    directory: bool = False  # an (empty) directory


@dataclass(frozen=True)
class ImageSpec:
    name: str  # fully qualified, with a tag that is not `latest`: registry.k8s.io/pause:3.10
    files: tuple[File, ...]
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)
    workdir: str = "/"
    user: str = ""
    labels: dict[str, str] = field(default_factory=dict)


def check_name(name: str, allow_latest: bool = False) -> None:
    """A fully qualified reference with an explicit, non-`latest` tag (so IfNotPresent never pulls); a user's image
    may be `latest` (`allow_latest`: the workflows that name it run with imagePullPolicy IfNotPresent)."""
    repo, _, tag = name.rpartition(":")
    host, _, path = repo.partition("/")
    qualified = "." in host or ":" in host or host == "localhost"
    if "@" in name or "/" in tag or not _TAG.match(tag) or not path or not qualified or not _REPO.match(path):
        raise ImageError(
            f"image name {name!r} must be fully qualified with a tag, like registry.k8s.io/pause:3.10"
        )
    if tag == "latest" and not allow_latest:
        raise ImageError(f"image name {name!r}: do not use the tag `latest` (it implies imagePullPolicy Always)")


def _tarinfo(name: str, size: int = 0, mode: int = 0o755, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.type = kind
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _parents(path: str) -> list[str]:
    parts = path.strip("/").split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def layer_bytes(files: Iterable[File]) -> bytes:
    """An uncompressed, deterministic layer tar: parent directories first, entries sorted by path."""
    entries = sorted(files, key=lambda f: f.path)
    dirs = sorted({d for f in entries for d in _parents(f.path)})
    # an explicit directory entry gives its mode to the implied parent of the same name (/tmp 1777 with files in it)
    modes = {f.path.strip("/"): f.mode for f in entries if f.directory}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in dirs:
            tar.addfile(_tarinfo(d + "/", mode=modes.get(d, 0o755), kind=tarfile.DIRTYPE))
        for f in entries:
            name = f.path.strip("/")
            if f.directory:
                if name not in dirs:
                    tar.addfile(_tarinfo(name + "/", mode=f.mode, kind=tarfile.DIRTYPE))
                continue
            if f.symlink_to is not None:
                info = _tarinfo(name, mode=0o777, kind=tarfile.SYMTYPE)
                info.linkname = f.symlink_to
                tar.addfile(info)
                continue
            if f.data is not None:
                content = f.data
            elif f.source is not None:
                content = f.source.read_bytes()
            else:
                raise ImageError(f"layer entry {f.path}: give a source file, data or a symlink target")
            tar.addfile(_tarinfo(name, len(content), f.mode), io.BytesIO(content))
    return buf.getvalue()


def _blob(data: bytes) -> tuple[str, bytes]:
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def _json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def image_blobs(spec: ImageSpec) -> tuple[dict[str, bytes], dict[str, object]]:
    """The blobs of the image (digest -> bytes) and the index.json that names it."""
    check_name(spec.name)
    layer_digest, layer = _blob(layer_bytes(spec.files))
    config: dict[str, object] = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Entrypoint": list(spec.entrypoint) or None,
            "Cmd": list(spec.cmd) or None,
            "Env": list(spec.env),
            "WorkingDir": spec.workdir,
            "User": spec.user,
            "Labels": dict(spec.labels) or None,
        },
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "pytest-argo-conformance images.py"}],
    }
    config_digest, config_bytes = _blob(_json(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": MEDIA_LAYER, "digest": layer_digest, "size": len(layer)}],
    }
    manifest_digest, manifest_bytes = _blob(_json(manifest))
    index = {
        "schemaVersion": 2,
        "mediaType": MEDIA_INDEX,
        "manifests": [
            {
                "mediaType": MEDIA_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {
                    "io.containerd.image.name": spec.name,
                    "org.opencontainers.image.ref.name": spec.name.rsplit(":", 1)[1],
                },
            }
        ],
    }
    blobs = {layer_digest: layer, config_digest: config_bytes, manifest_digest: manifest_bytes}
    return blobs, index


def write_oci_tarball(spec: ImageSpec, out: Path) -> Path:
    """Write `spec` as an OCI image layout tarball at `out` (atomically) and return `out`."""
    blobs, index = image_blobs(spec)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        members = {"oci-layout": _json({"imageLayoutVersion": "1.0.0"}), "index.json": _json(index)}
        members.update({f"blobs/sha256/{d.split(':', 1)[1]}": b for d, b in blobs.items()})
        tar.addfile(_tarinfo("blobs/", mode=0o755, kind=tarfile.DIRTYPE))
        tar.addfile(_tarinfo("blobs/sha256/", mode=0o755, kind=tarfile.DIRTYPE))
        for name in sorted(members):
            data = members[name]
            tar.addfile(_tarinfo(name, len(data), 0o644), io.BytesIO(data))
    tmp.replace(out)
    return out



@dataclass(frozen=True)
class ArchiveInfo:
    """What an image archive says of itself: the names it carries and its image config's entrypoint and cmd."""

    path: Path
    names: tuple[str, ...]
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()


def read_archive(path: Path) -> ArchiveInfo:
    """Read an OCI image layout tarball (`index.json`) or a `docker save` tarball (`manifest.json`) without
    unpacking its layers; anything else is one ImageError line that says what the file is expected to be."""
    try:
        with tarfile.open(path, mode="r:*") as tar:
            members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}

            def read(name: str) -> bytes:
                member = members.get(name.removeprefix("./"))
                file = tar.extractfile(member) if member is not None else None
                if file is None:
                    raise ImageError(f"image archive {path}: {name} is missing from it")
                return file.read()

            if "manifest.json" in members:  # docker save
                entries = json.loads(read("manifest.json"))
                if not isinstance(entries, list) or not entries:
                    raise ImageError(f"image archive {path}: manifest.json lists no image")
                names = tuple(t for e in entries for t in (e.get("RepoTags") or []))
                config = json.loads(read(entries[0]["Config"]))
            elif "index.json" in members:  # OCI image layout
                index = json.loads(read("index.json"))
                manifests = index.get("manifests") or []
                if not manifests:
                    raise ImageError(f"image archive {path}: index.json lists no image")
                names = tuple(
                    n for m in manifests for n in [(m.get("annotations") or {}).get("io.containerd.image.name")] if n
                )
                manifest = json.loads(read("blobs/" + manifests[0]["digest"].replace(":", "/", 1)))
                if manifest.get("mediaType", "").endswith("index.v1+json") or "manifests" in manifest:
                    manifest = json.loads(read("blobs/" + manifest["manifests"][0]["digest"].replace(":", "/", 1)))
                config = json.loads(read("blobs/" + manifest["config"]["digest"].replace(":", "/", 1)))
            else:
                raise ImageError(f"image archive {path} is neither an OCI image layout (index.json) nor a "
                                 "`docker save` tarball (manifest.json)")
    except tarfile.TarError:
        raise ImageError(f"image archive {path} cannot be read: it is not a tar file (plain, gzip, bzip2 or xz)"
                         ) from None
    except OSError as exc:
        raise ImageError(f"image archive {path} cannot be read: {exc}") from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ImageError(f"image archive {path} has malformed metadata ({type(exc).__name__}: {exc})") from None
    inner = config.get("config") or {}
    return ArchiveInfo(path, names, tuple(inner.get("Entrypoint") or ()), tuple(inner.get("Cmd") or ()))
