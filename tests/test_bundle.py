"""`argo-conformance bundle` and `verify`: a vendor's submission archive, its checksum manifest, and what verify
reports for a tampered file and a check that did not run (no cluster)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pytest_argo_conformance.matrix.json_io import write_json
from pytest_argo_conformance.matrix.model import BuildInfo, Cell, Matrix, Outcome

SUITE = '''
import pytest

@pytest.mark.conformance(id="workflows.smoke", area="workflows")
def test_smoke(argo):
    """A one-step Workflow MUST succeed."""

@pytest.mark.conformance(id="controllers.two", area="controllers")
def test_two_controllers(argo):
    """Two controllers MUST each reconcile only their own workflows."""
'''
PRODUCT = "vendor: Acme\nproduct: Acme Pipelines\nversion: 3.5.6-acme\ncontact: conformance@acme.example\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    main = "from pytest_argo_conformance.command.main import main; raise SystemExit(main())"
    command = [sys.executable, "-c", main, *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_acme.py").write_text(SUITE)
    (tmp_path / "product.yaml").write_text(PRODUCT)
    matrix = Matrix(versions={"kubernetes": "v1.34.4"}, environment={"provider": "local"})
    for name, ref, baseline in (("upstream", "v3.7.18", True), ("acme", "v3.7.18+patch:drop-pod-labels", False)):
        matrix.add_build(BuildInfo(name=name, ref=ref, baseline=baseline))
        matrix.add(Cell(build=name, topology="upstream-global", check="test_smoke", suite="acme",
                        outcome=Outcome.PASSED))
        matrix.add(Cell(build=name, topology="upstream-global", check="test_two_controllers", suite="acme",
                        outcome=Outcome.SKIPPED, reason="needs a namespaced controller beside the global one"))
    write_json(matrix, tmp_path / "report" / "matrix.json")
    (tmp_path / "report" / "matrix.md").write_text("## matrix\n")
    (tmp_path / "junit.xml").write_text("<testsuites/>\n")
    return tmp_path


def _bundle(work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli("bundle", "--report-dir", "report", "--junit", "junit.xml", "--suites", "suite",
                "-o", "out/bundle.tar.gz", *extra, cwd=work)


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def _rewrite(path: Path, changes: dict[str, bytes | None]) -> None:
    members = _members(path)
    for name, data in changes.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_bundle_holds_every_part_with_a_manifest_and_verifies(work: Path) -> None:
    made = _bundle(work, "--product", "product.yaml")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("bundle out/bundle.tar.gz: 7 files (4 cells of 2 builds), manifest SHA256SUMS")
    members = _members(work / "out" / "bundle.tar.gz")
    top = "argo-conformance-bundle/"
    assert sorted(members) == [top + n for n in ("SHA256SUMS", "junit/junit.xml", "product.yaml", "provenance.json",
                                                  "report/matrix.json", "report/matrix.md", "suite.json")]
    manifest = members[top + "SHA256SUMS"].decode().splitlines()
    assert len(manifest) == 6 and all(len(line.split("  ")[0]) == 64 for line in manifest)
    provenance = json.loads(members[top + "provenance.json"])
    acme = next(b for b in provenance["builds"] if b["name"] == "acme")
    assert acme["ref"] == "v3.7.18+patch:drop-pod-labels" and len(acme["patch"]["sha256"]) == 64
    assert provenance["versions"] == {"kubernetes": "v1.34.4"}
    suite = json.loads(members[top + "suite.json"])
    assert [c["id"] for c in suite["checks"]] == ["workflows.smoke", "controllers.two"]
    assert suite["version"]
    checked = _cli("verify", "out/bundle.tar.gz", cwd=work)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.strip() == "bundle out/bundle.tar.gz: intact and complete (6 files in the manifest)"


def test_verify_reports_a_tampered_file_a_missing_check_and_an_unfilled_form(work: Path) -> None:
    assert _bundle(work).returncode == 0
    bundle = work / "out" / "bundle.tar.gz"
    top = "argo-conformance-bundle/"
    matrix = json.loads(_members(bundle)[top + "report/matrix.json"])
    matrix["cells"] = [c for c in matrix["cells"] if not (c["build"] == "acme" and c["check"] == "test_smoke")]
    _rewrite(bundle, {top + "report/matrix.json": json.dumps(matrix).encode(), top + "extra.txt": b"x"})
    checked = _cli("verify", "out/bundle.tar.gz", cwd=work)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert "changed: report/matrix.json (its sha256 is not the one in SHA256SUMS)" in lines
    assert "not in SHA256SUMS: extra.txt" in lines
    assert "not run: acme / upstream-global / test_smoke (workflows.smoke)" in lines
    assert "product.yaml: vendor is not filled in" in lines
    assert lines[-1] == "bundle out/bundle.tar.gz: 7 problem(s) (6 files in the manifest)"  # 4 product fields


def test_verify_reports_a_removed_file_and_a_skip_that_is_not_allowed(work: Path) -> None:
    assert _bundle(work, "--product", "product.yaml").returncode == 0
    bundle = work / "out" / "bundle.tar.gz"
    _rewrite(bundle, {"argo-conformance-bundle/junit/junit.xml": None})
    checked = _cli("verify", "out/bundle.tar.gz", "--allow-skip", "no GPUs*", cwd=work)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert "missing: junit/junit.xml (listed in SHA256SUMS)" in lines
    assert ("skipped for a reason not allowed: upstream / upstream-global / test_two_controllers: needs a namespaced "
            "controller beside the global one") in lines


def test_bad_input_is_one_line(work: Path) -> None:
    none = _cli("bundle", "--report-dir", "nowhere", cwd=work)
    assert none.returncode == 2
    assert none.stderr.strip() == ("argo-conformance bundle: --report-dir nowhere: no matrix.json there; give the "
                                   "report folder of a run")
    (work / "junk.tar.gz").write_bytes(b"not a tarball")
    junk = _cli("verify", "junk.tar.gz", cwd=work)
    assert junk.returncode == 2 and junk.stderr.startswith("argo-conformance verify: junk.tar.gz: not a readable")
