"""Argo's own examples as a lane: `--argo-workflows upstream-examples` makes each Workflow in the `examples/` of a
build line's Argo module one check (`test_upstream_example[<file>]`), run as given on every build and topology.

A build runs the examples of the upstream release it is judged against (its own line's, else the baseline's:
components/argo/lines.py). Which examples run is a rule with a list (suites/examples/exclusions.yaml): an example
runs when it is a Workflow, every image it names is present or aliased, and it is not excluded there; an
excluded one is a skip that says why. What an example needs that is cheap to make (a ConfigMap, a
WorkflowTemplate another example file defines) is listed there under `needs` and made for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_argo_conformance.components.argo.build import UPSTREAM_MODULE
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.lines import line_of_version, reference
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY
from pytest_argo_conformance.scenarios import images
from pytest_argo_conformance.scenarios.user_workflows import UserWorkflow, discover, parametrize_found
from pytest_argo_conformance.toolchain.gobuild import BuildError, module_dir

EXAMPLE_FIXTURE = "argo_upstream_example"
EXCLUSIONS = "examples/exclusions.yaml"  # under the packaged suites
FOUND_KEY = pytest.StashKey[tuple[list["Example"], list[str]]]()  # (examples, left-out lines)


@dataclass(frozen=True)
class Example:
    """One example Workflow, by its path under examples/ (and its index in a file of several), in each release's
    own version of the file."""

    relpath: str  # hello-world.yaml, cluster-workflow-template/cluster-wftmpl-dag.yaml
    index: int
    variants: dict[str, UserWorkflow] = field(compare=False)  # release (v3.7.18) -> that release's workflow
    excluded: str | None = None
    needs: tuple[str, ...] = ()  # other example files (paths under examples/) that define what it needs

    @property
    def id(self) -> str:
        return self.relpath + (f"-{self.index}" if self.index else "")

    def for_build(self, build: ControllerBuild) -> tuple[str, UserWorkflow | None]:
        release = reference(build).release
        return release, self.variants.get(release)


def examples_dir(release: str) -> Path:
    """`examples/` of `release`'s Argo module (from Go's module cache; downloaded through the proxy if needed)."""
    line = line_of_version(release)
    major = line.major if line is not None else 3
    return module_dir(f"{UPSTREAM_MODULE}/v{major}", release, f"examples of {release}") / "examples"


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    with open(suites_dir() / EXCLUSIONS, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {"exclusions": data.get("exclusions") or {}, "needs": data.get("needs") or {}}


def collect(releases: list[str]) -> tuple[list[Example], list[str]]:
    """The examples of each release, merged by path; and the lines of what was left out (not Workflows, ...)."""
    by_key: dict[tuple[str, int], dict[str, UserWorkflow]] = {}
    left_out: list[str] = []
    for release in releases:
        root = examples_dir(release)
        files = tuple(sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        found, skipped = discover(files)
        left_out += [f"{release} {line.replace(str(root) + '/', '')}" for line in skipped
                     if "not a Workflow" not in line]  # templates, crons ... are not examples to run
        for workflow in found:
            by_key.setdefault((workflow.path.relative_to(root).as_posix(), workflow.index), {})[release] = workflow
    exclusions, needs = rules()["exclusions"], rules()["needs"]
    examples = [Example(rel, index, variants, exclusions.get(rel), tuple(needs.get(rel) or ()))
                for (rel, index), variants in sorted(by_key.items())]
    return examples, left_out


def releases_of(builds: tuple[ControllerBuild, ...]) -> list[str]:
    """The releases whose examples the session's builds run: each build's reference release, baseline first."""
    return list(dict.fromkeys([version("argo-workflows")] + [reference(b).release for b in builds]))


@pytest.hookimpl(trylast=True)  # after the plugin's own configure has parsed the options
def pytest_configure(config: pytest.Config) -> None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.upstream_examples:
        return
    try:
        found = collect(releases_of(settings.builds))
    except (BuildError, OSError, yaml.YAMLError) as exc:
        raise pytest.UsageError(f"--argo-workflows upstream-examples: the examples cannot be read: {exc}") from None
    config.stash[FOUND_KEY] = found
    images.note_workflow_images(config, [i for e in found[0] for w in e.variants.values() for i in w.images()])


@pytest.hookimpl(tryfirst=True)  # before the cell's parametrization: ids read example-build-topology
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if EXAMPLE_FIXTURE not in metafunc.fixturenames:
        return
    found, _ = metafunc.config.stash.get(FOUND_KEY, ([], []))
    parametrize_found(metafunc, EXAMPLE_FIXTURE, found,
                      "Argo's examples are not asked for (--argo-workflows upstream-examples)")


def pytest_argo_check_axes(item: pytest.Item) -> list[str]:
    """Each example is its own check in the matrix, named by its file: `test_upstream_example[hello-world.yaml]`."""
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get(EXAMPLE_FIXTURE) if callspec else None
    return [example.id] if isinstance(example, Example) else []


def pytest_report_header(config: pytest.Config) -> list[str]:
    found, left_out = config.stash.get(FOUND_KEY, ([], []))
    if not found:
        return []
    excluded = sum(1 for e in found if e.excluded)
    lines = [f"argo-conformance: upstream examples: {len(found)} Workflows, {excluded} excluded ({EXCLUSIONS})"]
    return lines + [f"argo-conformance: upstream examples left out {line}" for line in left_out]
