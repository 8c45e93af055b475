"""The user-workflows scenario's plugin: `--argo-workflows` manifests, each a check for every build and topology
(the `argo_user_workflow` parameter of suites/test_your_workflows.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_argo_conformance.components.argo.runner import pin_images
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY

SKIP_LABEL = "argo-conformance/skip"
USER_WORKFLOW_FIXTURE = "argo_user_workflow"


@pytest.hookimpl(tryfirst=True)  # before the cell's parametrization: ids read workflow-build-topology
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if USER_WORKFLOW_FIXTURE not in metafunc.fixturenames:
        return
    found = discover(metafunc.config.stash[SETTINGS_KEY].user_workflows)
    if found:
        metafunc.parametrize(USER_WORKFLOW_FIXTURE, found, ids=[w.id for w in found])
    else:
        skip = pytest.mark.skip(reason="no workflows of your own given (--argo-workflows PATH_OR_GLOB)")
        metafunc.parametrize(USER_WORKFLOW_FIXTURE, [pytest.param(None, marks=skip, id="none")])


@dataclass(frozen=True)
class UserWorkflow:
    path: Path
    index: int
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return self.path.stem + (f"-{self.index}" if self.index else "")

    @property
    def skip_reason(self) -> str | None:
        labels = self.manifest.get("metadata", {}).get("labels") or {}
        return f"labelled {SKIP_LABEL}={labels[SKIP_LABEL]}" if SKIP_LABEL in labels else None

    def images(self) -> list[str]:
        found: list[str] = []
        for template in self.manifest.get("spec", {}).get("templates", []) or []:
            for key in ("container", "script"):
                image = (template.get(key) or {}).get("image")
                if image and image not in found:
                    found.append(image)
            for container in (template.get("containerSet") or {}).get("containers", []) or []:
                if container.get("image") and container["image"] not in found:
                    found.append(container["image"])
        return found


def discover(paths: tuple[Path, ...]) -> list[UserWorkflow]:
    """Every `kind: Workflow` document in the given files, short image names pinned."""
    found = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            docs = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict) and d.get("kind") == "Workflow"]
        for index, doc in enumerate(docs):
            pin_images(doc)
            found.append(UserWorkflow(path, index, doc))
    return found
