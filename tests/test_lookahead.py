"""Which workflows a check's code lets the plugin submit ahead (plugin/lookahead.py), and the option that sets how far
ahead. Submitting ahead on the real cluster: tests/e2e/test_lookahead.py."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from pytest_argo_conformance.plugin.lookahead import planned

R: Any = None  # the checks below are only read, never run
run_to_end: Any = None
config_map: Any = None


def run_first(argo_workflows: Any) -> None:
    """A docstring first."""
    wf = argo_workflows.run(argo_workflows.load("steps-artifacts"), timeout=300)
    assert wf


def helper_run_to_end(argo_workflows: Any) -> None:
    wf = run_to_end(argo_workflows, argo_workflows.load("cf-retry-limit"))
    assert wf


def nested_wait(argo_workflows: Any) -> None:
    wf = argo_workflows.wait_finished(argo_workflows.submit(argo_workflows.load("io-enum")), timeout=90)
    assert wf


def submit_then_final_wait(argo_workflows: Any) -> None:
    name = argo_workflows.submit(argo_workflows.load("exit-handler"))
    wf = argo_workflows.wait_phase(name, "Failed")
    assert wf


def submit_then_waits_for_running(argo_workflows: Any) -> None:
    name = argo_workflows.submit(argo_workflows.load("suspend"))
    argo_workflows.wait_phase(name, "Running")
    argo_workflows.resume(name)


def submit_then_acts(argo_workflows: Any) -> None:
    name = argo_workflows.submit(argo_workflows.load("pods-terminate"))
    argo_workflows.terminate(name)


def waits_for_another_name(argo_workflows: Any) -> None:
    name = argo_workflows.submit(argo_workflows.load("hello"))
    argo_workflows.wait_finished(R)
    assert name


def something_first(argo_workflows: Any) -> None:
    argo_workflows.create_template(argo_workflows.load("template-greeting"))
    argo_workflows.run(argo_workflows.load("from-template"))


def inside_a_block(argo_workflows: Any) -> None:
    with config_map(argo_workflows, "ref-semaphore", {"limit": "2"}):
        argo_workflows.run(argo_workflows.load("ref-semaphore"))


def changed_before_submitting(argo_workflows: Any) -> None:
    argo_workflows.run(R(argo_workflows.load("kueue-steps")))


def name_not_literal(argo_workflows: Any, manifest: str = "hello") -> None:
    argo_workflows.run(argo_workflows.load(manifest))


@pytest.mark.parametrize(("check", "expected"), [
    (run_first, ("steps-artifacts",)),
    (helper_run_to_end, ("cf-retry-limit",)),
    (nested_wait, ("io-enum",)),
    (submit_then_final_wait, ("exit-handler",)),
    (submit_then_waits_for_running, ()),
    (submit_then_acts, ()),
    (waits_for_another_name, ()),
    (something_first, ()),
    (inside_a_block, ()),
    (changed_before_submitting, ()),
    (name_not_literal, ()),
], ids=lambda value: getattr(value, "__name__", None) or str(value))
def test_only_a_first_statement_that_submits_a_loaded_manifest_and_awaits_its_end_is_submitted_ahead(
    check: Any, expected: tuple[str, ...]
) -> None:
    assert planned(check) == expected


def test_the_packaged_checks_that_are_submitted_ahead_are_not_serial_and_the_limits_are() -> None:
    """The checks that measure concurrency, capacity or quota are serial; a sample of plain ones is planned."""
    import importlib.util
    import inspect

    from pytest_argo_conformance.config.paths import suites_dir

    planned_checks: set[str] = set()
    serial: set[str] = set()
    for path in sorted(suites_dir().glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"_suite_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        with warnings.catch_warnings():  # this session has not enabled the plugin: its markers are unknown here
            warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
            spec.loader.exec_module(module)
        module_serial = getattr(module, "pytestmark", None) is not None
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or function.__module__ != module.__name__:
                continue
            marks = {m.name for m in getattr(function, "pytestmark", [])}
            if module_serial or "argo_serial" in marks:
                serial.add(name)
            elif planned(function):
                planned_checks.add(name)
    assert {"test_dag_fanout", "test_semaphore_limit", "test_workflow_parallelism_exact_limit",
            "test_template_parallelism_exact_limit", "test_controller_footprint",
            "test_two_controllers_on_the_same_workflows", "test_kueue_quota_queues_second_workflow",
            "test_gpu_fanout_bounded_by_capacity"} <= serial
    assert {"test_steps_artifacts", "test_smoke_workflow_succeeds", "test_retry_limit_caps_attempts",
            "test_exit_handler_sees_status"} <= planned_checks
    assert len(planned_checks) >= 25, sorted(planned_checks)


@pytest.mark.parametrize("value", ["-1", "four", "2.5"])
def test_a_bad_lookahead_is_one_line(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "argo_conformance", f"--argo-lookahead={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --argo-lookahead '{value}': give a number of checks (0 or more; 0 runs the "
                                 "checks of a cell one after another)"])


def test_a_cells_serial_checks_run_after_its_others(pytester: pytest.Pytester) -> None:
    """Within each cell the serial checks go last, so that the others' workflows run ahead without a break; the
    cells stay together."""
    from standins import standin_session

    standin_session(pytester)
    pytester.makepyfile(test_order="""
        import pytest

        def test_a(argo): pass

        @pytest.mark.argo_serial("measures concurrency")
        def test_b(argo): pass

        def test_c(argo): pass
    """)
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider",
                                "--argo-topology=upstream-global,native-namespaced")
    assert [line for line in result.stdout.lines if "::" in line] == [
        f"test_order.py::test_{name}[upstream-{topology}]"
        for topology in ("upstream-global", "native-namespaced") for name in "acb"]
