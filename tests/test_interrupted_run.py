"""SIGTERM (what CI sends on cancel) ends a run as Ctrl-C does: fixtures are torn down (the stand-in records the
uninstall and the provider's down) and the matrix is written, with the check under way marked as interrupted and
the checks not run as skipped for that reason. The real-cluster version is tests/e2e/test_signals.py."""

from __future__ import annotations

import json

import pytest

from standins import read_log, standin_session

CHECKS = """
import os, signal

def test_first(argo): pass

def test_terminated(argo):
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10**6):
        pass

def test_never_reached(argo): pass
"""


def test_sigterm_tears_down_and_writes_the_matrix(pytester: pytest.Pytester) -> None:
    log = standin_session(pytester)
    pytester.makepyfile(test_poc=CHECKS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--argo-topology=upstream-global",
                                           "--argo-report-dir=report")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert read_log(log)[-2:] == [f"uninstall {read_log(log)[1].split()[1]} upstream-global", "down"]
    matrix = json.loads((pytester.path / "report" / "matrix.json").read_text())
    seen = {c["check"]: (c["outcome"], c["reason"]) for c in matrix["cells"]}
    assert seen == {
        "test_first": ("passed", ""),
        "test_terminated": ("error", "interrupted by SIGTERM while it ran"),
        "test_never_reached": ("skipped", "not run: interrupted by SIGTERM"),
    }, seen


SIGNALLED_UNINSTALL = '''
import os, signal

def pytest_argo_install(config, provider, cluster, build, topology):
    inst = StandinInstall(cluster, build, topology)

    def uninstall():  # Ctrl-C twice while the cell is being removed
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        log("uninstall finished")

    inst.uninstall = uninstall
    return inst
'''


def test_signals_during_a_clean_up_wait_for_it_and_the_rest_of_the_teardown_still_runs(
    pytester: pytest.Pytester,
) -> None:
    log = standin_session(pytester)
    conftest = pytester.path / "conftest.py"
    conftest.write_text(conftest.read_text() + SIGNALLED_UNINSTALL)
    pytester.makepyfile(test_poc="def test_one(argo): pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--argo-topology=upstream-global",
                                           "--argo-report-dir=report")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert read_log(log)[-2:] == ["uninstall finished", "down"]
    result.stderr.fnmatch_lines([
        "argo-conformance: SIGINT: ending the run once the clean-up under way is done",
        "argo-conformance: SIGINT ignored: cleaning up after SIGINT (each step has a timeout)*",
    ])
