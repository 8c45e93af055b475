"""`argo-conformance verify BUNDLE`: is the bundle intact (every file as its manifest says, nothing unlisted) and
complete (every check of its registry ran for every build on every required topology, a skip only for an allowed
reason, the product metadata filled in)? Prints each problem; exit 1 when there is one."""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.command.bundle_command import MANIFEST, PRODUCT_FIELDS, TOP
from pytest_argo_conformance.matrix.json_io import loads
from pytest_argo_conformance.matrix.model import Matrix, Outcome

REQUIRED = ("report/matrix.json", "provenance.json", "suite.json", "product.yaml")
# Skips that say the cluster or the build cannot be asked (a capability), not that a check was left out.
DEFAULT_ALLOWED_SKIPS = ("needs *",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, help="the archive `argo-conformance bundle` wrote")
    parser.add_argument("--require-topology", action="append", default=[], metavar="ID",
                        help="a topology every check must have run on (repeatable; default: every topology in "
                             "the matrix)")
    parser.add_argument("--allow-skip", action="append", default=[], metavar="PATTERN",
                        help="a skip reason (fnmatch pattern) that still counts as complete (repeatable; default: "
                             f"{', '.join(DEFAULT_ALLOWED_SKIPS)})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        files = _read(args.bundle)
    except (OSError, tarfile.TarError) as exc:
        print(f"argo-conformance verify: {args.bundle}: not a readable bundle ({exc})", file=sys.stderr)
        return 2
    problems = integrity(files)
    missing = [name for name in REQUIRED if name not in files]
    problems += [f"missing: {name}" for name in missing]
    if not missing:
        problems += completeness(files, args.require_topology, tuple(args.allow_skip) or DEFAULT_ALLOWED_SKIPS)
    for line in problems:
        print(line)
    verdict = f"{len(problems)} problem(s)" if problems else "intact and complete"
    listed = len(files.get(MANIFEST, b"").decode().splitlines())
    print(f"bundle {args.bundle}: {verdict} ({listed} files in the manifest)")
    return 1 if problems else 0


def _read(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:*") as tar:
        for member in tar.getmembers():
            if member.isfile():
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[member.name.removeprefix(f"{TOP}/")] = extracted.read()
    return files


def integrity(files: dict[str, bytes]) -> list[str]:
    if MANIFEST not in files:
        return [f"missing: {MANIFEST} (nothing can be checked against it)"]
    listed: dict[str, str] = {}
    for line in files[MANIFEST].decode().splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    problems = []
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append(f"missing: {name} (listed in {MANIFEST})")
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append(f"changed: {name} (its sha256 is not the one in {MANIFEST})")
    problems += [f"not in {MANIFEST}: {name}" for name in sorted(set(files) - set(listed) - {MANIFEST})]
    return problems


def completeness(files: dict[str, bytes], topologies: list[str], allowed: tuple[str, ...]) -> list[str]:
    try:
        matrix = loads(files["report/matrix.json"].decode())
        suite = json.loads(files["suite.json"])
        product = yaml.safe_load(files["product.yaml"]) or {}
    except (ValueError, yaml.YAMLError) as exc:
        return [f"unreadable: {exc}"]
    problems = [f"product.yaml: {field} is not filled in" for field in PRODUCT_FIELDS
                if not str((product if isinstance(product, dict) else {}).get(field) or "").strip()]
    required = topologies or matrix.topologies()
    for build in matrix.builds_order():
        for topology in required:
            problems += _cell_problems(matrix, build, topology, suite.get("checks", []), allowed)
    return problems


def _cell_problems(matrix: Matrix, build: str, topology: str, checks: list[dict[str, Any]],
                   allowed: tuple[str, ...]) -> list[str]:
    problems = []
    for entry in checks:
        name = str(entry["check"])
        found = [c for c in matrix.cells.values() if c.build == build and c.topology == topology
                 and (c.check == name or c.check.startswith(name + "["))]
        where = f"{build} / {topology} / {name}"
        if not found:
            problems.append(f"not run: {where} ({entry.get('id', '')})")
        for cell in found:
            if cell.outcome is Outcome.ERROR:
                problems.append(f"error: {build} / {topology} / {cell.check}: {cell.reason}")
            elif cell.outcome is Outcome.SKIPPED and not any(fnmatch.fnmatch(cell.reason, p) for p in allowed):
                problems.append(f"skipped for a reason not allowed: {build} / {topology} / {cell.check}: "
                                f"{cell.reason}")
    return problems
