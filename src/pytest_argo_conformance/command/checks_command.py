"""`argo-conformance checks`: the check registry (stable id, area, MUST sentence, the mutants each check kills)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.plugin import CELL_FIXTURE, registry


class _Collector:
    """Keeps the registry entry of every collected check (once per function, whatever its cells)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], registry.Entry] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if CELL_FIXTURE in getattr(item, "fixturenames", ()):
                entry = registry.entry_of(item)
                self.entries.setdefault((entry.file, entry.check), entry)


def collect(paths: list[Path]) -> tuple[list[registry.Entry], str]:
    """The entries of the checks under `paths` (the packaged suites when empty), and pytest's complaint if its
    collection failed ("" when it did not)."""
    collector = _Collector()
    args = [str(p) for p in (paths or [suites_dir()])]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pytest.main([*args, "-p", "argo_conformance", "--collect-only", "-q", "-p", "no:cacheprovider",
                            "--argo-provider=local"], plugins=[collector])
    problem = "" if code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) else out.getvalue()[-2000:]
    return list(collector.entries.values()), problem


def kills_by_check(detection_file: Path | None) -> dict[str, list[str]]:
    """check name -> the mutants it killed, from a detection matrix (`mutants.json` of `argo-conformance
    mutants`); {} without one."""
    if detection_file is None:
        return {}
    data = json.loads(detection_file.read_text(encoding="utf-8"))
    kills: dict[str, list[str]] = {}
    for mutant in data.get("mutants", []):
        for check, verdict in mutant.get("results", {}).items():
            if verdict == "killed":
                kills.setdefault(check, []).append(mutant["name"])
    return kills


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suites", action="append", default=[], metavar="PATH",
                        help="list the checks of this folder or file instead of the packaged suites (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the registry as JSON")
    parser.add_argument("--kills", type=Path, metavar="MUTANTS_JSON",
                        help="a detection matrix written by `argo-conformance mutants`: list the mutants each "
                             "check killed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p).expanduser().resolve() for p in args.suites]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"argo-conformance checks: --suites {missing[0]}: no such folder or file", file=sys.stderr)
        return 2
    if args.kills is not None and not args.kills.is_file():
        print(f"argo-conformance checks: --kills {args.kills}: no such file; give the mutants.json that "
              "`argo-conformance mutants` wrote", file=sys.stderr)
        return 2
    entries, problem = collect(paths)
    if problem:
        print(f"argo-conformance checks: collecting the checks failed:\n{problem}", file=sys.stderr)
        return 2
    kills = kills_by_check(args.kills)
    rows: list[dict[str, Any]] = [
        {**e.to_dict(), **({"kills": sorted(kills.get(e.check, []))} if args.kills else {})}
        for e in sorted(entries, key=lambda e: (e.area, e.id, e.check))
    ]
    problems = [e.problem for e in entries if e.problem] + registry.duplicates(entries)
    if args.json:
        print(json.dumps({"checks": rows, "problems": problems}, indent=2))
    else:
        for row in rows:
            killed = f"  kills: {', '.join(row['kills']) or '-'}" if "kills" in row else ""
            print(f"{row['id'] or '(no id)':<44} {row['check']} [{row['area'] or '?'}]{killed}")
            print(f"    {row['statement'] or '(no statement)'}")
        print(f"{len(rows)} checks, {len(problems)} without a complete registry entry")
        for line in problems:
            print(f"  problem: {line}")
    return 1 if problems else 0
