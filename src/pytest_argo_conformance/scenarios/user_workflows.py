"""The user-workflows scenario's plugin: `--argo-workflows` manifests, each a check for every build and topology
(the `argo_user_workflow` parameter of suites/test_your_workflows.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_argo_conformance.components.argo.runner import pin_images
from pytest_argo_conformance.components.workflow_images import images_of
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY
from pytest_argo_conformance.scenarios import images

SKIP_LABEL = "argo-conformance/skip"
USER_WORKFLOW_FIXTURE = "argo_user_workflow"
FOUND_KEY = pytest.StashKey[tuple[list["UserWorkflow"], list[str]]]()  # (workflows, left-out lines)


@pytest.hookimpl(tryfirst=True)  # before the cell's parametrization: ids read workflow-build-topology
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if USER_WORKFLOW_FIXTURE not in metafunc.fixturenames:
        return
    found, _ = metafunc.config.stash.get(FOUND_KEY, ([], []))
    parametrize_found(metafunc, USER_WORKFLOW_FIXTURE, found,
                      "no workflows of your own given (--argo-workflows PATH_OR_GLOB)")


def parametrize_found(metafunc: pytest.Metafunc, fixture: str, found: Sequence[Any], none_reason: str) -> None:
    """One parameter per workflow found (its `id`), or a single skipped `none` that says why there is none."""
    if found:
        metafunc.parametrize(fixture, found, ids=[w.id for w in found])
    else:
        metafunc.parametrize(fixture, [pytest.param(None, marks=pytest.mark.skip(reason=none_reason), id="none")])


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
        return images_of(self.manifest)


def discover(paths: tuple[Path, ...]) -> tuple[list[UserWorkflow], list[str]]:
    """Every `kind: Workflow` document in the given files, short image names pinned; and, one line each, what was
    left out and why: a document that is not a Workflow, a file that is not valid YAML or cannot be read, a
    Workflow without a name. The other workflows still run."""
    found: list[UserWorkflow] = []
    left_out: list[str] = []
    for path in paths:
        try:
            with path.open(encoding="utf-8") as fh:
                docs = list(yaml.safe_load_all(fh))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            left_out.append(f"{where}: not valid YAML ({exc.problem}); fix the file")
            continue
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            left_out.append(f"{path}: cannot be read ({exc}); give a YAML file")
            continue
        index = 0
        for number, doc in enumerate(docs, start=1):
            if doc is None:
                continue  # an empty document (a trailing ---)
            kind = doc.get("kind") if isinstance(doc, dict) else None
            if kind != "Workflow":
                what = f"a {kind}" if kind else f"a {type(doc).__name__} without a kind"
                left_out.append(f"{path} document {number}: {what}, not a Workflow")
                continue
            if not isinstance(doc.get("metadata"), dict) or not (doc["metadata"].get("name")
                                                                  or doc["metadata"].get("generateName")):
                left_out.append(f"{path} document {number}: a Workflow needs metadata with a name or generateName")
                continue
            pin_images(doc)
            found.append(UserWorkflow(path, index, doc))
            index += 1
    return found, left_out


@pytest.hookimpl(trylast=True)  # after the plugin's own configure has parsed the options
def pytest_configure(config: pytest.Config) -> None:
    """Read the given manifests once, before collection; what cannot be run is one report line each."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.user_workflows:
        return
    config.stash[FOUND_KEY] = discover(settings.user_workflows)
    images.note_workflow_images(config, [i for w in config.stash[FOUND_KEY][0] for i in w.images()])


def pytest_report_header(config: pytest.Config) -> list[str]:
    _, left_out = config.stash.get(FOUND_KEY, ([], []))
    return [f"argo-conformance: --argo-workflows left out {line}" for line in left_out]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    _, left_out = config.stash.get(FOUND_KEY, ([], []))
    if left_out:
        terminalreporter.section("argo-conformance: workflows left out")
        for line in left_out:
            terminalreporter.line(line)


def pytest_argo_check_axes(item: pytest.Item) -> list[str]:
    """Each of your workflows is its own check in the matrix: `test_your_workflow_succeeds[hello]`."""
    callspec = getattr(item, "callspec", None)
    workflow = callspec.params.get(USER_WORKFLOW_FIXTURE) if callspec else None
    return [workflow.id] if isinstance(workflow, UserWorkflow) else []
