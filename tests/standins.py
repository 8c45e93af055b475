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
    name = "standin"

    def up(self):
        log("up")
        return ClusterInfo("standin", "standin", pathlib.Path("/dev/null"), created=True,
                           versions={"kubernetes": "v1.34.4-standin"})

    def load_image(self, image, archive=None):
        log("load", image)

    def down(self):
        log("down")


class StandinInstall:
    def __init__(self, build, topology):
        self.build, self.topology = build, topology
        self.namespace = f"wf-{build.name}-{topology.id}"
        log("install", build.name, topology.id)

    def uninstall(self):
        log("uninstall", self.build.name, self.topology.id)


def pytest_argo_make_provider(config, settings):
    return StandinProvider()


@pytest.fixture(scope="session")
def argo_artifact_repository():
    return "s3.standin:9000"


def pytest_argo_install(config, provider, cluster, build, topology):
    return StandinInstall(build, topology)
'''


def standin_session(pytester: pytest.Pytester) -> Path:
    """Write the stand-in conftest; returns the log file that records provider and install calls."""
    pytester.makeconftest(STANDIN_CONFTEST)
    return pytester.path / "standin.log"


def read_log(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
