"""The documented CI example (tests/examples/ci/.github/workflows/argo-conformance.yml): its gate job's commands run
as written, in order, with a stand-in `gh` (the published matrix of a release) and the installed command in place of
the job's virtual environment; the run job's matrices are those of two jobs of one nightly (no cluster)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from pytest_argo_conformance.matrix.json_io import read_json, write_json
from pytest_argo_conformance.matrix.model import BuildInfo, Cell, Matrix, Outcome

WORKFLOW = Path(__file__).parent / "examples" / "ci" / ".github" / "workflows" / "argo-conformance.yml"
EXPRESSIONS = {"github.repository": "acme/argo-workflows", "github.token": "token"}
FAKE_GH = """#!/bin/sh
# stand-in for the GitHub CLI: release assets live in $GH_RELEASES/<tag>/
echo "gh $*" >> "$GH_LOG"
verb="$2"; tag="$3"; shift 3
if [ "$verb" = download ]; then
  out=""; while [ $# -gt 0 ]; do [ "$1" = --output ] && out="$2"; shift; done
  cp "$GH_RELEASES/$tag/matrix.json" "$out"
elif [ "$verb" = upload ]; then
  mkdir -p "$GH_RELEASES/$tag"; cp "$1" "$GH_RELEASES/$tag/"
fi
"""


def _job_matrix(build: str, ref: str, outcome: Outcome) -> Matrix:
    matrix = Matrix(run_id="nightly")
    matrix.add_build(BuildInfo(name="upstream", ref="v3.7.18", baseline=True))
    matrix.add_build(BuildInfo(name=build, ref=ref))
    for name, result in (("upstream", Outcome.PASSED), (build, outcome)):
        matrix.add(Cell(build=name, topology="upstream-global", check="test_retry_strategy", suite="workflows",
                        outcome=result, reason="" if result is Outcome.PASSED else "retried 1 time, expected 2"))
    return matrix


def _gate_steps() -> list[tuple[str, str]]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert set(jobs) == {"run", "gate"} and jobs["gate"]["needs"] == "run"
    steps = [(s["name"], s["run"]) for s in jobs["gate"]["steps"] if "run" in s]
    assert [name for name, _ in steps] == ["install", "last published matrix", "merge", "summary", "regressions",
                                           "publish"]
    return steps[1:]  # "install": pip into .venv, stood in for by the installed command (below)


def _expand(command: str) -> str:
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: EXPRESSIONS[m.group(1)], command)


def _run_gate(tmp_path: Path, now_acme: Outcome, published_acme: Outcome) -> list[tuple[str, int, str]]:
    for index, (build, ref) in enumerate((("acme", "go:github.com/acme/argo-workflows/v3@v3.7.18-acme.1"),
                                          ("acme-next", "go:github.com/acme/argo-workflows/v3@v3.7.19-acme.0"))):
        write_json(_job_matrix(build, ref, now_acme if build == "acme" else Outcome.PASSED),
                   tmp_path / "jobs" / f"matrix-{index}" / "matrix.json")
    write_json(_job_matrix("acme", "go:github.com/acme/argo-workflows/v3@v3.7.18-acme.1", published_acme),
               tmp_path / "releases" / "conformance-latest" / "matrix.json")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "argo-conformance"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; from pytest_argo_conformance.command.main "
                    "import main; sys.argv[0] = \"argo-conformance\"; raise SystemExit(main())' \"$@\"\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "gh").write_text(FAKE_GH)
    for tool in (shim, tmp_path / "tools" / "gh"):
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'tools'}:{os.environ['PATH']}", "GH_LOG": str(tmp_path / "gh.log"),
           "GH_RELEASES": str(tmp_path / "releases"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    done = []
    for name, command in _gate_steps():
        step = subprocess.run(["bash", "-e", "-c", _expand(command)], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        done.append((name, step.returncode, step.stdout + step.stderr))
        if step.returncode:
            break  # as GitHub Actions does: a failed step fails the job and the later steps do not run
    return done


def test_a_night_without_regressions_merges_summarizes_and_publishes(tmp_path: Path) -> None:
    done = _run_gate(tmp_path, now_acme=Outcome.PASSED, published_acme=Outcome.FAILED)
    assert [(name, code) for name, code, _ in done] == [("last published matrix", 0), ("merge", 0), ("summary", 0),
                                                         ("regressions", 0), ("publish", 0)], done
    merged = read_json(tmp_path / "merged.json")
    assert sorted(merged.builds) == ["acme", "acme-next", "upstream"]
    assert (tmp_path / "summary.md").read_text().startswith("## ")
    published = read_json(tmp_path / "releases" / "conformance-latest" / "matrix.json")
    assert sorted(published.builds) == ["acme", "acme-next", "upstream"]  # the merged matrix is the new published one
    assert "gh release upload conformance-latest matrix.json --clobber --repo acme/argo-workflows" in \
        (tmp_path / "gh.log").read_text()


def test_a_regression_fails_the_gate_and_nothing_is_published(tmp_path: Path) -> None:
    done = _run_gate(tmp_path, now_acme=Outcome.FAILED, published_acme=Outcome.PASSED)
    assert [(name, code) for name, code, _ in done][-1] == ("regressions", 1), done
    assert "acme" in done[-1][2] and "test_retry_strategy" in done[-1][2], done[-1][2]
    assert "upload" not in (tmp_path / "gh.log").read_text()


def test_the_run_job_keeps_each_jobs_report_for_the_gate() -> None:
    """The run job's conformance command needs a machine of its own (it is the README's main command); what the
    gate relies on is checked here: each job writes its matrix to its own report folder and uploads that folder."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["run"]["steps"]
    (conformance,) = [s["run"] for s in steps if s.get("name") == "conformance"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert '--argo-report-dir "report-${{ strategy.job-index }}"' in conformance and conformance.endswith("|| true")
    assert upload["with"]["path"] == "report-${{ strategy.job-index }}/"
