"""Stand-ins that let whole pytester sessions run without a cluster, registered through our own hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

STANDIN_CONFTEST = '''
import pathlib
import pytest
from pytest_argo_conformance.providers.base import ClusterInfo

LOG = pathlib.Path(__file__).parent / "standin.log"


def log(*parts):
    with LOG.open("a") as fh:
        fh.write(" ".join(parts) + "\\n")


class StandinProvider:
    """A stand-in provider (no cluster): records its calls."""

    name = "standin"
    capabilities = frozenset()

    def up(self):
        log("up")
        return ClusterInfo("standin", "standin", pathlib.Path("/dev/null"), created=True,
                           versions={"kubernetes": "v1.34.4-standin"})

    def load_image(self, image, archive=None):
        log("load", image)

    def missing_images(self, names):
        return []

    def down(self):
        log("down")


class StandinInstall:
    """A stand-in installation (nothing installed): satisfies the Installation contract and records its calls."""

    workflow_service_account = "default"
    api = None
    server = None

    def __init__(self, cluster, build, topology):
        self.cluster, self.build, self.topology = cluster, build, topology
        self.namespace = f"wf-{build.name}-{topology.id}"
        log("install", build.name, topology.id)

    def core(self):
        raise RuntimeError("the stand-in installation has no cluster")

    def controller_log(self, tail=80):
        return "(stand-in: no controller)"

    def uninstall(self):
        log("uninstall", self.build.name, self.topology.id)


def pytest_argo_make_provider(config, settings):
    return StandinProvider()


@pytest.fixture(scope="session")
def argo_artifact_repository():
    return "s3.standin:9000"


def pytest_argo_install(config, provider, cluster, build, topology):
    return StandinInstall(cluster, build, topology)
'''


def standin_session(pytester: pytest.Pytester) -> Path:
    """Write the stand-in conftest; returns the log file that records provider and install calls."""
    pytester.makeconftest(STANDIN_CONFTEST)
    return pytester.path / "standin.log"


ACME = "--argo-controller=acme=quay.io/acme/workflow-controller:v3.5.6-acme"


def matrix_session(pytester: pytest.Pytester, checks: dict[str, str], *args: str) -> pytest.RunResult:
    """A stand-in session of `checks` (module name -> source) for the baseline and the `acme` build, with its
    matrix in ./report and JUnit XML in ./junit.xml; `args` adds pytest arguments (topologies, labels...)."""
    standin_session(pytester)
    pytester.makepyfile(**checks)
    return pytester.runpytest(ACME, "--argo-report-dir=report", "--junitxml=junit.xml", *args)


def read_log(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
