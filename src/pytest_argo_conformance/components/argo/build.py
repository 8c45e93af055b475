"""Build workflow-controller, argoexec and argo (server) for a controller build, cached per version.

Every kind of build goes through one path: a writable copy of the source tree (the Go module from the module
proxy, a fork's module, a local directory, or upstream with a patch applied) built with its own go.mod, so that
`replace` lines and the UI embed of newer releases work as upstream's Makefile builds them. The Go steps go
through toolchain/gobuild.py; progress is logged at INFO on `pytest_argo_conformance.components.argo.build`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild, Source, base_version, patch_file
from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.timeouts import PATCH_APPLY
from pytest_argo_conformance.toolchain.cachelock import making
from pytest_argo_conformance.toolchain.gobuild import BuildError, go_build, module_dir, module_path, writable_copy
from pytest_argo_conformance.toolchain.gobuild import ModuleUnavailable as ModuleUnavailable

log = logging.getLogger(__name__)

UPSTREAM_MODULE = "github.com/argoproj/argo-workflows"  # + /vN, the major version's module path
COMMANDS = ("workflow-controller", "argoexec", "argo")

# A build from source failed; the message names the build and the step. The one Go build error of the project
# (toolchain.gobuild.BuildError), so that catching it here also catches the Kueue and gofakes3 builds' failures.
ArgoBuildError = BuildError


@dataclass(frozen=True)
class ArgoBinaries:
    build: str
    key: str  # cache key, also the image tag of non-release builds
    version: str  # what the binaries report
    root: Path  # cache entry: bin/ and src/

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    @property
    def source_dir(self) -> Path:
        return self.root / "src"

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def cache_key(build: ControllerBuild) -> str:
    if build.source is Source.VERSION:
        return build.ref
    if build.source is Source.MODULE:
        module, version = build.ref.removeprefix("go:").rsplit("@", 1)
        return f"{version}-{_digest(module.encode())}"
    if build.source is Source.PATCHED:
        patch = patch_file(build.ref)
        assert patch is not None  # checked when the option was parsed
        return f"{base_version(build.ref)}-patch-{_digest(patch_body(patch.read_bytes()))}"
    return f"dir-{_tree_digest(Path(build.ref).expanduser())}"


def patch_body(text: bytes) -> bytes:
    """The diff of a patch without its leading comment lines: rewording a mutant's header keeps its build."""
    start = re.search(rb"^(--- |diff --git )", text, flags=re.MULTILINE)
    return text[start.start():] if start else text


def build_binaries(build: ControllerBuild) -> ArgoBinaries:
    """Build (or find in the cache) the three binaries of `build`."""
    key = cache_key(build)
    root = cache_dir() / "argo" / key
    version = base_version(build.ref) if build.source in (Source.VERSION, Source.PATCHED) else key
    done = ArgoBinaries(build.name, key, version, root)
    if all(done.binary(cmd).is_file() for cmd in COMMANDS):
        return done
    with making(root, f"argo {build.name} ({key})"):
        if not all(done.binary(cmd).is_file() for cmd in COMMANDS):  # not made meanwhile by another process
            _build_into(build, root, version)
    return done


def _build_into(build: ControllerBuild, root: Path, version: str) -> None:
    key = root.name
    log.info("building argo %s (%s) from source ...", build.name, key)
    started = time.monotonic()
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        src = writable_copy(_source_tree(build), staging / "src")
        if build.source is Source.PATCHED:
            _apply_patch(build, src)
        _restore_signal_linux(src)
        ui = src / "ui" / "dist" / "app"  # `argo` embeds the UI (gitignored upstream): an empty page will do
        ui.mkdir(parents=True, exist_ok=True)
        (ui / "index.html").touch()
        _go_build(build, src, staging / "bin", version)
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("argo build %s (%s): %.0fs", build.name, key, time.monotonic() - started)


def _source_tree(build: ControllerBuild) -> Path:
    if build.source is Source.DIRECTORY:
        return Path(build.ref).expanduser().resolve()
    if build.source is Source.MODULE:
        module, version = build.ref.removeprefix("go:").rsplit("@", 1)
    else:
        return upstream_source(base_version(build.ref), build.name)
    return module_dir(module, version, build.name)


def upstream_source(version: str, build: str) -> Path:
    """The read-only source tree of an upstream release, from the module of its major version. A release the
    module proxy does not serve is one line naming the pinned releases that do build (tried once per session:
    the caller caches the failure)."""
    module = upstream_module(version)
    try:
        return module_dir(module, version, build)
    except ModuleUnavailable as exc:
        from pytest_argo_conformance.components.argo.lines import served_versions_hint

        words = " ".join(exc.reason.split())
        status = re.search(r"\b(40[34] [A-Za-z ]+?|410 Gone|unknown revision \S+|not available)\b", words)
        why = status.group(1) if status else words[-120:]
        raise ArgoBuildError(f"build {build}: upstream {version} ({module}) cannot be had from the Go module proxy "
                             f"here ({why}); {served_versions_hint()}, or give the build as an image, "
                             "go:MODULE@VERSION or a source directory") from None


def upstream_module(version: str) -> str:
    """The upstream module path of a release: `.../v3` for v3.x, `.../v4` for v4.x (Go's major-version rule)."""
    major = version.removeprefix("v").split(".", 1)[0]
    return f"{UPSTREAM_MODULE}/v{major}"


def _apply_patch(build: ControllerBuild, src: Path) -> None:
    """Apply the build's patch to its source copy, all or nothing. A patch that does not apply is one line naming
    the patch file and the first hunk (or file) that failed, from `git apply`'s own words."""
    patch = patch_file(build.ref)
    assert patch is not None
    version = base_version(build.ref)
    # GIT_CEILING_DIRECTORIES: inside someone's git work tree (a cache under a CI workspace), `git apply` would
    # take the patch's paths as relative to that repository's top and silently skip them all.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(src.parent)}
    try:
        done = subprocess.run(["git", "apply", "--verbose", str(patch)], cwd=src, env=env, capture_output=True,
                              text=True, timeout=PATCH_APPLY, check=False)
    except FileNotFoundError:
        raise ArgoBuildError(f"build {build.name}: git is not on PATH; install git to apply {patch}") from None
    except subprocess.TimeoutExpired:
        raise ArgoBuildError(f"build {build.name}: git apply {patch} still running after {PATCH_APPLY}s") from None
    if done.returncode != 0:
        raise ArgoBuildError(f"build {build.name}: patch {patch} does not apply to {version}: "
                             f"{patch_failure(done.stderr, patch.read_text(errors='replace'))}; make it apply to "
                             f"{version} (`git apply --check` in that version's source lists every problem)")


def patch_failure(stderr: str, patch_text: str = "") -> str:
    """`git apply`'s complaint in a few words: the first hunk (with its @@ header from `patch_text`) or file that
    failed, and how many more did."""
    problems: list[str] = []
    searching = False  # "error: while searching for:" is followed by the hunk's own lines, up to the next error
    for line in stderr.splitlines():
        if not line.startswith("error: "):
            continue  # progress ("Checking patch ...") or the text of a hunk that was searched for
        text = line.removeprefix("error: ").strip()
        searching = text == "while searching for:"
        failed = re.fullmatch(r"patch failed: (.+):(\d+)", text)
        if failed:
            hunk = " ".join(filter(None, ["hunk", _hunk_header(patch_text, failed[1], failed[2])]))
            problems.append(f"{hunk} at {failed[1]}:{failed[2]} does not match the source")
        elif searching or text.endswith(": patch does not apply"):
            continue  # the "patch failed" line says which hunk
        elif text.endswith(": No such file or directory"):
            problems.append(f"{text.removesuffix(': No such file or directory')} is not in the source")
        elif text.endswith(": already exists in working directory"):
            problems.append(f"{text.removesuffix(': already exists in working directory')} already exists")
        elif text.startswith("No valid patches in input"):
            problems.append("it holds no diff (no ---/+++ file headers)")
        else:
            problems.append(text)
    if not problems:
        return " ".join(stderr.split())[-200:] or "git apply failed without saying why"
    first = problems[0] if len(problems[0]) <= 240 else problems[0][:237] + "..."
    more = len(problems) - 1
    return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _hunk_header(patch_text: str, path: str, line: str) -> str:
    """The `@@ -LINE,... @@` header of the hunk of `path` that starts at `line` ("" when not found)."""
    in_file = False
    for row in patch_text.splitlines():
        if row.startswith("+++ "):
            in_file = row[4:].split("\t")[0].strip().removeprefix("b/") == path
        elif in_file and re.match(rf"@@ -{line}(,\d+)? \+", row):
            return " ".join(row.split())[:120]
    return ""


def _restore_signal_linux(src: Path) -> None:
    """The module zips served here lack workflow/executor/os[-]specific/signal_linux.go (argoexec then fails with
    `undefined: Setpgid`). Its darwin twin is the same POSIX code (process groups, kill, wait4), so use it."""
    for name in ("os-specific", "osspecific"):  # the package was renamed in v3.7
        folder = src / "workflow" / "executor" / name
        linux, darwin = folder / "signal_linux.go", folder / "signal_darwin.go"
        if darwin.is_file() and not linux.exists():
            shutil.copyfile(darwin, linux)
            log.info("note: %s is missing from the source; using signal_darwin.go (same POSIX calls)",
                     linux.relative_to(src))


def _go_build(build: ControllerBuild, src: Path, out: Path, version: str) -> None:
    pkg = module_path(src)
    ldflags = " ".join(
        [
            "-s -w",
            f"-X {pkg}.version={version}",
            f"-X {pkg}.gitTag={version}",
            f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ]
    )
    go_build(f"build {build.name}", src, f"{out}/", [f"./cmd/{name}" for name in COMMANDS], ldflags)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _tree_digest(root: Path) -> str:
    """Content digest of a source directory's Go files and module files (what the build depends on)."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".go", ".mod", ".sum") and ".git" not in path.parts and path.is_file():
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]
