"""First kill: stop a mutant's cell at the first check that tells it apart from the baseline.

Loaded by `argo-conformance mutants` (`-p pytest_argo_conformance.plugin.first_kill`) unless `--full-matrix` is
given, as mutation tools such as PIT stop at a mutant's first killing test. In each cell of a build built from
a patch:

- the checks of the patch's `# Area:` run first, then the others in their usual order;
- once a check failed or errored there (and did not fail on the baseline, when the baseline ran before in this
  process), the cell's remaining checks are skipped as "not run: <build> already told apart by <check>";
- a check that did not pass on the baseline is skipped in the mutants' cells (it can tell nothing apart).

The baseline's cell runs first and whole. Under xdist a worker does not see the baseline's results; the
detection matrix still judges every kill against the baseline afterwards.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import pytest

from pytest_argo_conformance.components.argo.build_refs import Source, patch_file
from pytest_argo_conformance.components.argo.mutants import area_of_patch
from pytest_argo_conformance.plugin.cells import target_of
from pytest_argo_conformance.plugin.registry import MARKER


@dataclass
class _State:
    baseline: dict[str, bool] = field(default_factory=dict)  # check -> passed on the baseline (this process)
    killed: dict[str, str] = field(default_factory=dict)  # build -> the check that told it apart


STATE_KEY = pytest.StashKey[_State]()


def _area(item: pytest.Item) -> str:
    marker = item.get_closest_marker(MARKER)
    return str(marker.kwargs.get("area", "")) if marker else ""


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STATE_KEY] = _State()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Baseline cells first; within a mutant's cell, the checks of its area first (a stable sort otherwise)."""
    areas: dict[str, str] = {}

    def key(pair: tuple[int, pytest.Item]) -> tuple[int, str, int, int]:
        index, item = pair
        target = target_of(item)
        if target is None:
            return (2, "", 0, index)
        build = target.build
        if build.name not in areas:
            patch = patch_file(build.ref) if build.source is Source.PATCHED else None
            areas[build.name] = area_of_patch(patch) if patch else ""
        area = areas[build.name]
        return (0 if build.baseline else 1, target.id, 0 if area and _area(item) == area else 1, index)

    ordered = [item for _, item in sorted(enumerate(items), key=key)]
    items[:] = ordered


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    target = target_of(item)
    if target is None or target.build.baseline:
        return
    state = item.config.stash[STATE_KEY]
    check = getattr(item, "originalname", item.name)
    killer = state.killed.get(target.build.name)
    if killer:
        pytest.skip(f"not run: {target.build.name} was already told apart from the baseline by {killer}")
    if state.baseline.get(check) is False:
        pytest.skip("not run: this check did not pass on the baseline, so it cannot tell a mutant apart")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                          pytest.TestReport]:
    report = yield
    target = target_of(item)
    if target is None or report.skipped:
        return report
    state = item.config.stash[STATE_KEY]
    check = getattr(item, "originalname", item.name)
    if target.build.baseline:
        state.baseline[check] = state.baseline.get(check, True) and report.passed
    elif report.failed and state.baseline.get(check, True):
        state.killed.setdefault(target.build.name, check)
    return report
