"""`argo-conformance scale` and the scale lane's place among the suites: what it gives pytest, and that the lane's
checks are collected only when it is asked for."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.command import main as cli
from pytest_argo_conformance.config.paths import suites_dir
from pytest_main import record_pytest_main


def _value(args: list[str], option: str) -> str:
    return args[args.index(option) + 1]


def test_scale_runs_the_scale_suite_on_one_controller_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = record_pytest_main(monkeypatch)
    assert cli.main(["scale", "--provider", "local", "--argo-controller", "slow=v3.7.18+patch:slow-reconcile"]) == 0
    (args,) = seen
    assert args[0] == str(suites_dir() / "test_scale.py")
    assert _value(args, "--argo-provider") == "local"
    assert _value(args, "--argo-topology") == "upstream-global"
    assert _value(args, "--argo-scale-workflows") == "1000"
    assert _value(args, "--argo-scale-pods") == "2"
    assert _value(args, "--argo-scale-tolerance") == "30"
    assert "-n" not in args  # the builds one after another, never side by side
    assert args[-2:] == ["--argo-controller", "slow=v3.7.18+patch:slow-reconcile"]


def test_scale_settings_and_the_users_own_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = record_pytest_main(monkeypatch)
    cli.main(["scale", "--workflows", "50", "--pod-seconds", "1.5", "--argo-scale-nodes=7",
              "--argo-topology", "native-namespaced"])
    (args,) = seen
    assert _value(args, "--argo-scale-workflows") == "50"
    assert _value(args, "--argo-scale-pod-seconds") == "1.5"
    assert "--argo-scale-nodes" not in args and "--argo-scale-nodes=7" in args  # given in pytest's spelling
    assert args.count("--argo-topology") == 1 and _value(args, "--argo-topology") == "native-namespaced"


def test_scale_checks_are_collected_only_when_asked_for(pytester: pytest.Pytester) -> None:
    suite = str(suites_dir() / "test_scale.py")
    common = ["-p", "argo_conformance", "--argo-provider", "local", "--argo-topology", "upstream-global",
              "--collect-only", "-q", "-p", "no:cacheprovider"]
    result = pytester.runpytest(suite, *common)
    result.stdout.fnmatch_lines(["*1 checks deselected (the scale lane; run it with argo-conformance scale*",
                                 "*1 deselected*"])
    result = pytester.runpytest(suite, *common, "--argo-scale-workflows", "10")
    result.stdout.fnmatch_lines(["*test_scale_throughput*upstream-upstream-global*", "*1 test collected*"])
