"""Installed but not enabled, the plugin stays out of someone else's test session: no fixture, no hook work, no
signal handler, no option read from the environment; enabled (by `-p argo_conformance`, an `--argo-*` option or a
conftest implementing one of its hooks), it is all there."""

from __future__ import annotations

import pytest

PROJECT_TEST = """
    import signal

    def test_someone_elses(request):
        names = sorted(str(name) for name, _ in request.config.pluginmanager.list_name_plugin()
                       if "argo" in str(name))
        print("ARGO PLUGINS:", names)
        print("SIGTERM:", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        print("FIXTURES:", sorted(f for f in request.fixturenames if f.startswith(("argo", "_argo"))))
"""


def _plugins_seen(result: pytest.RunResult) -> str:
    line = next(line for line in result.stdout.lines if "ARGO PLUGINS:" in line)
    return line[line.index("ARGO PLUGINS:"):]


def test_in_a_project_that_does_not_use_it_the_plugin_does_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_project=PROJECT_TEST)
    monkeypatch.setenv("ARGO_CONFORMANCE_PROVIDER", "not-a-provider")  # read only when enabled
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert _plugins_seen(result) == "ARGO PLUGINS: ['argo_conformance']"  # the entry point's module, nothing else
    result.stdout.fnmatch_lines(["SIGTERM: True", "FIXTURES: []"])
    result.stdout.no_fnmatch_line("argo-conformance*")  # no report header, no summary line
    fixtures = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    fixtures.stdout.no_fnmatch_line("*argo_*")
    assert not (pytester.path / "argo-conformance-report").exists()


def test_asked_for_it_is_all_there(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_project=PROJECT_TEST)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "argo_conformance",
                                           "--argo-provider=local")
    result.assert_outcomes(passed=1)
    assert "'argo-conformance-fixtures'" in _plugins_seen(result) and "'argo-conformance-session'" in _plugins_seen(
        result)
    result.stdout.fnmatch_lines(["argo-conformance run *: what it creates carries the label*", "*",
                                 "SIGTERM: False", "FIXTURES: [[]'_argo_cell_properties', *"])


@pytest.mark.parametrize("how", ["option", "ini", "conftest hook"])
def test_an_option_an_ini_value_or_a_conftest_hook_enables_it(pytester: pytest.Pytester, how: str) -> None:
    pytester.makepyfile(test_project=PROJECT_TEST)
    args = ["-s", "-p", "no:cacheprovider"]
    if how == "option":
        args.append("--argo-topology=upstream-global")
    elif how == "ini":
        pytester.makeini("[pytest]\nargo_topology = upstream-global\n")
    else:
        pytester.makeconftest("def pytest_argo_suite_paths(config):\n    return []\n")
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1)
    assert "'argo-conformance-session'" in _plugins_seen(result)
