"""JSON, Markdown and HTML writers, and write_all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_argo_conformance.matrix import (
    BuildInfo,
    Cell,
    Matrix,
    MatrixFileError,
    Outcome,
    read_json,
    render_html,
    render_markdown,
    write_all,
    write_json,
)

HOSTILE = '<script>alert("x")</script> | `tick` & *bold*'


def mixed_matrix() -> Matrix:
    matrix = Matrix(
        run_id="ci-42",
        created="2025-05-01T10:00:00Z",
        versions={"kubernetes": "v1.34.4", "argo-workflows": "v3.6.10", "kueue": "v0.13.0"},
        environment={"provider": "kind", "cluster": "argo-conformance", "host": "runner-7"},
    )
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(BuildInfo("acme", "quay.io/acme/workflow-controller:v3.6.10-acme",
                               images={"workflow-controller": "quay.io/acme/workflow-controller:v3.6.10-acme"}))
    rows = [
        ("single", "dag-diamond", "dag", Outcome.PASSED, Outcome.FAILED, "node B phase Failed, want Succeeded"),
        ("single", "steps-hello", "steps", Outcome.PASSED, Outcome.PASSED, ""),
        ("single", "retry-backoff", "retry", Outcome.PASSED, Outcome.ERROR, HOSTILE),
        ("ha", "dag-diamond", "dag", Outcome.SKIPPED, Outcome.SKIPPED, "ha needs 3 nodes"),
        ("ha", "leader-failover", "ha", Outcome.KNOWN_FAIL, Outcome.KNOWN_FAIL, "upstream#1234"),
    ]
    for topology, check, suite, base, acme, reason in rows:
        base_reason = reason if base is not Outcome.PASSED else ""
        matrix.add(Cell("upstream", topology, check, suite, base, 4.2, reason=base_reason))
        acme_reason = reason if acme is not Outcome.PASSED else ""
        matrix.add(Cell("acme", topology, check, suite, acme, 65.0, reason=acme_reason))
    return matrix


def test_json_round_trip(tmp_path: Path) -> None:
    matrix = mixed_matrix()
    path = write_json(matrix, tmp_path / "out" / "matrix.json")
    assert read_json(path) == matrix
    assert json.loads(path.read_text())["schema_version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["matrix.json"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file; give a matrix.json written by pytest-argo-conformance"),
        ("{not json", r"not valid JSON \(Expecting property name enclosed in double quotes at line 1 column 2\)"),
        ('{"schema_version": 7}', r"schema_version 7 is newer than this pytest-argo-conformance reads \(1\)"),
        ("[]", "not a conformance matrix"),
    ],
)
def test_read_json_errors_name_the_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "m.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(MatrixFileError, match=re.escape(str(path)) + ": " + message) as info:
        read_json(path)
    assert "\n" not in str(info.value)


def test_markdown_has_header_tables_failures_and_skips() -> None:
    text = render_markdown(mixed_matrix())

    assert text.startswith("## Argo Workflows conformance\n")
    assert "run `ci-42` · argo-workflows `v3.6.10` · kubernetes `v1.34.4` · kueue `v0.13.0`" in text
    assert "Environment: cluster `argo-conformance` · host `runner-7` · provider `kind`" in text
    assert "| upstream (baseline) | `v3.6.10` | ? | 3 passed, 1 skipped, 1 known-fail |" in text
    assert "### Topology `single`" in text and "### Topology `ha`" in text
    assert "| check | suite | upstream (baseline) | acme |" in text
    assert "| `dag-diamond` | dag | pass | **FAIL** ≠ |" in text
    assert "| `retry-backoff` | retry | pass | **ERROR** ≠ |" in text
    assert "| `steps-hello` | steps | pass | pass |" in text
    assert "| `leader-failover` | ha | xfail | xfail |" in text
    assert "### Failures (2)" in text
    assert "| acme | single | `dag-diamond` | failed | node B phase Failed, want Succeeded |" in text
    assert "### Skips (2)\n\n- **ha needs 3 nodes** (2): upstream / ha / dag-diamond, acme / ha / dag-diamond" in text
    assert "### Known failures (xfail) (2)" in text


def test_markdown_escapes_what_would_break_a_table_or_inject_html() -> None:
    text = render_markdown(mixed_matrix())
    [row] = [line for line in text.splitlines() if line.startswith("| acme | single | `retry-backoff`")]
    assert "<script>" not in text
    assert r"\<script\>alert(\"x\")\</script\>" not in row  # quotes are left alone
    assert r"\<script\>alert(" in row and r"\| \`tick\` & \*bold\*" in row
    assert row.count(" | ") == 4  # still five columns: the escaped pipe is not a separator


def test_markdown_caps_long_failure_lists() -> None:
    matrix = Matrix()
    for i in range(5):
        matrix.add(Cell("acme", "single", f"c{i}", "s", Outcome.FAILED, reason="boom"))
    text = render_markdown(matrix, max_listed=2)
    assert "### Failures (5)" in text and "... and 3 more; see matrix.html or matrix.json." in text


def test_markdown_of_an_empty_matrix() -> None:
    assert "_No results were recorded._" in render_markdown(Matrix())


def test_html_is_self_contained_and_escaped() -> None:
    page = render_html(mixed_matrix())

    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert not re.search(r"(src|href)=|@import|url\(|<link", page), "no external assets"
    assert page.count('class="cell failed differs"') == 1
    assert page.count('class="cell error differs"') == 1
    assert page.count('class="cell passed"') == 4 + 1  # grid + legend
    assert 'class="cell missing"' in page  # legend
    assert "<b>kubernetes</b> v1.34.4" in page and "2025-05-01T10:00:00Z" in page
    assert 'title="acme · single · dag-diamond\nfailed in 1 min 5 s\nnode B phase Failed, want Succeeded\n' in page


def test_html_marks_cells_a_build_did_not_run() -> None:
    matrix = mixed_matrix()
    matrix.add(Cell("upstream", "single", "only-upstream", "zz", Outcome.PASSED))
    page = render_html(matrix)
    assert '<td class="cell missing" data-build="acme" title="not run">–</td>' in page


def test_write_all_writes_three_files(tmp_path: Path) -> None:
    paths = write_all(mixed_matrix(), tmp_path / "report")
    assert [p.name for p in paths] == ["matrix.json", "matrix.md", "matrix.html"]
    assert all(p.is_file() and p.stat().st_size > 100 for p in paths)
    assert read_json(paths[0]) == mixed_matrix()
