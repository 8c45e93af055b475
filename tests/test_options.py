"""Bad option values stop the run with one line naming the value and the fix."""

from __future__ import annotations

import pytest

from pins import BASELINE, KUEUE, KUEUE_PREVIOUS
from standins import standin_session

CASES = [
    (["--argo-controller", "acme"], "--argo-controller 'acme': expected NAME=REF"),
    (["--argo-controller", "Acme=v3.6.10"], "build name 'Acme' must be lower-case"),
    (
        ["--argo-controller", "a=v3.6.10", "--argo-controller", "a=v3.6.9"],
        "build name 'a' is given twice",
    ),
    (["--argo-controller", "a=not an image"], "is neither an image reference"),
    (["--argo-controller", "a=go:github.com/acme/argo"], "expected go:MODULE@VERSION"),
    (["--argo-controller", "a=./nowhere"], "./nowhere is not an Argo Workflows source directory"),
    (
        ["--argo-provider", "local", "--argo-controller", "acme=quay.io/acme/workflow-controller:v3.5.6-acme"],
        "the local provider cannot pull images",
    ),
    (
        ["--argo-provider", "kind", "--argo-controller", "fork=go:github.com/acme/argo-workflows/v3@v3.6.10"],
        "is built from source by the local provider only",
    ),
    (["--argo-controller", "acme=quay.io/acme/controller:v1"], "cannot derive the argoexec image"),
    (["--argo-controller", "acme=quay.io/acme/workflow-controller:v1,exec=x"], "unknown extra 'exec=x'"),
    (["--argo-baseline", "nope"], "--argo-baseline 'nope': no such build; no builds were given"),
    (
        ["--argo-baseline", "nope", "--argo-controller", "a=v3.6.10"],
        "--argo-baseline 'nope': no such build; name one of a (add it with --argo-controller nope=REF)",
    ),
    (
        ["--argo-kueue", f"{KUEUE_PREVIOUS},latest"],
        f"--argo-kueue 'latest': give a Kueue release version such as {KUEUE}",
    ),
    (
        ["--argo-kueue", f"existing,{KUEUE}"],
        "--argo-kueue existing uses the cluster's own Kueue: give it alone, without releases "
        f"(given: existing, {KUEUE})",
    ),
    (["--argo-topology", "upstream-global,global"], "--argo-topology 'global': unknown topology; choose from"),
    (
        ["--argo-provider", "existing", "--kubeconfig", "/nonexistent/kubeconfig"],
        "kubeconfig /nonexistent/kubeconfig not found",
    ),
    (["--argo-scale-workflows", "many"], "--argo-scale-workflows 'many': give a whole number of at least 1"),
    (["--argo-scale-workflows", "0"], "--argo-scale-workflows '0': give a whole number of at least 1"),
    (["--argo-scale-workflows", "10", "--argo-scale-tolerance", "-5"],
     "--argo-scale-tolerance '-5': give a number of at least 0"),
    (["--argo-scale-workflows", "10", "--argo-scale-pod-seconds", "nan"],
     "--argo-scale-pod-seconds 'nan': give a number of at least 0"),
    (["--argo-scale-pods", "3"], "--argo-scale-pods applies to the scale lane only: add --argo-scale-workflows N"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[c[1].split(":")[0][:40] for c in CASES])
def test_bad_option_is_one_line_usage_error(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert message in errors[0]


def test_bad_provider_choice_is_rejected_by_argparse(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--argo-provider", "minikube")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--argo-provider: invalid choice: 'minikube'*"])


def test_environment_and_ini_are_read_and_reported(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    standin_session(pytester)
    pytester.makeini("[pytest]\nargo_topology =\n    dropin-global\n")
    monkeypatch.setenv("ARGO_CONFORMANCE_CONTROLLER", "acme=quay.io/acme/workflow-controller:v3.5.6-acme")
    pytester.makepyfile("def test_x(argo): pass")
    result = pytester.runpytest("--collect-only", "-p", "argo_conformance")
    result.stdout.fnmatch_lines(
        [
            "argo-conformance: provider auto (default), topologies dropin-global (ini argo_topology)",
            f"argo-conformance builds: upstream={BASELINE} (baseline); "
            "acme=quay.io/acme/workflow-controller:v3.5.6-acme (env ARGO_CONFORMANCE_CONTROLLER)",
            "*<Function test_x[[]upstream-dropin-global[]]>",
            "*<Function test_x[[]acme-dropin-global[]]>",
        ]
    )


def test_plugin_is_inert_for_other_test_suites(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "argo-conformance:" not in result.stdout.str()
    assert not (pytester.path / "argo-conformance-report").exists()
