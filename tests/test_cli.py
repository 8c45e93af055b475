"""The `argo-conformance` command: help text and the `run` path."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_argo_conformance.command import main as cli
from pytest_main import record_pytest_main
from scripts import script


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
        [sys.executable, "-m", "pytest_argo_conformance.command.main", "--help"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0 and "argo-conformance" in done.stdout


def test_run_passes_pytest_arguments_and_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = record_pytest_main(monkeypatch)
    assert cli.main(["run", "--provider", "local", "-k", "dropin", "--argo-topology=dropin-global"]) == 0
    suites, *rest = seen[0]
    assert suites.endswith("suites")
    assert rest[:3] == ["-p", "argo_conformance", "--argo-suites=packaged"]
    assert rest[-3:] == ["-k", "dropin", "--argo-topology=dropin-global"]  # the user's pytest arguments, last
    assert rest[rest.index("--argo-provider") + 1] == "local"


def test_run_shows_progress_live_unless_a_log_level_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = record_pytest_main(monkeypatch)
    assert cli.main(["run", "-k", "dropin"]) == 0
    assert cli.main(["run", "--log-cli-level=DEBUG"]) == 0
    assert cli.main(["run", "-o", "log_cli_level=WARNING"]) == 0
    assert seen[0].count("--log-cli-level=INFO") == 1
    assert "--log-cli-level=INFO" not in seen[1] + seen[2]


def test_cluster_commands_print_the_package_progress_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cluster build`: the library logs its progress; the command prints it on stderr, the result on stdout."""
    from pytest_argo_conformance.providers.local import build

    def build_all(force: bool = False) -> tuple[build.Artifacts, list[build.Step]]:
        logging.getLogger(build.__name__).info("kubernetes v1.34.4: cached in 0.0s")
        logging.getLogger(build.__name__).debug("not shown")
        logging.getLogger(build.__name__).warning("pinned etcd 3.5, found 3.4")
        bin_dir = Path("/cache/kubernetes/v1.34.4/bin")
        return build.Artifacts(bin_dir, bin_dir, bin_dir, bin_dir, bin_dir, {}), []

    monkeypatch.setattr(build, "build_all", build_all)
    assert cli.main(["cluster", "build"]) == 0
    out, err = capsys.readouterr()
    assert err == "kubernetes v1.34.4: cached in 0.0s\nwarning: pinned etcd 3.5, found 3.4\n"
    assert out.startswith("build done in ")
    assert not logging.getLogger("pytest_argo_conformance").handlers  # undone after the command


def test_run_refuses_a_missing_suites_folder_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--suites", "/nonexistent/checks"]) == pytest.ExitCode.USAGE_ERROR
    assert capsys.readouterr().err == (
        "argo-conformance run: --suites /nonexistent/checks: no such folder or file; give a folder of checks\n")


def test_run_reports_bad_options_like_pytest(pytester: pytest.Pytester) -> None:
    result = pytester.run(script("argo-conformance"), "run", "--argo-controller", "broken", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --argo-controller 'broken': expected NAME=REF*"])


def test_run_puts_topologies_side_by_side_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` gives pytest-xdist `-n` (its --workers, default DEFAULT_WORKERS); --workers 1, or a -n, --dist or
    `-p no:xdist` of the user's own, and it adds none."""
    from pytest_argo_conformance.providers import registry

    monkeypatch.setattr(registry, "docker_answers", lambda: False)  # auto is the local provider here
    seen = record_pytest_main(monkeypatch)
    assert cli.main(["run"]) == 0
    assert cli.main(["run", "--workers", "5"]) == 0
    assert cli.main(["run", "--workers", "1"]) == 0
    for own in (["-n", "2"], ["-n2"], ["--numprocesses=4"], ["--dist", "no"], ["-p", "no:xdist"]):
        assert cli.main(["run", *own]) == 0
    assert seen[0][seen[0].index("-n") + 1] == str(cli.DEFAULT_WORKERS)
    assert seen[1][seen[1].index("-n") + 1] == "5"
    assert "-n" not in seen[2]
    for args, own in zip(seen[3:], (["-n", "2"], ["-n2"], ["--numprocesses=4"], ["--dist", "no"], ["-p", "no:xdist"]),
                         strict=True):
        assert args[-len(own):] == own and args.count("-n") == own.count("-n"), args


def test_run_refuses_no_workers_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--workers", "0"]) == pytest.ExitCode.USAGE_ERROR
    assert capsys.readouterr().err == (
        "argo-conformance run: --workers 0: give 1 or more (1 runs everything in this process)\n")


def test_run_sets_its_own_rootdir_and_configuration(pytester: pytest.Pytester) -> None:
    """Started from a folder with a pytest.ini and a conftest.py of someone else, `run` applies neither, names the
    packaged suites as its rootdir, and shows no assert-rewrite warning."""
    from pytest_argo_conformance.config.paths import suites_dir

    pytester.makeini("[pytest]\naddopts = --not-an-option-of-anyone\n")
    pytester.makeconftest("raise RuntimeError('a stray conftest.py was loaded')\n")
    result = pytester.run(script("argo-conformance"), "run", "--collect-only", "--workers", "1",
                          "--argo-topology=upstream-global", "-k", "test_smoke_workflow_succeeds")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines([f"cachedir: {pytester.path / '.pytest_cache'}", f"rootdir: {suites_dir()}",
                                 "configfile: *run.ini",
                                 "*test_smoke_workflow_succeeds[[]upstream-upstream-global[]]*"])
    assert "PytestAssertRewriteWarning" not in result.stdout.str() + result.stderr.str()


def test_run_with_kind_runs_the_topologies_one_after_another(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """kind's cluster is made and removed by one process: no -n for it, whether asked for or found (auto, Docker
    answers); an explicit --workers gets one line that says so."""
    from pytest_argo_conformance.providers import registry

    monkeypatch.setattr(registry, "docker_answers", lambda: True)
    seen = record_pytest_main(monkeypatch)
    assert cli.main(["run"]) == 0
    assert cli.main(["run", "--provider", "local"]) == 0
    assert cli.main(["run", "--argo-provider=kind", "--workers", "3"]) == 0
    assert "-n" not in seen[0] and "-n" in seen[1] and "-n" not in seen[2]
    assert capsys.readouterr().err == (
        "argo-conformance run: --workers 3: the kind provider runs the topologies one after another (one process "
        "makes and removes its cluster); running with 1\n")


def test_run_points_the_cache_at_the_current_folder_unless_it_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """With pytest's cache turned off (`-p no:cacheprovider`), `cache_dir` would be an unknown option: not given."""
    seen = record_pytest_main(monkeypatch)
    cli.main(["run"])
    cli.main(["run", "-p", "no:cacheprovider"])
    cli.main(["scale", "-p", "no:cacheprovider"])
    with_cache, without, scale_without = seen
    assert with_cache[with_cache.index("-o") + 1].startswith("cache_dir=")
    assert not any(arg.startswith("cache_dir=") for arg in without + scale_without)
