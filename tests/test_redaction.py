"""The Argo Server's Bearer token never leaves the process: `kube.secrets` and the plugin's redaction (terminal at -vv
and with live logging, JUnit XML, Allure results, the report directory, the log file, failure diagnostics)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import httpx
import pytest

from pytest_argo_conformance.components.argo.rest import ArgoRest, ArgoRestError
from pytest_argo_conformance.kube import secrets
from pytest_argo_conformance.kube.secrets import REDACTED, Secrets
from pytest_argo_conformance.plugin.redaction import redact_longrepr, redact_record
from standins import STANDIN_CONFTEST

# Shaped like a service-account token (header.payload.signature, base64url of JSON), and one that is not a JWT.
JWT = ("eyJhbGciOiJSUzI1NiIsImtpZCI6InN0YW5kaW4ifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6d2Y6Y2xpZW50In0"
       ".c2lnbmF0dXJlLW9mLXRoZS1zdGFuZGluLXRva2Vu")
OPAQUE = "opaque-standin-token-5d1e9a7c"


@pytest.fixture
def session_secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    """A registry of this test's own (the process's stays as it was)."""
    fresh = Secrets()
    monkeypatch.setattr(secrets, "SESSION", fresh)
    return fresh


# ----- redact() --------------------------------------------------------------------------------------------------


def test_registered_secrets_and_jwt_shapes_are_redacted() -> None:
    known = Secrets()
    assert known.register(OPAQUE) == OPAQUE
    assert known.redact(f"Authorization: Bearer {OPAQUE}; again {OPAQUE}") == (
        f"Authorization: Bearer {REDACTED}; again {REDACTED}"
    )
    assert known.redact(f"body: {{'token': '{JWT}'}}") == f"body: {{'token': '{REDACTED}'}}"  # never registered
    assert known.reveals(OPAQUE) and known.reveals(JWT) and not known.reveals("nothing to see")


def test_text_without_secrets_is_unchanged() -> None:
    known = Secrets()
    assert not known
    text = "eyJ alone, a.b.c, eyJhbGciOi.not-a-payload.sig, Bearer <none>"
    assert known.redact(text) == text
    known.register(OPAQUE)
    assert known and known.redact(text) == text


def test_the_longer_of_two_overlapping_secrets_is_redacted_whole() -> None:
    known = Secrets()
    known.register("standin-secret")
    known.register("standin-secret-and-more")
    assert known.redact("x standin-secret-and-more y standin-secret") == f"x {REDACTED} y {REDACTED}"


def test_a_secret_too_short_to_tell_from_text_is_refused() -> None:
    with pytest.raises(ValueError, match="3 characters"):
        Secrets().register("abc")


# ----- the report, log records, the REST client --------------------------------------------------------------


def _failure(session_secrets: Secrets) -> pytest.ExceptionInfo[AssertionError]:
    session_secrets.register(OPAQUE)
    with pytest.raises(AssertionError) as excinfo:
        raise AssertionError(f"the server log holds Bearer {OPAQUE}")
    return excinfo


def test_a_traceback_with_a_secret_is_redacted_where_it_stands(session_secrets: Secrets) -> None:
    longrepr = _failure(session_secrets).getrepr(style="long")
    assert OPAQUE in str(longrepr)
    assert redact_longrepr(longrepr) is longrepr  # the repr itself: the terminal keeps its layout
    assert OPAQUE not in str(longrepr) and REDACTED in str(longrepr)
    assert longrepr.reprcrash is not None
    assert longrepr.reprcrash.message == f"AssertionError: the server log holds Bearer {REDACTED}"


def test_a_traceback_without_secrets_is_left_alone(session_secrets: Secrets) -> None:
    with pytest.raises(AssertionError) as excinfo:
        raise AssertionError("nothing secret")
    longrepr = excinfo.getrepr(style="long")
    before = str(longrepr)
    assert redact_longrepr(longrepr) is longrepr and str(longrepr) == before
    assert redact_longrepr(None) is None


def test_a_skip_reason_and_a_plain_string_are_redacted(session_secrets: Secrets) -> None:
    session_secrets.register(OPAQUE)
    assert redact_longrepr(("x.py", 1, f"Skipped: {OPAQUE}")) == ("x.py", 1, f"Skipped: {REDACTED}")
    assert redact_longrepr(f"E   {OPAQUE}") == f"E   {REDACTED}"


def test_a_log_record_is_redacted_message_and_exception(session_secrets: Secrets) -> None:
    session_secrets.register(OPAQUE)
    try:
        raise RuntimeError(f"401 for Bearer {OPAQUE}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("pytest_argo_conformance.test", logging.DEBUG, __file__, 1, "token %s and %s",
                               (OPAQUE, JWT), exc_info)
    redact_record(record)
    text = logging.Formatter().format(record)
    assert OPAQUE not in text and JWT not in text
    assert text.startswith(f"token {REDACTED} and {REDACTED}") and "RuntimeError: 401 for Bearer" in text


def test_the_rest_client_keeps_its_token_out_of_errors_and_reprs(session_secrets: Secrets) -> None:
    def echo(request: httpx.Request) -> httpx.Response:  # a server that quotes the request in its error
        return httpx.Response(401, text=f"denied: {request.headers['Authorization']}")

    with ArgoRest("https://argo.standin:2746", OPAQUE, transport=httpx.MockTransport(echo)) as rest:
        with pytest.raises(ArgoRestError) as excinfo:
            rest.version()
        assert str(excinfo.value) == f"GET /api/v1/version: HTTP 401: denied: Bearer {REDACTED}"
        assert OPAQUE not in repr(rest) and session_secrets.reveals(OPAQUE)


def test_a_transport_error_is_one_redacted_line(session_secrets: Secrets) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.DecodingError(f"cannot decode {request.headers['Authorization']}", request=request)

    with ArgoRest("https://argo.standin:2746", OPAQUE, transport=httpx.MockTransport(refuse)) as rest:
        with pytest.raises(ArgoRestError) as excinfo:
            rest.info()
    assert str(excinfo.value) == f"GET /api/v1/info: DecodingError: cannot decode Bearer {REDACTED}"
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


# ----- a whole session ---------------------------------------------------------------------------------------------

LEAKY_CONFTEST = f'''

from pytest_argo_conformance.kube import secrets

OPAQUE = "{OPAQUE}"


def pytest_argo_diagnostics(item):
    return [("standin server log", f"GET /api/v1/version Authorization: Bearer {{OPAQUE}}")]
'''

LEAKY_CHECKS = f'''
import logging
import sys
import warnings

import pytest

from pytest_argo_conformance.kube import secrets

TOKEN = secrets.register("{OPAQUE}")
JWT = "{JWT}"
log = logging.getLogger("pytest_argo_conformance.components.argo.rest")


def test_check_that_leaks_everywhere(argo, argo_record):
    log.debug("issued %s", TOKEN)
    logging.getLogger("kubernetes.client.rest").debug("response body: %s", JWT)  # before anyone could register it
    try:
        raise RuntimeError("401 for Bearer " + TOKEN)
    except RuntimeError:
        log.exception("the call failed")
    print("stdout:", TOKEN, JWT)
    print("stderr:", TOKEN, file=sys.stderr)
    argo_record.note("used " + TOKEN)
    warnings.warn("teardown of the client failed: 401 for " + TOKEN)
    server_log = "GET /api/v1/version Authorization: Bearer " + TOKEN + "\\n"
    assert TOKEN not in server_log * 3, "{OPAQUE}"


def test_check_that_raises(argo):
    raise RuntimeError("the server answered 401 to Bearer " + JWT)


@pytest.fixture
def client():
    raise RuntimeError("no client for " + TOKEN)


def test_check_whose_fixture_fails(argo, client):
    pass


def test_check_that_passes_and_prints(argo):
    print("passing with", TOKEN)
'''


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()}


def test_a_session_writes_the_token_nowhere(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(STANDIN_CONFTEST + LEAKY_CONFTEST)
    pytester.makepyfile(test_leaky=LEAKY_CHECKS)
    result = pytester.runpytest_subprocess(
        "-vv", "-l", "-rA", "--log-cli-level=DEBUG", "--log-file=run.log", "--log-file-level=DEBUG",
        "--argo-topology=upstream-global", "--argo-report-dir=report", "--junitxml=junit.xml", "--alluredir=allure",
    )
    result.assert_outcomes(passed=1, failed=2, errors=1)
    outputs = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "junit.xml": (pytester.path / "junit.xml").read_text(),
        "run.log": (pytester.path / "run.log").read_text(),
        **{f"allure/{name}": text for name, text in _files(pytester.path / "allure").items()},
        **{f"report/{name}": text for name, text in _files(pytester.path / "report").items()},
    }
    leaks = [name for name, text in outputs.items() if OPAQUE in text or JWT in text]
    assert not leaks, f"the token is written to {leaks}"

    # ... and each place really held it (redacted), so the check above is not vacuous.
    redacted = "[[]REDACTED]"  # as a glob
    result.stdout.fnmatch_lines([
        f"* issued {redacted}",  # live log
        f"* response body: {redacted}",  # an unregistered JWT
        f"RuntimeError: 401 for Bearer {redacted}",  # a logged exception
        f"E       assert '{redacted}' not in 'GET /api/v1/version Authorization: Bearer {redacted}*",  # explanation
        f"stdout: {redacted} {redacted}",  # captured output
        "*argo-conformance: standin server log*",  # diagnostics
        f"*UserWarning: teardown of the client failed: 401 for {redacted}",  # warnings summary
        f"passing with {redacted}",  # -rA
    ])
    junit = outputs["junit.xml"]
    assert f"Bearer {REDACTED}" in junit and f'value="used {REDACTED}"' in junit
    assert f"issued {REDACTED}" in outputs["run.log"]
    cells = json.loads(outputs["report/matrix.json"])["cells"]
    assert any(f"used {REDACTED}" in cell["notes"] for cell in cells)
    assert any(cell["reason"] == f"setup: RuntimeError: no client for {REDACTED}" for cell in cells)
    results = [json.loads(text) for name, text in outputs.items() if name.endswith("-result.json")]
    raised = next(r for r in results if r["name"].startswith("test_check_that_raises"))
    assert raised["statusDetails"]["message"] == f"RuntimeError: the server answered 401 to Bearer {REDACTED}"
    assert any(REDACTED in text for name, text in outputs.items() if name.endswith("-attachment.txt"))


def test_a_session_without_checks_of_ours_is_left_alone(pytester: pytest.Pytester, session_secrets: Secrets) -> None:
    pytester.makepyfile(f'def test_decodes_a_jwt(): assert "{JWT}" == ""')
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert JWT in result.stdout.str() and REDACTED not in result.stdout.str()


def test_a_distributed_session_writes_the_token_nowhere(pytester: pytest.Pytester) -> None:
    """Under xdist each worker redacts its reports, logs and Allure results; the controller writes JUnit and the
    matrix from those reports."""
    pytest.importorskip("xdist")
    pytester.makeconftest(STANDIN_CONFTEST + LEAKY_CONFTEST)
    pytester.makepyfile(test_leaky=LEAKY_CHECKS)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-vv", "-l", "-rA", "--argo-topology=upstream-global", "--argo-report-dir=report",
        "--junitxml=junit.xml", "--alluredir=allure",
    )
    result.assert_outcomes(passed=1, failed=2, errors=1)
    outputs = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "junit.xml": (pytester.path / "junit.xml").read_text(),
        **{f"allure/{name}": text for name, text in _files(pytester.path / "allure").items()},
        **{f"report/{name}": text for name, text in _files(pytester.path / "report").items()},
    }
    leaks = [name for name, text in outputs.items() if OPAQUE in text or JWT in text]
    assert not leaks, f"the token is written to {leaks}"
    assert f"no client for {REDACTED}" in outputs["stdout"] and f"used {REDACTED}" in outputs["junit.xml"]
