"""`matrix merge | diff | render` as a user runs them: exit codes, stdout, one-line errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_argo_conformance.command.matrix_commands import add_arguments, main
from pytest_argo_conformance.matrix import BuildInfo, Cell, Matrix, Outcome, read_json, write_json

ACME_V1 = "quay.io/acme/workflow-controller:v1"


def job(tmp_path: Path, name: str, topology: str, acme: Outcome, ref: str = ACME_V1) -> Path:
    matrix = Matrix(run_id=name, versions={"kubernetes": "v1.34.4"})
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(BuildInfo("acme", ref))
    matrix.add(Cell("upstream", topology, "dag-diamond", "dag", Outcome.PASSED, 2.0))
    matrix.add(Cell("acme", topology, "dag-diamond", "dag", acme, 2.0, reason=f"acme went {acme.value}"))
    return write_json(matrix, tmp_path / f"{name}.json")


def test_add_arguments_mounts_under_a_parent_cli(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="argo-conformance")
    commands = parser.add_subparsers(dest="command", required=True)
    add_arguments(commands.add_parser("matrix").add_subparsers(dest="matrix_command", required=True))
    path = job(tmp_path, "a", "single", Outcome.PASSED)

    args = parser.parse_args(["matrix", "render", str(path), "--format", "md", "-o", str(tmp_path / "m.md")])

    assert args.func(args) == 0
    assert "### Topology `single`" in (tmp_path / "m.md").read_text()


def test_merge_writes_json_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = job(tmp_path, "a", "single", Outcome.PASSED), job(tmp_path, "b", "ha", Outcome.FAILED)
    assert main(["merge", str(a), str(b)]) == 0
    out, err = capsys.readouterr()
    merged = Matrix.from_dict(json.loads(out))
    assert merged.topologies() == ["ha", "single"] and err == ""


def test_merge_writes_files_and_warns_about_conflicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = job(tmp_path, "a", "single", Outcome.PASSED), job(tmp_path, "b", "single", Outcome.FAILED)
    out_json, out_md, out_html = tmp_path / "out/m.json", tmp_path / "out/m.md", tmp_path / "out/m.html"

    code = main(["merge", str(a), str(b), "-o", str(out_json), "--markdown", str(out_md), "--html", str(out_html)])

    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    assert err == (
        f"matrix merge: warning: acme/single/dag-diamond: merge conflict: failed in {b}, passed in {a} "
        "(acme went passed); kept failed\n"
    )
    cell = read_json(out_json).get("acme", "single", "dag-diamond")
    assert cell is not None and cell.outcome is Outcome.FAILED
    assert "**FAIL** ≠" in out_md.read_text()
    assert 'class="cell failed differs"' in out_html.read_text()


def test_merge_of_one_build_name_with_two_refs_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = job(tmp_path, "a", "single", Outcome.PASSED)
    b = job(tmp_path, "b", "ha", Outcome.PASSED, ref="quay.io/acme/workflow-controller:v2")
    assert main(["merge", str(a), str(b)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("matrix merge: error: build 'acme' is 'quay.io/acme/workflow-controller:v1' in ")


def test_diff_exits_1_on_a_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = job(tmp_path, "main", "single", Outcome.PASSED), job(tmp_path, "pr", "single", Outcome.FAILED)
    assert main(["diff", "--baseline", str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION acme / single / dag-diamond: passed -> failed: acme went failed" in out


def test_diff_exits_0_without_a_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = job(tmp_path, "main", "single", Outcome.FAILED), job(tmp_path, "pr", "single", Outcome.PASSED)
    assert main(["diff", "--baseline", str(before), str(after)]) == 0
    assert "FIXED acme / single / dag-diamond: failed -> passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file; give a matrix.json written by pytest-argo-conformance"),
        ("{", "not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        ('{"schema_version": 2}', "schema_version 2 is newer than this pytest-argo-conformance reads (1); upgrade"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    good, bad = job(tmp_path, "main", "single", Outcome.PASSED), tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    for command, expected_prefix in (
        (["diff", "--baseline", str(good), str(bad)], "matrix diff: error: "),
        (["merge", str(good), str(bad)], "matrix merge: error: "),
        (["render", str(bad)], "matrix render: error: "),
    ):
        assert main(command) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith(f"{expected_prefix}{bad}: {message}") and err.count("\n") == 1, err


def test_render_html_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = job(tmp_path, "a", "single", Outcome.ERROR)
    assert main(["render", str(path), "--format", "html"]) == 0
    assert 'class="cell error differs"' in capsys.readouterr().out


def test_render_to_an_unwritable_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = job(tmp_path, "a", "single", Outcome.PASSED)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["render", str(path), "-o", str(blocker / "m.md")]) == 2
    assert capsys.readouterr().err.startswith("matrix render: error: cannot write ")


def test_module_entry_point_diff_exit_codes(tmp_path: Path) -> None:
    before, after = job(tmp_path, "main", "single", Outcome.PASSED), job(tmp_path, "pr", "single", Outcome.ERROR)
    command = [sys.executable, "-m", "pytest_argo_conformance.command.matrix_commands", "diff", "--baseline"]

    def run(current: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, str(before), str(current)], capture_output=True, text=True, timeout=60)

    regressed, same, missing = run(after), run(before), run(tmp_path / "nope.json")

    assert regressed.returncode == 1 and "REGRESSION" in regressed.stdout and regressed.stderr == ""
    assert same.returncode == 0 and "0 regression(s)" in same.stdout
    assert missing.returncode == 2
    assert missing.stderr == (
        f"matrix diff: error: {tmp_path / 'nope.json'}: no such file; "
        "give a matrix.json written by pytest-argo-conformance\n"
    )
