"""Debian packages as image content: resolve a package list to exact versions, download the .debs, unpack them.

- `resolve(packages, never)`: the dependency closure (Depends and Pre-Depends, the first alternative of each
  `a | b` group, a virtual package replaced by a real provider) minus `never`, as exact `name=version` pins, from
  `apt-cache` (the apt lists of this machine; python-apt is not needed).
- `download(pins, debs)`: `apt-get download name=version` into a cache directory of .debs (files already there
  with the right checksum are reused).
- `unpack(debs, rootfs)`: `dpkg-deb -x` of each, merged-/usr (`/bin -> usr/bin`, `/sbin`, `/lib`, `/lib64`) and
  the `update-alternatives --install` links that maintainer scripts would have made.
- `check_needed(rootfs)`: every ELF file's DT_NEEDED libraries are in the rootfs (`readelf -d`).
No maintainer script runs. Every failure is one DebianError line naming the package (or file) and what apt,
dpkg-deb or readelf said last.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

APT_TIMEOUT = 300  # apt-cache over a few dozen packages takes well under a second
DOWNLOAD_TIMEOUT = 1800  # a cold download of an image's packages (tens of MB)
DPKG_TIMEOUT = 300
READELF_CHUNK = 200
APT_OPTIONS = ("-o", "APT::Sandbox::User=root", "-q")  # no `_apt` sandbox warning when run as root
MERGED_USR = (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"))
LIBRARY_DIRS = ("usr/lib/x86_64-linux-gnu", "usr/lib", "usr/lib64", "usr/local/lib/x86_64-linux-gnu",
                "usr/local/lib")
ELF_DIRS = ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/libexec")


class DebianError(RuntimeError):
    """A package cannot be resolved, downloaded or unpacked, or an image's binaries miss a library."""


@dataclass(frozen=True)
class Pin:
    """One package at an exact version, as `apt-cache show` describes it."""

    name: str
    version: str
    architecture: str
    sha256: str
    size: int

    @property
    def spec(self) -> str:
        return f"{self.name}={self.version}"

    @property
    def deb_name(self) -> str:
        """The file name `apt-get download` gives it (an epoch's `:` is written `%3a`)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.architecture}.deb"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _run(cmd: Sequence[str], what: str, timeout: float, cwd: Path | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    log.debug("$ %s", " ".join(cmd))
    try:
        done = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                              env=dict(os.environ, LC_ALL="C.UTF-8", DEBIAN_FRONTEND="noninteractive"))
    except FileNotFoundError:
        raise DebianError(f"{what}: {cmd[0]} is not installed (a Debian or Ubuntu host with apt is needed)") from None
    except subprocess.TimeoutExpired:
        raise DebianError(f"{what}: `{' '.join(cmd[:3])} ...` still running after {timeout:.0f}s") from None
    if check and done.returncode != 0:
        raise DebianError(f"{what}: `{' '.join(cmd[:3])} ...` failed (exit {done.returncode}): "
                          f"{_last_line(done.stderr or done.stdout)}")
    return done


def _paragraphs(text: str) -> list[dict[str, str]]:
    """deb822 paragraphs (`apt-cache show` output) as field -> value (continuation lines joined)."""
    out: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and current:
                fields[current] += "\n" + line.strip()
            elif ":" in line:
                current, _, value = line.partition(":")
                fields[current] = value.strip()
        if "Package" in fields:
            out.append(fields)
    return out


def dependency_groups(field: str) -> list[list[str]]:
    """`a (>= 1) | b, c:any [amd64]` -> [["a", "b"], ["c"]]: names only, no versions, arch qualifiers or
    restrictions."""
    groups = []
    for group in field.split(","):
        names = []
        for alternative in group.split("|"):
            alternative = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alternative).strip()
            if alternative:
                names.append(alternative.split(":", 1)[0])
        if names:
            groups.append(names)
    return groups


def show(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """`apt-cache show --no-all-versions` of the candidates of `names` (one call); a purely virtual name is absent
    from the result, a name apt does not know at all is a DebianError naming it."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    cmd = ["apt-cache", *APT_OPTIONS, "show", "--no-all-versions", *wanted]
    done = _run(cmd, "apt-cache show", APT_TIMEOUT, check=False)
    if done.returncode != 0:  # find the name apt does not know
        for name in wanted:
            one = _run(["apt-cache", *APT_OPTIONS, "show", "--no-all-versions", name], "apt-cache show",
                       APT_TIMEOUT, check=False)
            if one.returncode != 0 and not providers(name):
                raise DebianError(f"Debian package {name!r}: `apt-cache show {name}` failed: "
                                  f"{_last_line(one.stderr or one.stdout)} (is it in the apt lists? "
                                  "run `apt-get update`)")
        raise DebianError(f"`apt-cache show` of {len(wanted)} packages failed: {_last_line(done.stderr)}")
    return {p["Package"]: p for p in _paragraphs(done.stdout)}


def providers(name: str) -> list[str]:
    """The real packages that provide the virtual package `name` (`apt-cache showpkg`, Reverse Provides)."""
    done = _run(["apt-cache", *APT_OPTIONS, "showpkg", name], f"Debian package {name!r}", APT_TIMEOUT, check=False)
    if done.returncode != 0:
        return []
    section = done.stdout.split("Reverse Provides:", 1)
    if len(section) < 2:
        return []
    return sorted({line.split()[0] for line in section[1].splitlines() if line.strip()})


def resolve(packages: Iterable[str], never: Iterable[str] = ()) -> list[Pin]:
    """The closure of `packages` over Depends and Pre-Depends (first alternative of each group; a virtual package
    replaced by the provider already in the closure, else the first by name), minus `never`, sorted by name."""
    excluded = set(never)
    requested = [p.split(":", 1)[0] for p in packages if p not in excluded]
    records: dict[str, dict[str, str]] = {}
    chosen: dict[str, str] = {}  # virtual name -> provider
    pending = list(dict.fromkeys(requested))
    while pending:
        found = show(n for n in pending if n not in records)
        virtual = [n for n in pending if n not in records and n not in found]
        records.update(found)
        following: list[str] = []
        for name in virtual:
            every = providers(name)
            candidates = [p for p in every if p not in excluded]
            if not every:
                raise DebianError(f"Debian package {name!r}: apt knows no such package and nothing provides it "
                                  f"(`apt-cache showpkg {name}`)")
            if not candidates:
                log.debug("virtual package %s: only provided by `never` packages (%s)", name, ", ".join(every))
                excluded.add(name)
                continue
            known = [c for c in candidates if c in records or c in requested or c in pending]
            chosen[name] = (known or candidates)[0]
            log.debug("virtual package %s -> %s", name, chosen[name])
            following.append(chosen[name])
        for record in found.values():
            for field in ("Pre-Depends", "Depends"):
                for group in dependency_groups(record.get(field, "")):
                    first = chosen.get(group[0], group[0])
                    if first not in excluded and first not in records:
                        following.append(first)
        pending = [n for n in dict.fromkeys(following) if n not in records and n not in excluded]
    pins = []
    for name in sorted(records):
        record = records[name]
        try:
            pins.append(Pin(name, record["Version"], record.get("Architecture", "all"), record.get("SHA256", ""),
                            int(record.get("Size", "0"))))
        except (KeyError, ValueError) as exc:
            raise DebianError(f"Debian package {name!r}: `apt-cache show` record lacks {exc}") from None
    return pins


def apt_state() -> str:
    """A digest of what `resolve` reads: the apt lists (names, sizes, times) and apt's preferences."""
    digest = hashlib.sha256()
    for where in (Path("/var/lib/apt/lists"), Path("/etc/apt/preferences.d")):
        if where.is_dir():
            for path in sorted(where.iterdir()):
                if path.is_file() and path.name != "lock":
                    stat = path.stat()
                    digest.update(f"{path.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    preferences = Path("/etc/apt/preferences")
    if preferences.is_file():
        digest.update(preferences.read_bytes())
    return digest.hexdigest()


def resolve_cached(packages: Sequence[str], never: Sequence[str], cache: Path) -> list[Pin]:
    """`resolve`, remembered in the directory `cache` for as long as the apt lists do not change (each apt-cache
    call reads them afresh, about a second)."""
    key = hashlib.sha256(json.dumps([apt_state(), list(packages), sorted(never)]).encode()).hexdigest()[:16]
    record = cache / f"{key}.json"
    if record.is_file():
        try:
            return [Pin(**p) for p in json.loads(record.read_text(encoding="utf-8"))]
        except (ValueError, TypeError):
            pass  # rewritten below
    pins = resolve(packages, never)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = record.with_name(record.name + ".tmp")
    tmp.write_text(json.dumps([asdict(p) for p in pins], indent=1) + "\n", encoding="utf-8")
    tmp.replace(record)
    return pins


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _good(path: Path, pin: Pin) -> bool:
    if not path.is_file() or (pin.size and path.stat().st_size != pin.size):
        return False
    return not pin.sha256 or _sha256(path) == pin.sha256


def download(pins: Sequence[Pin], debs: Path) -> list[Path]:
    """The .deb of every pin in the cache directory `debs` (`apt-get download` of those not there yet, checked
    against apt's SHA256), in the order of `pins`."""
    debs.mkdir(parents=True, exist_ok=True)
    missing = [p for p in pins if not _good(debs / p.deb_name, p)]
    if missing:
        log.info("downloading %d Debian packages into %s ...", len(missing), debs)
        with tempfile.TemporaryDirectory(prefix=".partial-", dir=debs) as partial:
            cmd = ["apt-get", *APT_OPTIONS, "download", *(p.spec for p in missing)]
            done = _run(cmd, "apt-get download", DOWNLOAD_TIMEOUT, cwd=Path(partial), check=False)
            if done.returncode != 0:  # name the package apt cannot get
                for pin in missing:
                    _run(["apt-get", *APT_OPTIONS, "download", pin.spec], f"Debian package {pin.spec}",
                         DOWNLOAD_TIMEOUT, cwd=Path(partial))
            for pin in missing:
                got = Path(partial) / pin.deb_name
                if not got.is_file():
                    matches = sorted(Path(partial).glob(f"{pin.name}_*.deb"))
                    if not matches:
                        raise DebianError(f"Debian package {pin.spec}: `apt-get download` left no "
                                          f"{pin.deb_name}: {_last_line(done.stderr or done.stdout)}")
                    got = matches[0]
                if not _good(got, pin):
                    raise DebianError(f"Debian package {pin.spec}: the downloaded {got.name} does not match the "
                                      "size and SHA256 of the apt lists (run `apt-get update`)")
                got.replace(debs / pin.deb_name)
    return [debs / p.deb_name for p in pins]


def inside(rootfs: Path, path: str) -> Path:
    """`path` (absolute, as seen in the image) as a host path under `rootfs`, merged-/usr applied to its start."""
    rel = path.lstrip("/")
    for top, usr in MERGED_USR:
        if rel == top or rel.startswith(top + "/"):
            rel = usr + rel[len(top):]
    return rootfs / rel


def resolve_in(rootfs: Path, path: str, hops: int = 40) -> Path | None:
    """The host path `path` leads to inside `rootfs` (symlinks followed within the rootfs), or None."""
    parts = [p for p in path.split("/") if p]
    current: list[str] = []
    while parts:
        if hops < 0:
            return None
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if current:
                current.pop()
            continue
        candidate = rootfs.joinpath(*current, part)
        if candidate.is_symlink():
            hops -= 1
            target = os.readlink(candidate)
            parts = [p for p in target.split("/") if p] + parts
            if target.startswith("/"):
                current = []
            continue
        if not candidate.exists():
            return None
        current.append(part)
    return rootfs.joinpath(*current)


def _merge_into(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        target = dst / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir() and not target.is_symlink():
            _merge_into(entry, target)
        elif target.exists() or target.is_symlink():
            log.debug("merged-/usr: %s is also in %s; keeping the /usr one", entry, dst)
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        else:
            entry.rename(target)
    src.rmdir()


def merge_usr(rootfs: Path) -> None:
    """Make `/bin`, `/sbin`, `/lib` and `/lib64` symlinks into /usr, moving what packages unpacked there."""
    for top, usr in MERGED_USR:
        link, real = rootfs / top, rootfs / usr
        real.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            if os.readlink(link) == usr:
                continue
            link.unlink()
        elif link.is_dir():
            _merge_into(link, real)
        elif link.exists():
            raise DebianError(f"merged-/usr: {link} is a file, not a directory")
        link.symlink_to(usr)


_ALTERNATIVE = re.compile(r"update-alternatives\s+--install\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)((?:\s+--slave\s+\S+\s+\S+"
                          r"\s+\S+)*)")
_SLAVE = re.compile(r"--slave\s+(\S+)\s+\S+\s+(\S+)")


def alternatives(script: str) -> list[tuple[str, str, int]]:
    """The `update-alternatives --install` links of a maintainer script: (link, path, priority), slaves too."""
    text = re.sub(r"\\\n\s*", " ", script)
    out = []
    for match in _ALTERNATIVE.finditer(text):
        link, _, path, priority, slaves = match.groups()
        if path.startswith("/"):
            out.append((link, path, int(priority)))
        out += [(s_link, s_path, int(priority)) for s_link, s_path in _SLAVE.findall(slaves) if s_path.startswith("/")]
    return out


def apply_alternatives(rootfs: Path, debs: Iterable[Path]) -> list[tuple[str, str]]:
    """The links `update-alternatives` would make for these packages (the highest priority wins; a link whose
    target is not in the rootfs, or whose path exists already, is left out). Returns (link, target) made."""
    best: dict[str, tuple[int, str]] = {}
    for deb in debs:
        done = _run(["dpkg-deb", "--info", str(deb), "postinst"], f"Debian package {deb.name}", DPKG_TIMEOUT,
                    check=False)
        if done.returncode != 0:
            continue  # no postinst
        for link, path, priority in alternatives(done.stdout):
            if link not in best or priority > best[link][0]:
                best[link] = (priority, path)
    made = []
    for link, (_, path) in sorted(best.items()):
        where = inside(rootfs, link)
        if where.exists() or where.is_symlink() or resolve_in(rootfs, path) is None:
            continue
        where.parent.mkdir(parents=True, exist_ok=True)
        where.symlink_to(path)
        made.append((link, path))
    return made


def unpack(debs: Sequence[Path], rootfs: Path) -> None:
    """`dpkg-deb -x` every .deb into `rootfs`, then merged-/usr and the alternatives' links."""
    rootfs.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        _run(["dpkg-deb", "-x", str(deb), str(rootfs)], f"Debian package {deb.name}", DPKG_TIMEOUT)
    merge_usr(rootfs)
    apply_alternatives(rootfs, debs)


def _elf_files(rootfs: Path, dirs: Sequence[str]) -> list[Path]:
    out = []
    for top in dirs:
        base = rootfs / top
        if base.is_symlink() or not base.is_dir():
            continue
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue
                with path.open("rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        out.append(path)
    return sorted(out)


def _dynamic(files: Sequence[Path]) -> dict[Path, tuple[list[str], list[str]]]:
    """readelf -d of `files`: path -> (NEEDED names, RUNPATH/RPATH entries)."""
    out: dict[Path, tuple[list[str], list[str]]] = {}
    for start in range(0, len(files), READELF_CHUNK):
        chunk = files[start:start + READELF_CHUNK]
        done = _run(["readelf", "-d", "-W", *map(str, chunk)], "readelf", DPKG_TIMEOUT, check=False)
        current: Path | None = chunk[0] if len(chunk) == 1 else None
        for line in done.stdout.splitlines():
            if line.startswith("File: "):
                current = Path(line[len("File: "):].strip())
                continue
            if current is None:
                continue
            entry = out.setdefault(current, ([], []))
            needed = re.search(r"\(NEEDED\)\s+Shared library: \[(.*)\]", line)
            if needed:
                entry[0].append(needed.group(1))
            path = re.search(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[(.*)\]", line)
            if path:
                entry[1].extend(path.group(1).split(":"))
    return out


def _config_dirs(rootfs: Path) -> list[str]:
    dirs: list[str] = []
    conf_d = resolve_in(rootfs, "/etc/ld.so.conf.d")
    if conf_d is not None and conf_d.is_dir():
        for conf in sorted(conf_d.glob("*.conf")):
            dirs += [line.strip() for line in conf.read_text(errors="replace").splitlines()
                     if line.strip().startswith("/")]
    return dirs


def check_needed(rootfs: Path, dirs: Sequence[str] = ELF_DIRS) -> int:
    """Every ELF file under `dirs` finds its DT_NEEDED libraries in the rootfs (the default library directories,
    ld.so.conf.d and its RUNPATH); a missing one is a DebianError naming the binary and the library. Returns the
    number of ELF files checked."""
    files = _elf_files(rootfs, dirs)
    search = ["/" + d for d in LIBRARY_DIRS] + _config_dirs(rootfs)
    missing: list[tuple[str, str]] = []
    for path, (needed, runpath) in sorted(_dynamic(files).items()):
        origin = "/" + path.parent.relative_to(rootfs).as_posix()
        where = [p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for p in runpath] + search
        for library in needed:
            if "/" in library:
                found = resolve_in(rootfs, library) is not None
            else:
                found = any(resolve_in(rootfs, f"{d}/{library}") is not None for d in where)
            if not found:
                missing.append(("/" + path.relative_to(rootfs).as_posix(), library))
    if missing:
        binary, library = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DebianError(f"{binary} needs {library}, which no package of the image provides{more}")
    return len(files)
