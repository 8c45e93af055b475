"""The checks of a cell run concurrently: while one check waits for its workflow, the workflows of the next checks of
the same cell are already running. They were submitted ahead, and each check takes its own when it submits the same
body; what it does with it (the waits, the assertions, the report) is unchanged.

Which workflows a check submits is read from its code: its first statement (after the docstring) submits a manifest
loaded by name and only waits for its end:

    wf = argo_workflows.run(argo_workflows.load("steps-artifacts"))
    wf = run_to_end(argo_workflows, argo_workflows.load("cf-retry-limit"))
    wf = argo_workflows.wait_finished(argo_workflows.submit(argo_workflows.load("io-enum")))
    name = argo_workflows.submit(argo_workflows.load("exit-handler"))   # followed at once by
    wf = argo_workflows.wait_phase(name, "Failed")                      # a wait for a final phase

A check that does anything first (a ConfigMap, a template, a cron workflow), that acts on its workflow while it
runs, or whose workflow deletes itself once ended (`ttlStrategy`), is never submitted ahead; neither is one marked
`argo_serial`. A serial check also keeps the cluster to itself:
before it starts, every workflow submitted ahead in its cell has ended, and nothing is submitted ahead past it. The
checks that measure concurrency, capacity or quota are serial (a busy node would hide a limit that does not hold).
A workflow submitted ahead for a check that then did not take it (it skipped, or submitted something else) is deleted
before the next check of the cell starts.
"""

from __future__ import annotations

import ast
import functools
import inspect
import logging
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_argo_conformance.plugin.cells import PROP_FIGURE_PREFIX, CellTarget, target_of

if TYPE_CHECKING:
    from pytest_argo_conformance.components.argo.installation import Installation
    from pytest_argo_conformance.components.argo.runner import Ahead

SERIAL_MARKER = "argo_serial"
RUNNER_FIXTURE = "argo_workflows"
FINAL_PHASES = ("Succeeded", "Failed", "Error")

log = logging.getLogger(__name__)


def is_serial(item: pytest.Item) -> bool:
    return item.get_closest_marker(SERIAL_MARKER) is not None


@functools.cache
def planned(function: Callable[..., Any]) -> tuple[str, ...]:
    """The manifests (by `load` name) that the check submits in its first statement and then only awaits; () when
    that cannot be read from its code."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return ()
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not defs:
        return ()
    body = list(defs[0].body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return ()
    first = _value(body[0])
    if first is None:
        return ()
    name = _run_to_end(first)
    if name is not None:
        return (name,)
    # `name = R.submit(R.load("x"))`, then at once `R.wait_finished(name)` or `R.wait_phase(name, FINAL)`
    submitted = _loaded(first.args[0]) if _is_method(first, "submit") and len(first.args) == 1 else None
    target = body[0].targets[0] if isinstance(body[0], ast.Assign) and len(body[0].targets) == 1 else None
    if submitted is None or not isinstance(target, ast.Name) or len(body) < 2:
        return ()
    then = _value(body[1])
    if then is not None and _final_wait(then) and isinstance(then.args[0], ast.Name) and then.args[0].id == target.id:
        return (submitted,)
    return ()


def _value(statement: ast.stmt) -> ast.Call | None:
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign | ast.Expr) else None
    return value if isinstance(value, ast.Call) else None


def _is_method(call: ast.Call, name: str) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == name


def _loaded(node: ast.expr) -> str | None:
    """"x" for `R.load("x")`."""
    if (isinstance(node, ast.Call) and _is_method(node, "load") and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def _final_wait(call: ast.Call) -> bool:
    if not call.args:
        return False
    if _is_method(call, "wait_finished"):
        return True
    if _is_method(call, "wait_phase") and len(call.args) >= 2:
        phase = call.args[1]
        return isinstance(phase, ast.Constant) and phase.value in FINAL_PHASES
    return False


def _run_to_end(call: ast.Call) -> str | None:
    """The manifest of `R.run(R.load("x"))`, `run_to_end(R, R.load("x"))` or `R.wait_*(R.submit(R.load("x")))`."""
    if _is_method(call, "run") and call.args:
        return _loaded(call.args[0])
    called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if called == "run_to_end" and len(call.args) >= 2:
        return _loaded(call.args[1])
    if _final_wait(call):
        inner = call.args[0]
        if isinstance(inner, ast.Call) and _is_method(inner, "submit") and len(inner.args) == 1:
            return _loaded(inner.args[0])
    return None


@dataclass
class Lookahead:
    """The workflows submitted ahead in this session, by check; `depth`: how many checks ahead."""

    depth: int
    pending: dict[str, list[Ahead]] = field(default_factory=dict)  # nodeid -> its workflows not taken yet
    in_cell: dict[str, list[str]] = field(default_factory=dict)  # cell id -> every workflow submitted ahead there
    position: dict[str, int] = field(default_factory=dict)  # nodeid -> index in the session's items

    def arrive(self, item: pytest.Item, installation: Installation) -> list[Ahead]:
        """`item` starts: delete what earlier checks did not take; if it is serial, wait until its cell's workflows
        submitted ahead have ended; else submit the next checks' workflows. Returns those submitted for `item`."""
        from pytest_argo_conformance.components.argo.runner import WorkflowRunner

        cell = target_of(item)
        if cell is None or installation.api is None:
            return []
        items = item.session.items
        if not self.position:
            self.position = {it.nodeid: i for i, it in enumerate(items)}
        here = self.position.get(item.nodeid)
        if here is None:
            return []
        runner = WorkflowRunner(installation)
        self._drop_untaken(runner, here)
        if is_serial(item):
            started = time.monotonic()
            if self._drain(runner, cell.id, item):
                item.user_properties.append((PROP_FIGURE_PREFIX + "lookahead.drain_seconds",
                                             round(time.monotonic() - started, 1)))
            return self.pending.pop(item.nodeid, [])
        if self.depth > 0:
            self._submit_next(installation, items, here, cell)
        return self.pending.pop(item.nodeid, [])

    def _drop_untaken(self, runner: Any, here: int) -> None:
        from kubernetes import client

        from pytest_argo_conformance.components.argo import workflows as wfapi

        for nodeid in [n for n in self.pending if self.position.get(n, here) < here]:
            for ahead in self.pending.pop(nodeid):
                log.info("workflow %s: submitted ahead for %s, which did not take it; deleting it", ahead.name, nodeid)
                try:
                    wfapi.custom(runner.api).delete_namespaced_custom_object(
                        wfapi.GROUP, wfapi.VERSION, runner.namespace, "workflows", ahead.name)
                except client.exceptions.ApiException as exc:
                    if exc.status != 404:
                        raise

    def _drain(self, runner: Any, cell: str, item: pytest.Item) -> bool:
        """Wait until the workflows submitted ahead in this cell have ended (or are gone); False: there were none."""
        from pytest_argo_conformance.components.argo import workflows as wfapi
        from pytest_argo_conformance.config.timeouts import LOOKAHEAD_DRAIN
        from pytest_argo_conformance.kube import watch_until

        names = set(self.in_cell.pop(cell, []))
        if not names:
            return False

        def running(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [w for w in found if w["metadata"]["name"] in names and not wfapi.finished(w)]

        watch_until(f"the {len(names)} workflows submitted ahead in {runner.namespace} to end before the serial "
                    f"check {item.name} starts", wfapi.custom(runner.api).list_namespaced_custom_object,
                    wfapi.GROUP, wfapi.VERSION, runner.namespace, "workflows", until=lambda found: not running(found),
                    timeout=LOOKAHEAD_DRAIN,
                    describe=lambda found: "still running: " + ", ".join(
                        f"{w['metadata']['name']}={wfapi.phase(w)}" for w in running(found)))
        return True

    def _submit_next(self, installation: Installation, items: list[pytest.Item], here: int,
                     cell: CellTarget) -> None:
        from pytest_argo_conformance.components.argo.runner import Ahead, WorkflowRunner, manifest_dirs_beside

        for upcoming in items[here + 1:here + 1 + self.depth]:
            if target_of(upcoming) != cell or is_serial(upcoming):
                return  # nothing ahead past another cell or a serial check
            function = getattr(upcoming, "function", None)
            names = planned(function) if function is not None and RUNNER_FIXTURE in getattr(
                upcoming, "fixturenames", ()) else ()
            if upcoming.nodeid in self.pending or not names or upcoming.get_closest_marker("skip"):
                continue
            runner = WorkflowRunner(installation)
            runner.manifest_dirs = manifest_dirs_beside(Path(upcoming.path))
            submitted = self.pending.setdefault(upcoming.nodeid, [])
            for manifest in names:
                try:
                    body = runner.prepared(runner.load(manifest))
                    if body["spec"].get("ttlStrategy"):
                        continue  # it deletes itself once ended: its check must be there to see it end
                    name = runner.create(body)
                except Exception as exc:  # noqa: BLE001 - the check submits it itself and reports what happens
                    log.info("%s: %s not submitted ahead: %s", upcoming.nodeid, manifest, exc)
                    continue
                log.info("workflow %s: submitted ahead for %s in %s", name, upcoming.name, runner.namespace)
                submitted.append(Ahead(body, name))
                self.in_cell.setdefault(cell.id, []).append(name)
