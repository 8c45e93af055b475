"""Bad input is one line that says what to fix, never a traceback, and leaves nothing half-made behind: a patch
that does not apply, an image missing from the local Docker on kind, and a kubeconfig that does not lead to a
cluster (no network: stand-in `go` and `kind`, and only 127.0.0.1)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pins import BASELINE
from pytest_argo_conformance.components.argo.build import ArgoBuildError, build_binaries, patch_failure
from pytest_argo_conformance.components.argo.build_refs import parse_build
from pytest_argo_conformance.providers import existing
from pytest_argo_conformance.providers.base import ProviderError
from pytest_argo_conformance.providers.kind import KindProvider
from recording_bin import RecordingBin
from test_unserved_version import BUILDING_STANDIN

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not on PATH")

SOURCE_FILE = "package controller\n\nfunc podLabels() map[string]string {\n\treturn nil\n}\n"
# The first hunk expects a line the source does not have; the second patches a file the source lacks.
STALE_PATCH = """# A planted defect: written for another release (build with v3.7.18+patch:stale)
diff --git a/workflow/controller/operator.go b/workflow/controller/operator.go
--- a/workflow/controller/operator.go
+++ b/workflow/controller/operator.go
@@ -1,5 +1,5 @@ package controller
 package controller
\x20
 func podLabels() map[string]string {
-\treturn map[string]string{}
+\treturn nil
 }
diff --git a/workflow/controller/gone.go b/workflow/controller/gone.go
--- a/workflow/controller/gone.go
+++ b/workflow/controller/gone.go
@@ -1 +1 @@
-a
+b
"""
GOOD_PATCH = STALE_PATCH.split("diff --git a/workflow/controller/gone.go")[0].replace(
    "-\treturn map[string]string{}\n+\treturn nil", "-\treturn nil\n+\treturn map[string]string{}")
STALE_LINE = (
    "patch {patch} does not apply to {version}: hunk @@ -1,5 +1,5 @@ package controller at "
    "workflow/controller/operator.go:1 does not match the source (and 1 more problem); make it apply to "
    "{version} (`git apply --check` in that version's source lists every problem)"
)


def _no_traceback(result: pytest.RunResult) -> None:
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text, text
    assert not [line for line in result.stdout.lines if line.startswith("E   ")], text


# --- a. a patch that does not apply ---------------------------------------------------------------------------


@pytest.fixture
def module_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A tiny upstream source tree served by a stand-in `go` (as if in Go's module cache) and an empty build cache
    (XDG_CACHE_HOME). Yields (the cache, the stand-in's call log)."""
    tree = tmp_path / "modcache" / f"argo-workflows@{BASELINE}"
    (tree / "workflow" / "controller").mkdir(parents=True)
    (tree / "go.mod").write_text("module github.com/argoproj/argo-workflows/v3\n\ngo 1.24\n")
    (tree / "workflow" / "controller" / "operator.go").write_text(SOURCE_FILE)
    calls = tmp_path / "go-calls"
    answer = json.dumps({"Path": "github.com/argoproj/argo-workflows/v3", "Version": BASELINE, "Dir": str(tree),
                         "GoMod": str(tree / "go.mod")})
    go = tmp_path / "bin" / "go"
    go.parent.mkdir()
    go.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\n"
                  f"if [ \"$1 $2\" = \"mod download\" ]; then echo '{answer}'; exit 0; fi\n"
                  f"cat workflow/controller/operator.go >> {calls} 2>/dev/null\n"  # the source it was asked to build
                  "echo 'the stand-in go only downloads' >&2; exit 1\n")
    go.chmod(0o755)
    monkeypatch.setenv("PATH", f"{go.parent}{os.pathsep}{os.environ['PATH']}")
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    yield cache / "pytest-argo-conformance", calls


def _patch(tmp_path: Path, text: str = STALE_PATCH, name: str = "stale.patch") -> Path:
    patch = tmp_path / name
    patch.write_text(text)
    return patch


@needs_git
def test_a_patch_that_does_not_apply_is_one_line_and_leaves_no_source_in_the_cache(
    tmp_path: Path, module_source: tuple[Path, Path]
) -> None:
    cache, go_calls = module_source
    patch = _patch(tmp_path)
    with pytest.raises(ArgoBuildError) as failure:
        build_binaries(parse_build(f"mutant={BASELINE}+patch:{patch}"))
    assert str(failure.value) == "build mutant: " + STALE_LINE.format(patch=patch, version=BASELINE)
    assert list((cache / "argo").iterdir()) == [], "the half-made source copy is removed, not cached"
    assert [c.split()[:2] for c in go_calls.read_text().splitlines()] == [["mod", "download"]], "never built"


@needs_git
def test_a_patch_applies_even_when_the_cache_is_inside_a_git_work_tree(
    tmp_path: Path, module_source: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, go_calls = module_source
    """Inside a work tree `git apply` would take the patch's paths as relative to the repository's top and skip
    them all, silently: the build would be upstream, not the mutant. The good patch then reaches `go build`."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(workspace / ".cache"))
    with pytest.raises(ArgoBuildError, match="go build failed"):  # the stand-in go builds nothing
        build_binaries(parse_build(f"mutant={BASELINE}+patch:{_patch(tmp_path, GOOD_PATCH, 'good.patch')}"))
    assert "return map[string]string{}" in go_calls.read_text(), "go build saw the patched source"
    with pytest.raises(ArgoBuildError, match=r"does not apply to .*: hunk @@ -1,5 \+1,5 @@"):
        build_binaries(parse_build(f"mutant={BASELINE}+patch:{_patch(tmp_path)}"))
    assert list((workspace / ".cache" / "pytest-argo-conformance" / "argo").iterdir()) == []


@pytest.mark.parametrize(
    ("stderr", "said"),
    [
        ("Checking patch a.go...\nerror: a.go: No such file or directory\n", "a.go is not in the source"),
        ("error: corrupt patch at line 6\n", "corrupt patch at line 6"),
        ('error: No valid patches in input (allow with "--allow-empty")\n', "it holds no diff (no ---/+++ file "
                                                                            "headers)"),
        ("Checking patch a.go...\nerror: while searching for:\nerror-looking text\n\nerror: patch failed: a.go:7\n"
         "error: a.go: patch does not apply\nerror: b.go: already exists in working directory\n",
         "hunk at a.go:7 does not match the source (and 1 more problem)"),
    ],
    ids=["missing-file", "corrupt", "no-diff", "hunk-and-more"],
)
def test_git_applys_complaint_is_trimmed_to_its_first_problem(stderr: str, said: str) -> None:
    assert patch_failure(stderr) == said


@needs_git
def test_a_session_fails_each_cell_of_a_build_whose_patch_does_not_apply_with_that_line(
    pytester: pytest.Pytester, tmp_path: Path, module_source: tuple[Path, Path]
) -> None:
    cache, go_calls = module_source
    patch = _patch(tmp_path)
    pytester.makeconftest(BUILDING_STANDIN)
    pytester.makepyfile(test_cells="def test_a(argo): pass\ndef test_b(argo): pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-topology=upstream-global",
                                f"--argo-controller=mutant={BASELINE}+patch:{patch}", "-k", "mutant",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    line = (f"build mutant ({BASELINE}+patch:{patch}) is not available: "
            + STALE_LINE.format(patch=patch, version=BASELINE))
    assert result.stdout.lines.count(line) == 2, result.stdout.str()  # the ERRORS section, once per cell
    _no_traceback(result)
    assert list((cache / "argo").iterdir()) == []
    assert len(go_calls.read_text().splitlines()) == 1, "the build is tried once per session"


# --- c. an image that is not in the local Docker, on kind -------------------------------------------------------


ACME = "quay.io/acme/workflow-controller:v3.5.6-acme"
ACME_EXEC = "quay.io/acme/argoexec:v3.5.6-acme"
MISSING_LINE = (
    "image {image} is not in this machine's Docker, so kind cannot load it into cluster {cluster}: pull or build it "
    "first (docker pull {image}), or name an image that is there with --argo-controller NAME=IMAGE[,argoexec=IMAGE]"
)


def test_an_image_missing_from_the_local_docker_is_one_line_naming_it(recorder: RecordingBin) -> None:
    provider = KindProvider("conf", keep=False)
    provider.up()
    recorder.docker_has(ACME)
    provider.load_image(ACME)
    with pytest.raises(ProviderError) as failure:
        provider.load_image(ACME_EXEC)
    assert str(failure.value) == MISSING_LINE.format(image=ACME_EXEC, cluster="conf")


def test_any_other_kind_load_failure_is_one_line_with_kinds_words(tmp_path: Path, recorder: RecordingBin) -> None:
    provider = KindProvider("conf", keep=False)
    provider.up()
    (recorder.bin / "kind").write_text('#!/bin/sh\necho \'ERROR: no nodes found for cluster "conf"\' >&2\nexit 1\n')
    with pytest.raises(ProviderError) as failure:
        provider.load_image("example.com/argoexec:v1", archive=tmp_path / "argoexec.tar")
    assert str(failure.value) == ('`kind load image-archive` of example.com/argoexec:v1 into cluster conf failed '
                                  '(exit 1): no nodes found for cluster "conf"')


def test_a_kind_session_fails_the_cell_with_the_missing_image_and_deletes_its_cluster(
    pytester: pytest.Pytester, recorder: RecordingBin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in install: loading the build's images is the first thing it does for a cell."""
    pytester.makeconftest('import pytest\n\n@pytest.fixture(scope="session")\n'
                          'def argo_artifact_repository():\n    return "s3.standin:9000"\n')
    monkeypatch.chdir(pytester.path)
    recorder.docker_has(ACME)
    pytester.makepyfile("def test_cell(argo): pass\n")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-provider=kind", "--cluster-name=ci",
                                "--argo-topology=dropin-global", f"--argo-controller=acme={ACME}", "-k", "acme",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    line = f"build acme ({ACME}) is not available: " + MISSING_LINE.format(image=ACME_EXEC, cluster="ci")
    assert line in result.stdout.lines, result.stdout.str()
    _no_traceback(result)
    assert [" ".join(c[1:3]) for c in recorder.calls()][-1] == "delete cluster", "the cluster it made is removed"


# --- d. a kubeconfig that does not lead to a cluster (--argo-provider existing) ----------------------------------


def _free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kubeconfig(path: Path, port: int, current: str = "dev") -> Path:
    path.write_text(
        f"apiVersion: v1\nkind: Config\ncurrent-context: {current}\n"
        f"clusters: [{{name: dev, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "contexts: [{name: dev, context: {cluster: dev, user: dev}},\n"
        "           {name: prod, context: {cluster: dev, user: dev}}]\n"
        "users: [{name: dev, user: {token: standin}}]\n"
    )
    return path


def _session(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, float]:
    pytester.makepyfile("def test_a(argo): pass\ndef test_b(argo): pass\n")
    started = time.monotonic()
    result = pytester.runpytest("-p", "argo_conformance", "--argo-provider=existing", "--argo-topology=upstream-global",
                                "-p", "no:cacheprovider", *args)
    return result, time.monotonic() - started


def test_a_missing_kubeconfig_stops_the_run_with_one_usage_line(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, _ = _session(pytester, f"--kubeconfig={tmp_path / 'nowhere'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line.startswith("ERROR:")] == [
        f"ERROR: --argo-provider existing: kubeconfig {tmp_path / 'nowhere'} not found; pass --kubeconfig PATH or set "
        "KUBECONFIG"
    ]
    _no_traceback(result)


def _cluster_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if line.startswith("cluster (existing): ")]


def test_a_malformed_kubeconfig_is_one_line_with_where_yaml_stumbled(pytester: pytest.Pytester,
                                                                    tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Config\nclusters: [\n  - name: x\n")
    result, took = _session(pytester, f"--kubeconfig={bad}")
    result.assert_outcomes(errors=2)
    assert _cluster_lines(result) == 2 * [
        f"cluster (existing): kubeconfig {bad} is not valid YAML (line 4, column 3: expected the node content, but "
        "found '-'); fix the file, or pass another --kubeconfig"
    ]
    _no_traceback(result)
    assert took < 10


def test_an_unknown_context_is_one_line_naming_the_contexts_there(pytester: pytest.Pytester, tmp_path: Path) -> None:
    config = _kubeconfig(tmp_path / "kubeconfig", _free_port())
    result, _ = _session(pytester, f"--kubeconfig={config}", "--argo-context=staging")
    result.assert_outcomes(errors=2)
    assert _cluster_lines(result) == 2 * [
        f"cluster (existing): kubeconfig {config} has no context 'staging' (its contexts: dev, prod); pass one of "
        "them with --argo-context"
    ]
    _no_traceback(result)


def test_a_server_that_does_not_answer_is_one_line_at_once(pytester: pytest.Pytester, tmp_path: Path) -> None:
    port = _free_port()
    config = _kubeconfig(tmp_path / "kubeconfig", port)
    result, took = _session(pytester, f"--kubeconfig={config}")
    result.assert_outcomes(errors=2)
    assert _cluster_lines(result) == 2 * [
        f"cluster (existing): API server https://127.0.0.1:{port} (context dev of kubeconfig {config}) does not "
        "answer: connection refused; check that the cluster is running and that the kubeconfig's server address "
        "is right, or pass another --kubeconfig or --argo-context"
    ]
    _no_traceback(result)
    assert "Retrying" not in result.stdout.str(), "one try, no retries"
    assert took < 10


def test_a_server_that_accepts_but_never_answers_is_given_up_on_after_the_connect_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(existing, "API_CONNECT", 1)
    with socket.socket() as listening:  # the kernel accepts the connection; nobody ever speaks TLS on it
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        port = int(listening.getsockname()[1])
        config = _kubeconfig(tmp_path / "kubeconfig", port)
        started = time.monotonic()
        with pytest.raises(ProviderError) as failure:
            existing.ExistingProvider(config).up()
        took = time.monotonic() - started
    assert str(failure.value).startswith(f"API server https://127.0.0.1:{port} (context dev of kubeconfig {config}) "
                                         "accepts connections but does not answer (no reply within 1s); ")
    assert took < 5


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("apiVersion: v1\nkind: Config\n", "has no contexts (is it a kubeconfig?); pass the kubeconfig of the "
                                           "cluster with --kubeconfig"),
        ("contexts: [{name: dev, context: {cluster: dev, user: dev}}]\n",
         "sets no current-context (its contexts: dev); pass one of them with --argo-context"),
        ("current-context: old\ncontexts: [{name: dev, context: {cluster: dev, user: dev}}]\n",
         ": its current-context 'old' is not one of its contexts (dev); pass one of them with --argo-context"),
    ],
    ids=["no-contexts", "no-current-context", "stale-current-context"],
)
def test_a_kubeconfig_without_a_usable_context_is_one_line(tmp_path: Path, text: str, said: str) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(text)
    with pytest.raises(ProviderError) as failure:
        existing.ExistingProvider(config).up()
    assert str(failure.value).startswith(f"kubeconfig {config}")
    assert str(failure.value).endswith(said)


def test_a_context_whose_cluster_entry_is_missing_is_one_line_naming_the_context(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text("current-context: dev\ncontexts: [{name: dev, context: {cluster: gone, user: dev}}]\n"
                      "clusters: []\nusers: [{name: dev, user: {token: t}}]\n")
    with pytest.raises(ProviderError) as failure:
        existing.ExistingProvider(config).up()
    message = str(failure.value)
    assert message.startswith(f"kubeconfig {config}, context dev: ") and "\n" not in message
    assert message.endswith("; fix that entry, or pass another --kubeconfig or --argo-context")


def test_refused_credentials_are_one_line_that_says_to_log_in_again(tmp_path: Path) -> None:
    """An API server (plain HTTP on 127.0.0.1, a stand-in) that answers 401, as one does for an expired token."""

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}'
            self.send_response(401, "Unauthorized")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = int(server.server_address[1])
        config = _kubeconfig(tmp_path / "kubeconfig", port)
        config.write_text(config.read_text().replace("https://", "http://"))
        with pytest.raises(ProviderError) as failure:
            existing.ExistingProvider(config).up()
    finally:
        server.shutdown()
        server.server_close()
    assert str(failure.value) == (
        f"API server http://127.0.0.1:{port} (context dev of kubeconfig {config}) answered 401 Unauthorized; renew "
        "the credentials of that context (log in again), or pass another --argo-context"
    )


def test_kind_missing_from_path_is_one_line_per_cell(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    pytester.makepyfile("def test_cell(argo): pass\n")
    result = pytester.runpytest("--argo-provider=kind", "--argo-topology=upstream-global", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--argo-provider kind: kind is not on PATH*"])
    assert "Traceback" not in result.stdout.str() and "UsageError" not in result.stdout.str()
