"""Issue 12: a vendor's own repository (tests/examples/vendor_repo) adds a check with its own manifest and a
topology of its own through the hooks; `argo-conformance run --suites` runs it beside the packaged suites and the
matrix holds both. Here with stand-ins (no cluster); tests/e2e/test_vendor_extension.py runs it on the local cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scripts import script
from standins import STANDIN_CONFTEST

EXAMPLE = Path(__file__).parent / "examples" / "vendor_repo"

# A stand-in for the workflow runner's cluster side (named as such): every workflow "succeeds" with one pod.
# Loading manifests is the real runner's, so the vendor manifest is found beside the vendor's check.
STANDIN_RUNNER = '''

from pytest_argo_conformance.api import WorkflowRunner


class StandinRunner(WorkflowRunner):
    def run(self, manifest, timeout=0):
        log("run", manifest["metadata"]["generateName"])
        return {"metadata": manifest["metadata"],
                "status": {"phase": "Succeeded", "nodes": {"n": {"type": "Pod", "phase": "Succeeded"}}}}


@pytest.fixture
def argo_workflows(argo, request):
    from pytest_argo_conformance.components.argo.runner import manifest_dirs_beside

    runner = StandinRunner(argo)
    runner.manifest_dirs = manifest_dirs_beside(request.path)
    return runner
'''


@pytest.fixture
def vendor_repo(pytester: pytest.Pytester) -> Path:
    """The example vendor repository in `acme/`, under a folder whose conftest holds the stand-ins."""
    repo = pytester.path / "acme"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    pytester.makeconftest(STANDIN_CONFTEST + STANDIN_RUNNER)
    return repo


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    report = pytester.path / "report"
    result = pytester.run(script("argo-conformance"), "run", *args, f"--argo-report-dir={report}", "-p",
                          "no:cacheprovider")
    matrix = json.loads((report / "matrix.json").read_text()) if (report / "matrix.json").is_file() else {}
    return result, matrix


def test_vendor_check_and_topology_run_beside_the_packaged_suites(pytester: pytest.Pytester, vendor_repo: Path) -> None:
    result, matrix = run(pytester, "--suites", str(vendor_repo), "--argo-topology=upstream-global,acme-operator",
                         "-k", "acme_hello or smoke_workflow")
    assert result.ret == 0, result.stdout.str()[-3000:]
    cells = {(c["topology"], c["check"]): c["outcome"] for c in matrix["cells"]}
    assert cells == {
        ("upstream-global", "test_smoke_workflow_succeeds"): "passed",  # packaged
        ("acme-operator", "test_smoke_workflow_succeeds"): "passed",
        ("upstream-global", "test_acme_hello_workflow"): "passed",  # the vendor's
        ("acme-operator", "test_acme_hello_workflow"): "passed",
    }
    suites = {c["check"]: c["suite"] for c in matrix["cells"]}
    assert suites == {"test_smoke_workflow_succeeds": "controllers", "test_acme_hello_workflow": "acme"}
    # the vendor's install asked for the native-namespaced shape; the suite's topology stays Acme's in the matrix
    log = (pytester.path / "standin.log").read_text().splitlines()
    assert "install upstream native-namespaced" in log
    assert log.count("run acme-hello-") == 2


def test_the_vendor_topology_is_listed_and_selectable(pytester: pytest.Pytester, vendor_repo: Path) -> None:
    result, _ = run(pytester, "--suites", str(vendor_repo), "--argo-topology=acme-operator", "--collect-only", "-q",
                    "-k", "acme_hello")
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["*test_acme.py::test_acme_hello_workflow[[]upstream-acme-operator[]]"])


def test_without_the_vendor_conftest_the_topology_is_unknown(pytester: pytest.Pytester) -> None:
    result, _ = run(pytester, "--argo-topology=acme-operator", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --argo-topology 'acme-operator': unknown topology; choose from upstream-global*"])


def test_a_topology_without_an_installer_fails_its_cells_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(STANDIN_CONFTEST.replace(
        "def pytest_argo_install(config, provider, cluster, build, topology):\n"
        "    return StandinInstall(cluster, build, topology)",
        "def pytest_argo_install(config, provider, cluster, build, topology):\n    return None",
    ) + '''
from pytest_argo_conformance.api import Topology

def pytest_argo_topologies(config):
    return [Topology("orphan", "nobody installs it", namespaced=True, replaces_global=True)]
''')
    pytester.makepyfile(test_x="def test_x(argo):\n    pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=orphan")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*topology orphan is not one the suite installs, and no pytest_argo_install "
                                 "implementation returned an installation for it*"])


def test_an_install_that_breaks_the_contract_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(STANDIN_CONFTEST.replace("return StandinInstall(cluster, build, topology)",
                                                   "return object()"))
    pytester.makepyfile(test_x="def test_x(argo):\n    pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pytest_argo_install returned object for upstream-upstream-global, which is not an "
                                 "Installation (lacks cluster, topology, build, namespace*"])


def test_argo_suites_and_the_suite_paths_hook_collect_folders(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(STANDIN_CONFTEST + '''
import pathlib

def pytest_argo_suite_paths(config):
    return [pathlib.Path(__file__).parent / "more"]
''')
    pytester.mkdir("more").joinpath("test_more.py").write_text("def test_more(argo):\n    pass\n")
    pytester.mkdir("mine").joinpath("test_mine.py").write_text("def test_mine(argo):\n    pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-suites=mine", "--argo-topology=upstream-global",
                                "--collect-only", "-q", "mine", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["mine/test_mine.py::test_mine*", "more/test_more.py::test_more*"])
    result = pytester.runpytest("-p", "argo_conformance", "--argo-suites=nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --argo-suites 'nowhere': no such folder or file; give a folder of checks"])
