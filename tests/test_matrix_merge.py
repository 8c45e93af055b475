"""Merging the matrices of parallel CI jobs."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.matrix import BuildInfo, Cell, Matrix, MergeError, Outcome, merge, merge_report


def job(run_id: str, build: BuildInfo, topology: str, results: dict[str, Outcome], **versions: str) -> Matrix:
    matrix = Matrix(run_id=run_id, versions=dict(versions), environment={"provider": "kind"})
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(build)
    for check, outcome in results.items():
        matrix.add(Cell("upstream", topology, check, "dag", Outcome.PASSED, 1.0))
        matrix.add(Cell(build.name, topology, check, "dag", outcome, 2.0, reason=f"{check} went {outcome.value}"))
    return matrix


ACME = BuildInfo("acme", "quay.io/acme/workflow-controller:v1", images={"argoexec": "quay.io/acme/argoexec:v1"})


def test_merge_joins_two_jobs() -> None:
    single = job("job-single", ACME, "single", {"dag-diamond": Outcome.PASSED}, kubernetes="v1.34.4")
    ha = job("job-ha", ACME, "ha", {"dag-diamond": Outcome.FAILED}, kubernetes="v1.34.4")
    ha.created = "2099-01-01T00:00:00Z"

    merged = merge([single, ha])

    assert merged.topologies() == ["ha", "single"]
    assert merged.builds_order() == ["upstream", "acme"]
    assert len(merged.cells) == 4
    assert merged.versions == {"kubernetes": "v1.34.4"}
    assert merged.run_id == "job-single | job-ha"
    assert merged.created == "2099-01-01T00:00:00Z"
    assert merged.baseline_build() == "upstream"
    assert all(not cell.notes for cell in merged.cells.values())


def test_merge_does_not_change_its_inputs() -> None:
    a = job("a", ACME, "single", {"x": Outcome.PASSED})
    b = job("b", ACME, "single", {"x": Outcome.FAILED})
    before = (a.to_dict(), b.to_dict())
    merge([a, b])
    assert (a.to_dict(), b.to_dict()) == before


def test_differing_versions_are_kept_side_by_side_and_stay_flat_when_merged_again() -> None:
    a = job("a", ACME, "single", {"x": Outcome.PASSED}, kubernetes="v1.33.1", kueue="v0.9.0")
    b = job("b", ACME, "ha", {"x": Outcome.PASSED}, kubernetes="v1.34.4")
    c = job("c", ACME, "ha", {"y": Outcome.PASSED}, kubernetes="v1.34.4")
    merged = merge([merge([a, b]), c])
    assert merged.versions == {"kubernetes": "v1.33.1 | v1.34.4", "kueue": "v0.9.0"}


def test_a_conflicting_duplicate_keeps_the_worse_outcome_with_a_note() -> None:
    a = job("job-a", ACME, "single", {"dag-diamond": Outcome.PASSED})
    b = job("job-b", ACME, "single", {"dag-diamond": Outcome.FAILED})

    report = merge_report([a, b], labels=["a.json", "b.json"])

    cell = report.matrix.get("acme", "single", "dag-diamond")
    assert cell is not None and cell.outcome is Outcome.FAILED
    assert cell.reason == "dag-diamond went failed"
    assert cell.notes == ["merge conflict: failed in b.json, passed in a.json (dag-diamond went passed); kept failed"]
    assert report.conflicts == ["acme/single/dag-diamond: " + cell.notes[0]]
    # the same key with the same outcome (the baseline's cell) is no conflict
    assert len(report.conflicts) == 1


def test_conflict_notes_name_run_ids_without_labels() -> None:
    a = job("job-a", ACME, "single", {"x": Outcome.ERROR})
    b = job("job-b", ACME, "single", {"x": Outcome.SKIPPED})
    cell = merge([a, b]).get("acme", "single", "x")
    assert cell is not None and cell.outcome is Outcome.ERROR
    assert cell.notes == ["merge conflict: error in job-a, skipped in job-b (x went skipped); kept error"]


def test_one_build_name_with_two_refs_is_an_error() -> None:
    other = BuildInfo("acme", "quay.io/acme/workflow-controller:v2")
    a = job("a", ACME, "single", {"x": Outcome.PASSED})
    b = job("b", other, "ha", {"x": Outcome.PASSED})
    with pytest.raises(MergeError, match=r"build 'acme' is 'quay.io/acme/workflow-controller:v1' in a.json but "
                       r"'quay.io/acme/workflow-controller:v2' in b.json; .* rename one"):
        merge([a, b], labels=["a.json", "b.json"])


def test_one_build_name_with_two_argoexec_images_is_an_error() -> None:
    other = BuildInfo("acme", ACME.ref, images={"argoexec": "quay.io/acme/argoexec:v9"})
    with pytest.raises(MergeError, match="uses argoexec image"):
        merge([job("a", ACME, "single", {}), job("b", other, "ha", {})])


def test_two_baseline_builds_are_an_error() -> None:
    a = job("a", ACME, "single", {})
    b = Matrix(run_id="b")
    b.add_build(BuildInfo("upstream-old", "v3.5.0", baseline=True))
    with pytest.raises(MergeError, match="'upstream' .* and 'upstream-old' .* are both the baseline build"):
        merge([a, b])


def test_differing_digests_are_kept_side_by_side() -> None:
    a, b = (BuildInfo("acme", ACME.ref, digests={ACME.ref: d}) for d in ("sha256:1", "sha256:2"))
    merged = merge([job("a", a, "single", {}), job("b", b, "ha", {})])
    assert merged.builds["acme"].digests == {ACME.ref: "sha256:1 | sha256:2"}


def test_nothing_to_merge_is_an_error() -> None:
    with pytest.raises(MergeError, match="at least one"):
        merge([])
