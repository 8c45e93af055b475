"""Each build is judged against the upstream release of its own minor line (or the baseline when its line has none
pinned here), and the session orders builds so that a reference runs before the builds judged against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pins import BASELINE, PREVIOUS_LINE, V4
from pytest_argo_conformance.components.argo.build_refs import parse_build
from pytest_argo_conformance.components.argo.lines import (
    Line,
    compared_with,
    judged_against,
    line_of,
    line_of_version,
    reference,
    reference_first,
    served_versions_hint,
)


def builds(*specs: str) -> tuple:  # type: ignore[type-arg]
    return (parse_build(f"upstream={BASELINE}", baseline=True), *(parse_build(s) for s in specs))


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        (f"a={V4}", "v4.0"),
        (f"a={PREVIOUS_LINE}+patch:drop-pod-labels", "v3.6"),
        ("a=go:github.com/acme/argo-workflows/v3@v3.6.10-acme.2", "v3.6"),
        ("a=quay.io/acme/workflow-controller:v4.0.7-acme", "v4.0"),
        ("a=quay.io/acme/workflow-controller:latest", str(line_of_version(BASELINE))),
    ],
)
def test_a_build_belongs_to_the_line_its_ref_names(spec: str, line: str) -> None:
    assert str(line_of(parse_build(spec))) == line


def test_a_source_directory_belongs_to_the_newest_pinned_line_of_its_module_major(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module github.com/acme/argo-workflows/v4\n\ngo 1.25\n")
    assert line_of(parse_build(f"a={tmp_path}")) == Line(4, 0)


def test_a_fork_of_a_pinned_line_is_judged_against_that_lines_release_when_it_is_in_the_session() -> None:
    session = builds(f"old={PREVIOUS_LINE}", f"fork={PREVIOUS_LINE}+patch:drop-pod-labels", f"v4={V4}")
    ordered = {b.name: b for b in session}
    fork = ordered["fork"]
    assert reference(fork).release == PREVIOUS_LINE and reference(fork).own_line
    assert compared_with(fork, session) == ordered["old"]
    assert compared_with(ordered["old"], session) is None  # a line's own release is its own reference
    assert compared_with(ordered["v4"], session) is None
    assert judged_against(ordered["v4"], session) == "itself (upstream release of the v4.0 line)"
    assert judged_against(fork, session).startswith(
        f"old ({PREVIOUS_LINE}); CRDs: upstream {PREVIOUS_LINE} (v3.6 line)")


def test_without_its_lines_release_in_the_session_a_build_is_judged_against_the_baseline() -> None:
    session = builds(f"fork={PREVIOUS_LINE}+patch:drop-pod-labels")
    assert compared_with(session[1], session) == session[0]
    unpinned = parse_build("odd=quay.io/acme/workflow-controller:v3.4.9")
    assert reference(unpinned).release == BASELINE and not reference(unpinned).own_line
    assert "no v3.4 release builds here" in reference(unpinned).describe()


def test_references_come_first_so_their_behaviour_is_seen_before_the_builds_judged_against_them() -> None:
    session = builds(f"fork={PREVIOUS_LINE}+patch:drop-pod-labels", f"old={PREVIOUS_LINE}")
    assert [b.name for b in reference_first(list(session))] == ["upstream", "old", "fork"]


def test_the_hint_for_an_unserved_version_names_every_pinned_release() -> None:
    hint = served_versions_hint()
    for release in (BASELINE, PREVIOUS_LINE, V4):
        assert release in hint
