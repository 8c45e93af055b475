"""The `argo-conformance` command: help text and the `run` path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_argo_conformance.command import main as cli


def test_help_explains_the_three_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for line in (
        "  run      run the packaged conformance suites",
        "  matrix   merge the matrices of parallel CI jobs, diff one against a baseline, render one",
        "  cluster  build, start, stop and inspect the hermetic local Kubernetes cluster",
    ):
        assert line in out


@pytest.mark.parametrize("sub", [["matrix", "--help"], ["cluster", "--help"], ["run", "--help"]])
def test_subcommand_help(sub: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(sub)
    assert exc.value.code == 0
    assert f"usage: argo-conformance {sub[0]}" in capsys.readouterr().out


def test_console_script_is_installed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_argo_conformance.command.main", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "argo-conformance" in done.stdout


def test_run_passes_pytest_arguments_and_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda args: seen.append(args) or 0)
    assert cli.main(["run", "--provider", "local", "-k", "dropin", "--argo-topology=dropin-global"]) == 0
    suites, *rest = seen[0]
    assert suites.endswith("suites")
    assert rest == ["-p", "argo_conformance", "--argo-provider", "local", "-k", "dropin", "--argo-topology=dropin-global"]


def test_run_reports_bad_options_like_pytest(pytester: pytest.Pytester) -> None:
    result = pytester.run("argo-conformance", "run", "--argo-controller", "broken", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --argo-controller 'broken': expected NAME=REF*"])
