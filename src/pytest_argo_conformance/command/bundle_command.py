"""`argo-conformance bundle`: one archive a vendor hands in, with a checksum manifest over every file.

Layout of the archive (one top folder, `argo-conformance-bundle/`):
- `report/`: the run's report folder as written (matrix.json, .md, .html, and whatever else is there);
- `junit/`: the JUnit XML files given with `--junit`;
- `provenance.json`: per build its ref, images and digests, for builds from source the Go module versions and
  sums that its binaries were built from (`go version -m`) and its patch's digest; the cluster and its versions;
- `suite.json`: this package's version and the check registry (each check's id, area and MUST sentence);
- `product.yaml`: the product metadata the vendor fills in (`--product`, else a form to fill);
- `SHA256SUMS`: the digest of every other file (`argo-conformance verify` checks it).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.matrix.json_io import read_json
from pytest_argo_conformance.matrix.model import BuildInfo, Matrix

TOP = "argo-conformance-bundle"
MANIFEST = "SHA256SUMS"
PRODUCT_FIELDS = ("vendor", "product", "version", "contact")
PRODUCT_FORM = {field: "" for field in PRODUCT_FIELDS} | {"notes": ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report-dir", type=Path, default=Path("argo-conformance-report"),
                        help="the run's report folder, with matrix.json (default: ./argo-conformance-report)")
    parser.add_argument("--junit", type=Path, action="append", default=[], metavar="XML",
                        help="a JUnit XML file of the run (pytest --junitxml; repeatable)")
    parser.add_argument("--product", type=Path, metavar="YAML",
                        help=f"the product metadata ({', '.join(PRODUCT_FIELDS)}, notes); without it the bundle "
                             "holds an empty form, which verify reports")
    parser.add_argument("--suites", action="append", default=[], metavar="PATH",
                        help="the check registry of these folders instead of the packaged suites (repeatable)")
    parser.add_argument("-o", "--output", type=Path, default=Path("argo-conformance-bundle.tar.gz"),
                        help="the archive to write (default: ./argo-conformance-bundle.tar.gz)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    matrix_file = args.report_dir / "matrix.json"
    problem = _input_problem(args, matrix_file)
    if problem:
        print(f"argo-conformance bundle: {problem}", file=sys.stderr)
        return 2
    matrix = read_json(matrix_file)
    files: dict[str, bytes] = {}
    for path in sorted(p for p in args.report_dir.rglob("*") if p.is_file()):
        files[f"report/{path.relative_to(args.report_dir).as_posix()}"] = path.read_bytes()
    for xml in args.junit:
        files[f"junit/{xml.name}"] = xml.read_bytes()
    files["provenance.json"] = _json(provenance(matrix))
    registry = _registry([Path(p).resolve() for p in args.suites])
    if isinstance(registry, str):
        print(f"argo-conformance bundle: the check registry could not be collected:\n{registry}", file=sys.stderr)
        return 2
    files["suite.json"] = _json({"package": "pytest-argo-conformance", "version": _version(), "checks": registry})
    product = args.product.read_bytes() if args.product else yaml.safe_dump(PRODUCT_FORM, sort_keys=False).encode()
    files["product.yaml"] = product
    files[MANIFEST] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                              for name, data in sorted(files.items())).encode()
    write_archive(args.output, files)
    print(f"bundle {args.output}: {len(files)} files ({len(matrix.cells)} cells of {len(matrix.builds)} builds), "
          f"manifest {MANIFEST}" + ("" if args.product else "; product.yaml is an empty form: fill it in and "
                                    "bundle again with --product"))
    return 0


def _input_problem(args: argparse.Namespace, matrix_file: Path) -> str:
    if not matrix_file.is_file():
        return f"--report-dir {args.report_dir}: no matrix.json there; give the report folder of a run"
    missing = [str(x) for x in args.junit if not x.is_file()]
    if missing:
        return f"--junit {missing[0]}: no such file"
    if args.product is not None:
        if not args.product.is_file():
            return f"--product {args.product}: no such file"
        try:
            data = yaml.safe_load(args.product.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            return f"--product {args.product}: not valid YAML"
        if not isinstance(data, dict):
            return f"--product {args.product}: give a mapping with {', '.join(PRODUCT_FIELDS)}"
    return ""


def write_archive(path: Path, files: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{TOP}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))


def provenance(matrix: Matrix) -> dict[str, Any]:
    return {
        "builds": [_build_provenance(matrix.builds[name]) for name in matrix.builds_order() if name in matrix.builds],
        "versions": dict(sorted(matrix.versions.items())),
        "environment": dict(sorted(matrix.environment.items())),
        "topologies": {t: matrix.topology_title(t) for t in matrix.topologies()},
    }


def _build_provenance(build: BuildInfo) -> dict[str, Any]:
    record: dict[str, Any] = build.to_dict()
    from pytest_argo_conformance.components.argo.build import cache_key
    from pytest_argo_conformance.components.argo.build_refs import BuildError, parse_build, patch_file
    from pytest_argo_conformance.config.paths import cache_dir

    try:
        parsed = parse_build(f"{build.name}={build.ref}")
    except BuildError:
        return record
    patch = patch_file(parsed.ref)
    if patch is not None and patch.is_file():
        record["patch"] = {"file": patch.name, "sha256": hashlib.sha256(patch.read_bytes()).hexdigest()}
    bin_dir = cache_dir() / "argo" / cache_key(parsed) / "bin"
    binaries = {p.name: go_modules(p) for p in sorted(bin_dir.glob("*")) if p.is_file()}
    if binaries:
        record["go"] = binaries
    return record


def go_modules(binary: Path) -> dict[str, Any]:
    """What `go version -m` reads from a Go binary: its Go version, main module, and each dependency's version and
    go.sum hash."""
    done = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True, text=True, check=False,
                          timeout=60)
    if done.returncode != 0:
        return {"error": done.stderr.strip() or f"go version -m exited {done.returncode}"}
    found: dict[str, Any] = {"deps": []}
    for number, line in enumerate(done.stdout.splitlines()):
        parts = line.strip().split("\t")
        if number == 0:
            found["go"] = line.rsplit(" ", 1)[-1]
        elif parts[0] == "mod" and len(parts) >= 3:
            found["main"] = {"path": parts[1], "version": parts[2], "sum": parts[3] if len(parts) > 3 else ""}
        elif parts[0] == "dep" and len(parts) >= 3:
            found["deps"].append({"path": parts[1], "version": parts[2], "sum": parts[3] if len(parts) > 3 else ""})
        elif parts[0] == "=>" and found["deps"]:
            found["deps"][-1]["replaced_by"] = " ".join(parts[1:])
    return found


def _registry(paths: list[Path]) -> list[dict[str, str]] | str:
    from pytest_argo_conformance.command.checks_command import collect

    entries, problem = collect(paths)
    if problem:
        return problem
    return sorted(({"check": e.check, "id": e.id, "area": e.area, "statement": e.statement} for e in entries),
                  key=lambda e: e["check"])


def _version() -> str:
    try:
        return metadata.version("pytest-argo-conformance")
    except metadata.PackageNotFoundError:
        return "unknown"


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
