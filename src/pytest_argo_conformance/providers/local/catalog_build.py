"""Build the image catalog (clusters/local/images.yaml) into OCI tarballs, cached under
`cache_dir()/images/catalog`.

Each image is the unpacked closure of its Debian packages (toolchain/debian.py: resolved to exact versions,
`apt-get download`, `dpkg-deb -x`, merged-/usr) plus what maintainer scripts would have done and a container
needs (/etc/passwd and /etc/group, /tmp, /root, the CA bundle, /etc/localtime, /bin/sh), less documentation, and
the files it takes from the Argo module's source. An entry is named after a digest of the resolved `name=version`
pins, the image spec and the Argo files' contents (and this recipe's source), so a second build is a lookup; a
`.json` provenance record lies beside each tarball and the unpacked rootfs stays there (`<entry>.rootfs`).
One INFO line per image (logger `...providers.local.catalog_build`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.toolchain import debian, gobuild, image_catalog
from pytest_argo_conformance.toolchain import oci as images
from pytest_argo_conformance.toolchain.gobuild import BuildError as BuildError

log = logging.getLogger(__name__)

ARGO_MODULE = "github.com/argoproj/argo-workflows/v3"
DROPPED = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
           "usr/share/doc-base")
ENV = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8")
PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
GROUP = b"root:x:0:\nnogroup:x:65534:\n"


def catalog_root() -> Path:
    return cache_dir() / "images" / "catalog"


def debs_dir(suite: str) -> Path:
    """The .deb download cache (shared by all images of a suite)."""
    return cache_dir() / "debian" / suite / "debs"


def _recipe() -> str:
    """This build's own source: a change to the fix-ups is a new cache entry."""
    here = Path(__file__)
    return hashlib.sha256(here.read_bytes() + Path(debian.__file__).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """What one catalog image is made of, and where its build lives in the cache."""

    image: image_catalog.CatalogImage
    suite: str
    pins: tuple[debian.Pin, ...]
    module_files: tuple[tuple[str, Path], ...]  # (path in the image, file in the Argo module)
    digest: str

    @property
    def entry(self) -> Path:
        return catalog_root() / f"{self.image.key}-{self.digest[:16]}"

    @property
    def tarball(self) -> Path:
        return self.entry.with_suffix(".tar")

    @property
    def record(self) -> Path:
        return self.entry.with_suffix(".json")

    @property
    def rootfs(self) -> Path:
        return self.entry.with_suffix(".rootfs")


def plan(key: str) -> Plan:
    catalog = image_catalog.load()
    image = catalog.image(key)
    pins = tuple(debian.resolve_cached(catalog.packages_of(key), catalog.never, catalog_root() / "resolved"))
    module_files: list[tuple[str, Path]] = []
    if image.argo_module_files:
        source = gobuild.module_dir(ARGO_MODULE, version("argo-workflows"), "image catalog")
        for in_image, in_module in image.argo_module_files:
            path = source / in_module
            if not path.is_file():
                raise BuildError(f"image catalog {key}: {in_module} is not in {ARGO_MODULE}@"
                                 f"{version('argo-workflows')} ({source})")
            module_files.append((in_image, path))
    digest = hashlib.sha256(json.dumps({
        "pins": [p.spec for p in pins],
        "name": image.name,
        "entrypoint": image.entrypoint,
        "cmd": image.cmd,
        "env": ENV,
        "module_files": {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in module_files},
        "recipe": _recipe(),
    }, sort_keys=True).encode()).hexdigest()
    return Plan(image, catalog.suite, pins, tuple(module_files), digest)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    if path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


# The directories base-files' postinst makes (install_directory / install_local_dir), which a Debian image has and
# workflows use (`os.mkdir("/mnt/out")` in Argo's map-reduce example).
BASE_DIRECTORIES = (
    ("mnt", 0o755), ("srv", 0o755), ("opt", 0o755), ("etc/opt", 0o755), ("var/opt", 0o755), ("media", 0o755),
    ("run/lock", 0o1777), ("var/tmp", 0o1777), *((f"usr/local/{d}", 0o755) for d in (
        "bin", "etc", "games", "include", "lib", "sbin", "share/man", "src")),
)


def fix_up(rootfs: Path, names: set[str]) -> None:
    """What maintainer scripts (and base-passwd) would have done, as far as a container needs it."""
    _write(rootfs / "etc/passwd", PASSWD)
    _write(rootfs / "etc/group", GROUP)
    for directory, mode in (("tmp", 0o1777), ("root", 0o700), *BASE_DIRECTORIES):
        (rootfs / directory).mkdir(parents=True, exist_ok=True)
        (rootfs / directory).chmod(mode)
    if "ca-certificates" in names:
        certs = sorted((rootfs / "usr/share/ca-certificates").rglob("*.crt"))
        bundle = b"".join(c.read_bytes().rstrip(b"\n") + b"\n" for c in certs)
        _write(rootfs / "etc/ssl/certs/ca-certificates.crt", bundle)
    if "tzdata" in names:
        localtime = rootfs / "etc/localtime"
        if localtime.exists() or localtime.is_symlink():
            localtime.unlink()
        localtime.symlink_to("/usr/share/zoneinfo/Etc/UTC")
        _write(rootfs / "etc/timezone", b"Etc/UTC\n")
    sh = rootfs / "usr/bin/sh"
    if debian.resolve_in(rootfs, "/bin/sh") is None:
        if not (rootfs / "usr/bin/dash").is_file():
            raise BuildError("image catalog: no /bin/sh and no dash to make it from (add dash to the packages)")
        if sh.is_symlink():
            sh.unlink()
        sh.symlink_to("dash")
    for dropped in DROPPED:
        shutil.rmtree(rootfs / dropped, ignore_errors=True)


def build_rootfs(p: Plan) -> Path:
    """The unpacked image at `p.rootfs` (made afresh), checked: every binary finds its libraries."""
    if p.rootfs.exists():
        shutil.rmtree(p.rootfs)
    tmp = p.rootfs.with_name(p.rootfs.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    debs = debian.download(p.pins, debs_dir(p.suite))
    debian.unpack(debs, tmp)
    fix_up(tmp, {pin.name for pin in p.pins})
    for in_image, source in p.module_files:
        _write(debian.inside(tmp, in_image), source.read_bytes(), 0o755)
    try:
        debian.check_needed(tmp)
    except debian.DebianError as exc:
        raise BuildError(f"image catalog {p.image.key}: {exc}") from None
    tmp.rename(p.rootfs)
    return p.rootfs


def rootfs_files(rootfs: Path) -> tuple[list[images.File], int]:
    """The layer entries of a rootfs directory (regular files with their modes, symlinks, empty directories;
    a hard link is one more regular file) and the unpacked size in bytes."""
    files: list[images.File] = []
    size = 0
    for dirpath, dirnames, filenames in os.walk(rootfs):
        base = Path(dirpath)
        rel_dir = base.relative_to(rootfs).as_posix()
        if rel_dir != "." and not dirnames and not filenames:
            files.append(images.File(rel_dir, directory=True, mode=base.stat().st_mode & 0o7777))
        for name in sorted(dirnames + filenames):
            path = base / name
            rel = path.relative_to(rootfs).as_posix()
            if path.is_symlink():
                files.append(images.File(rel, symlink_to=os.readlink(path)))
            elif path.is_file():
                stat = path.stat()
                size += stat.st_size
                files.append(images.File(rel, source=path, mode=stat.st_mode & 0o7777))
    return files, size


def _spec(p: Plan, files: list[images.File]) -> images.ImageSpec:
    return images.ImageSpec(p.image.name, tuple(files), entrypoint=p.image.entrypoint, cmd=p.image.cmd, env=ENV,
                            labels={"org.opencontainers.image.description": p.image.about})


def catalog_spec(key: str) -> images.ImageSpec:
    """The image spec of catalog image `key`; its files are in the cached rootfs (unpacked if not there)."""
    p = plan(key)
    if not p.rootfs.is_dir():
        build_rootfs(p)
    return _spec(p, rootfs_files(p.rootfs)[0])


def rootfs_of(key: str) -> Path:
    """The unpacked rootfs of catalog image `key` (built if needed), e.g. to `chroot` into."""
    p = plan(key)
    if not p.rootfs.is_dir():
        build_rootfs(p)
    return p.rootfs


def _remove_stale(p: Plan) -> None:
    """Earlier builds of the same image (other digests)."""
    for old in catalog_root().glob(f"{p.image.key}-*"):
        if re.fullmatch(rf"{re.escape(p.image.key)}-[0-9a-f]{{16}}(\.tar|\.json|\.rootfs)(\.tmp)?", old.name) and \
                not old.name.startswith(p.entry.name):
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()


@contextmanager
def _build_lock() -> Iterator[None]:
    """One catalog build at a time on this machine: parallel runs (and xdist workers) needing the same image would
    otherwise unpack into the same rootfs and download the same .debs at once. The second waits, then finds the
    image cached (every step of a build has its own timeout, so the wait is bounded)."""
    root = catalog_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_image(key: str, force: bool = False) -> Path:
    """The OCI tarball of catalog image `key` (built unless its cache entry is complete)."""
    with _build_lock():
        return _build_image(key, force)


def _build_image(key: str, force: bool) -> Path:
    start = time.monotonic()
    p = plan(key)
    if not force and p.tarball.is_file() and p.record.is_file() and p.rootfs.is_dir():
        log.info("catalog image %s: cached in %.1fs (%.1f MB)", p.image.name, time.monotonic() - start,
                 p.tarball.stat().st_size / 1e6)
        return p.tarball
    log.info("building catalog image %s (%d packages) ...", p.image.name, len(p.pins))
    _remove_stale(p)
    for stale in (p.tarball, p.record):
        stale.unlink(missing_ok=True)
    rootfs = build_rootfs(p)
    files, unpacked = rootfs_files(rootfs)
    images.write_oci_tarball(_spec(p, files), p.tarball)
    seconds = time.monotonic() - start
    tarball_bytes = p.tarball.stat().st_size
    record = {
        "image": p.image.name,
        "key": p.image.key,
        "digest": p.digest,
        "suite": p.suite,
        "pins": [pin.spec for pin in p.pins],
        "packages": len(p.pins),
        "argo_module_files": {k: str(v) for k, v in p.module_files},
        "tarball_bytes": tarball_bytes,
        "unpacked_bytes": unpacked,
        "download_bytes": sum(pin.size for pin in p.pins),
        "files": len(files),
        "build_seconds": round(seconds, 2),
    }
    tmp = p.record.with_name(p.record.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(p.record)
    log.info("catalog image %s: built in %.1fs (%.1f MB, %d packages)", p.image.name, seconds,
             tarball_bytes / 1e6, len(p.pins))
    return p.tarball


def provenance(key: str) -> dict[str, object]:
    """The provenance record of catalog image `key` (built if needed)."""
    build_image(key)
    data = json.loads(plan(key).record.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def build_catalog(keys: list[str] | tuple[str, ...] | None = None, force: bool = False) -> dict[str, Path]:
    """Catalog image name -> OCI tarball, for `keys` (default: every image of the catalog)."""
    catalog = image_catalog.load()
    wanted = list(keys) if keys is not None else list(catalog.keys)
    return {catalog.image(k).name: build_image(k, force) for k in wanted}
