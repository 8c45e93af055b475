"""toolchain/gobuild.py: the one way the project runs Go (no network: a module of our own, or a stand-in `go`)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_argo_conformance.toolchain import gobuild

needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="go is not on PATH")


def _module(root: Path, main: str = "package main\n\nfunc main() {}\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (root / "main.go").write_text(main)
    return root


@needs_go
def test_a_build_is_static_and_its_command_is_logged_at_debug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = _module(tmp_path / "src")
    caplog.set_level(logging.DEBUG, logger="pytest_argo_conformance.toolchain.gobuild")
    gobuild.go_build("hello v1", src, tmp_path / "bin" / "hello", ["."], log_file=tmp_path / "build.log")
    assert subprocess.run([tmp_path / "bin" / "hello"], check=False).returncode == 0
    assert gobuild.module_path(src) == "example.com/hello"
    assert "$ " in (tmp_path / "build.log").read_text()
    assert any("hello v1: $ " in r.getMessage() and " build -trimpath " in r.getMessage() for r in caplog.records)


@needs_go
def test_a_failed_build_names_the_build_and_ends_with_the_compiler_output(tmp_path: Path) -> None:
    src = _module(tmp_path / "src", "package main\n\nfunc main() { undefinedThing() }\n")
    with pytest.raises(gobuild.BuildError) as failure:
        gobuild.go_build("hello v1", src, f"{tmp_path / 'bin'}/", ["."])
    message = str(failure.value)
    assert message.startswith("hello v1: go build failed (exit 1):\n")
    assert "undefined: undefinedThing" in message


def test_a_module_that_cannot_be_had_is_one_line_with_gos_reason(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    go = tmp_path / "go"
    go.write_text('#!/bin/sh\necho \'{"Path": "example.com/x", "Error": "example.com/x@v1.0.0: 410 Gone"}\'\nexit 1\n')
    go.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(gobuild.ModuleUnavailable) as failure:
        gobuild.module_dir("example.com/x", "v1.0.0", "x v1")
    assert str(failure.value) == "build x v1: cannot download example.com/x@v1.0.0: example.com/x@v1.0.0: 410 Gone"
    assert failure.value.reason == "example.com/x@v1.0.0: 410 Gone"
    assert isinstance(failure.value, gobuild.BuildError)


def test_go_missing_from_path_is_a_build_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(gobuild.BuildError, match="go is not on PATH"):
        gobuild.go_binary()


def test_a_cache_entry_is_complete_once_stamped_and_fresh_empties_it(tmp_path: Path) -> None:
    entry = gobuild.fresh(tmp_path / "kubernetes" / "v1.34.4")
    (entry / "half-built").write_text("x")
    assert not gobuild.complete(entry)
    gobuild.stamp(entry, version="v1.34.4")
    assert gobuild.complete(entry) and '"version": "v1.34.4"' in (entry / gobuild.STAMP).read_text()
    assert list(gobuild.fresh(entry).iterdir()) == []


def test_a_writable_copy_leaves_out_vcs_and_ui_build_output(tmp_path: Path) -> None:
    source = _module(tmp_path / "module")
    (source / ".git").mkdir()
    (source / "node_modules").mkdir()
    for path in (source / "main.go", source / "go.mod", source):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        copy = gobuild.writable_copy(source, tmp_path / "copy")
    finally:
        source.chmod(0o755)
    assert sorted(p.name for p in copy.iterdir()) == ["go.mod", "main.go"]
    (copy / "main.go").write_text("package main\n")  # writable


def test_a_long_step_says_it_is_still_running(caplog: pytest.LogCaptureFixture) -> None:
    import time

    from pytest_argo_conformance.toolchain.gobuild import heartbeat

    with caplog.at_level(logging.INFO, logger="pytest_argo_conformance.toolchain.gobuild"), \
            heartbeat("build acme: go build", every=0.05):
        time.sleep(0.3)
    beats = [r.getMessage() for r in caplog.records if "still running" in r.getMessage()]
    assert len(beats) >= 3 and beats[0].startswith("build acme: go build: still running ("), beats
