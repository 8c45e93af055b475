"""Tests in suites are parametrized over build x topology with ids a user can type after -k."""

from __future__ import annotations

import pytest

from standins import read_log, standin_session

SUITE = """
def test_steps_artifacts(argo): pass
def test_dag_fanout(argo): pass
def test_not_a_cell(): pass
"""
ACME = "--argo-controller=acme=quay.io/acme/workflow-controller:v3.5.6-acme"


def test_ids_are_build_dash_topology(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=SUITE)
    result = pytester.runpytest("--collect-only", "-q", ACME, "--argo-topology=upstream-global,dropin-global")
    result.stdout.fnmatch_lines(
        [
            # grouped by cell, so that each cell is installed once
            "test_poc.py::test_steps_artifacts[[]upstream-upstream-global[]]",
            "test_poc.py::test_dag_fanout[[]upstream-upstream-global[]]",
            "test_poc.py::test_steps_artifacts[[]upstream-dropin-global[]]",
            "test_poc.py::test_dag_fanout[[]upstream-dropin-global[]]",
            "test_poc.py::test_steps_artifacts[[]acme-upstream-global[]]",
            "test_poc.py::test_dag_fanout[[]acme-upstream-global[]]",
            "test_poc.py::test_steps_artifacts[[]acme-dropin-global[]]",
            "test_poc.py::test_dag_fanout[[]acme-dropin-global[]]",
            "test_poc.py::test_not_a_cell",
            "9 tests collected*",
        ]
    )


def test_all_five_topologies_by_default(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile("def test_smoke(argo): pass")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "*test_smoke[[]upstream-upstream-global[]]",
            "*test_smoke[[]upstream-native-namespaced[]]",
            "*test_smoke[[]upstream-dropin-global[]]",
            "*test_smoke[[]upstream-namespaced-copy[]]",
            "*test_smoke[[]upstream-dsp-managed[]]",
            "5 tests collected*",
        ]
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("dropin", ["upstream-dropin-global", "acme-dropin-global"]),
        ("acme", ["acme-upstream-global", "acme-dropin-global"]),
        ("acme and dropin and dag", ["acme-dropin-global"]),
    ],
)
def test_k_selects_what_a_user_means(pytester: pytest.Pytester, expr: str, expected: list[str]) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_poc=SUITE)
    result = pytester.runpytest(
        "--collect-only", "-q", ACME, "--argo-topology=upstream-global,dropin-global", "-k", expr
    )
    ids = [line.split("[")[1].rstrip("]") for line in result.outlines if line.startswith("test_poc.py::")]
    if "dag" in expr:
        assert ids == expected
    else:
        assert sorted(set(ids)) == sorted(expected) and len(ids) == 2 * len(expected)


def test_one_install_per_cell_shared_by_its_tests(pytester: pytest.Pytester) -> None:
    log = standin_session(pytester)
    pytester.makepyfile(test_poc=SUITE)
    result = pytester.runpytest("-p", "no:randomly", ACME, "--argo-topology=upstream-global,dropin-global")
    result.assert_outcomes(passed=9)
    lines = read_log(log)
    assert lines[0] == "up" and lines[-1] == "down"
    installs = [line for line in lines if line.startswith("install")]
    assert sorted(installs) == sorted(
        f"install {b} {t}" for b in ("upstream", "acme") for t in ("upstream-global", "dropin-global")
    )
    # one installation at a time: every install is uninstalled before the next one
    body = lines[1:-1]
    for i in range(0, len(body), 2):
        assert body[i].startswith("install ") and body[i + 1] == "un" + body[i]


def test_cluster_failure_errors_each_cell_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
from pytest_argo_conformance.providers.base import ProviderError
class Broken:
    name = "broken"
    def up(self): raise ProviderError("containerd is not installed: run argo-conformance cluster deps")
    def load_image(self, image, archive=None): pass
    def down(self): pass
def pytest_argo_make_provider(config, settings): return Broken()
"""
    )
    pytester.makepyfile("def test_smoke(argo): pass")
    result = pytester.runpytest("--argo-topology=upstream-global")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cluster (broken): containerd is not installed: run argo-conformance cluster deps*"])
