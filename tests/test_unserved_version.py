"""An upstream version the module proxy does not serve is one line that names the pinned versions that build here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pins import BASELINE, PREVIOUS_LINE, V4
from pytest_argo_conformance.components.argo.build import ArgoBuildError, upstream_module, upstream_source
from standins import STANDIN_CONFTEST

# What `go mod download -json` prints when the proxy refuses a version (the error text as the proxy here gives it).
REFUSAL = {
    "Path": "github.com/argoproj/argo-workflows/v4",
    "Version": "v4.0.7",
    "Error": "github.com/argoproj/argo-workflows/v4@v4.0.7: reading "
             "github.com/argoproj/argo-workflows/v4/@v/v4.0.7.info: 403 Forbidden\n\tserver response: not available",
}


# The stand-in provider with the built-in install, building releases from source like the local provider.
BUILDING_STANDIN = (
    STANDIN_CONFTEST.split("def pytest_argo_install")[0]
    .replace('name = "standin"', 'name = "local"')
    .replace("capabilities = frozenset()", 'capabilities = frozenset({"builds-from-source"})')
)


@pytest.fixture
def refusing_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    calls = tmp_path / "calls"
    go = tmp_path / "bin" / "go"
    go.parent.mkdir()
    go.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\ncat <<'EOF'\n{json.dumps(REFUSAL, indent=1)}\nEOF\nexit 1\n")
    go.chmod(0o755)
    monkeypatch.setenv("PATH", f"{go.parent}{os.pathsep}{os.environ['PATH']}")
    return calls


def test_the_module_path_follows_the_major_version() -> None:
    assert upstream_module(BASELINE) == "github.com/argoproj/argo-workflows/v3"
    assert upstream_module(V4) == "github.com/argoproj/argo-workflows/v4"


def test_an_unserved_version_is_one_line_naming_what_builds_here(refusing_go: Path) -> None:
    with pytest.raises(ArgoBuildError) as failure:
        upstream_source("v4.0.7", "v4new")
    message = str(failure.value)
    assert "\n" not in message, message
    assert message.startswith("build v4new: upstream v4.0.7 (github.com/argoproj/argo-workflows/v4) cannot be had "
                              "from the Go module proxy here (403 Forbidden); ")
    assert f"versions that build here: {PREVIOUS_LINE}, {BASELINE}, {V4}" in message
    assert refusing_go.read_text().splitlines() == ["mod download -json github.com/argoproj/argo-workflows/v4@v4.0.7"]


def test_a_session_tries_an_unserved_version_once_and_fails_each_of_its_cells_with_that_line(
    pytester: pytest.Pytester, refusing_go: Path
) -> None:
    """The built-in install (only the provider is a stand-in, one that builds releases from source like the local
    one): the build is asked for once, and both of its cells fail with the same line."""
    pytester.makeconftest(BUILDING_STANDIN)
    pytester.makepyfile(test_cells="def test_a(argo): pass\ndef test_b(argo): pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                "--argo-controller=new=v4.0.7", "-k", "new", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    lines = [line for line in result.stdout.lines if line.startswith("  ERROR new / upstream-global")]
    assert len(lines) == 2, result.stdout.str()
    for line in lines:
        assert "build new (v4.0.7) is not available: upstream v4.0.7 (github.com/argoproj/argo-work" in line
        assert f"versions that build here: {PREVIOUS_LINE}, {BASELINE}, {V4}" in line
    assert refusing_go.read_text().splitlines() == ["mod download -json github.com/argoproj/argo-workflows/v4@v4.0.7"]


def test_build_progress_shows_live_with_log_cli_level_info(pytester: pytest.Pytester, refusing_go: Path) -> None:
    """What `argo-conformance run` turns on: the build's progress line, live, under its layer's logger."""
    pytester.makeconftest(BUILDING_STANDIN)
    pytester.makepyfile(test_cells="def test_a(argo): pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                "--argo-controller=new=v4.0.7", "-k", "new", "-p", "no:cacheprovider",
                                "--log-cli-level=INFO")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["INFO *pytest_argo_conformance.components.argo.build*building argo new (v4.0.7) "
                                 "from source ..."])


def test_a_version_of_no_line_is_one_line_that_says_what_to_give_instead(
    pytester: pytest.Pytester, refusing_go: Path
) -> None:
    """`x=v9.9.9`: a major version with no module here; the cell's one line names the version and the module path,
    lists the versions that do build, and says what else to give. No traceback."""
    pytester.makeconftest(BUILDING_STANDIN)
    pytester.makepyfile(test_cells="def test_a(argo): pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                "--argo-controller=x=v9.9.9", "-k", "x-", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert (
        "build x (v9.9.9) is not available: upstream v9.9.9 (github.com/argoproj/argo-workflows/v9) cannot be "
        "had from the Go module proxy here (403 Forbidden); versions that build here: "
        f"{PREVIOUS_LINE}, {BASELINE}, {V4}, or give the build as an image, go:MODULE@VERSION or a source directory"
    ) in result.stdout.lines, result.stdout.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert refusing_go.read_text().splitlines() == ["mod download -json github.com/argoproj/argo-workflows/v9@v9.9.9"]
