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
FOUND_KEY = pytest.StashKey[tuple[list["UserWorkflow"], list[str]]]()


@pytest.hookimpl(tryfirst=True)  # before the cell's parametrization: ids read workflow-build-topology
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if USER_WORKFLOW_FIXTURE not in metafunc.fixturenames:
        return
    found, _ = metafunc.config.stash.get(FOUND_KEY, ([], []))
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


class ManifestError(ValueError):
    """A given manifest cannot be read as Workflows; the message is one line that names the file and the fix."""


def discover(paths: tuple[Path, ...]) -> tuple[list[UserWorkflow], list[str]]:
    """Every `kind: Workflow` document in the given files, short image names pinned; and, one line each, the
    documents left out because they are not Workflows. Unreadable YAML or a Workflow without usable metadata
    raises ManifestError."""
    found: list[UserWorkflow] = []
    left_out: list[str] = []
    for path in paths:
        try:
            with path.open(encoding="utf-8") as fh:
                docs = list(yaml.safe_load_all(fh))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            raise ManifestError(f"--argo-workflows {where}: not valid YAML ({exc.problem}); fix the file") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ManifestError(f"--argo-workflows {path}: cannot be read ({exc}); give a YAML file") from None
        index = 0
        for number, doc in enumerate(docs, start=1):
            if doc is None:
                continue  # an empty document (a trailing ---)
            kind = doc.get("kind") if isinstance(doc, dict) else None
            if kind != "Workflow":
                what = f"a {kind}" if kind else f"a {type(doc).__name__} without a kind"
                left_out.append(f"{path.name} document {number}: {what}, not a Workflow")
                continue
            if not isinstance(doc.get("metadata"), dict) or not (doc["metadata"].get("name")
                                                                  or doc["metadata"].get("generateName")):
                raise ManifestError(f"--argo-workflows {path} document {number}: a Workflow needs metadata with a "
                                    "name or generateName")
            pin_images(doc)
            found.append(UserWorkflow(path, index, doc))
            index += 1
    return found, left_out


@pytest.hookimpl(trylast=True)  # after the plugin's own configure has parsed the options
def pytest_configure(config: pytest.Config) -> None:
    """Read the given manifests once, before collection: bad input is one `ERROR:` line that names the file."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.user_workflows:
        return
    try:
        config.stash[FOUND_KEY] = discover(settings.user_workflows)
    except ManifestError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    _, left_out = config.stash.get(FOUND_KEY, ([], []))
    return [f"argo-conformance: --argo-workflows left out {line}" for line in left_out]
