"""The check registry: every packaged check has a stable id, an area and one MUST sentence; the matrix carries
them and its Markdown and HTML rows link to them; `argo-conformance checks` lists them as text and JSON."""

from __future__ import annotations

import json

import pytest

from pytest_argo_conformance.command.checks_command import collect
from pytest_argo_conformance.command.main import main
from pytest_argo_conformance.matrix import (
    BuildInfo,
    Cell,
    CheckStatement,
    Matrix,
    Outcome,
    render_html,
    render_markdown,
)
from pytest_argo_conformance.plugin import registry


@pytest.fixture(scope="module")
def entries() -> list[registry.Entry]:
    found, problem = collect([])
    assert problem == ""
    return found


def test_every_packaged_check_has_a_registry_entry(entries: list[registry.Entry]) -> None:
    assert len(entries) >= 30
    assert [e.problem for e in entries if e.problem] == []
    assert registry.duplicates(entries) == []


def test_an_entry_without_a_marker_or_a_must_sentence_is_a_problem(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine='''
        import pytest

        def test_unregistered(argo_cell):
            pass

        @pytest.mark.conformance(id="retries.x", area="retries")
        def test_no_must(argo_cell):
            """Retries happen."""
    ''')
    found, problem = collect([pytester.path / "test_mine.py"])
    assert problem == ""
    problems = sorted(e.problem for e in found)
    assert problems[0].startswith('no @pytest.mark.conformance(id="<area>.<name>"')
    assert "test_unregistered" in problems[0]
    assert "test_no_must: its docstring's first paragraph is not a sentence in MUST form" in problems[1]


def test_matrix_rows_link_to_their_statements() -> None:
    matrix = Matrix()
    matrix.add_build(BuildInfo("upstream", "v3.7.18", baseline=True))
    matrix.add(Cell("upstream", "upstream-global", "test_retry", "workflows", Outcome.PASSED))
    matrix.statements["test_retry"] = CheckStatement("test_retry", "retries.retry", "A retry MUST happen.", "retries")
    again = Matrix.from_dict(json.loads(json.dumps(matrix.to_dict())))
    assert again.statements == matrix.statements
    markdown = render_markdown(again)
    assert "| [`test_retry`](#check-retries-retry) |" in markdown
    assert '<a id="check-retries-retry"></a>`test_retry` `retries.retry` (retries): A retry MUST happen.' in markdown
    html = render_html(again)
    assert '<a href="#check-retries-retry" title="A retry MUST happen.">test_retry</a>' in html
    assert '<tr id="check-retries-retry">' in html


def test_the_checks_command_lists_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["problems"] == []
    smoke = next(c for c in listed["checks"] if c["check"] == "test_smoke_workflow_succeeds")
    assert smoke["id"] == "workflows.smoke-succeeds" and "MUST" in smoke["statement"]
    assert main(["checks"]) == 0
    text = capsys.readouterr().out
    assert "workflows.smoke-succeeds" in text and text.rstrip().endswith("without a complete registry entry")
