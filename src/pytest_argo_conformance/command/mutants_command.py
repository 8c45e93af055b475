"""`argo-conformance mutants`: the mutation score of the suites over a catalog of planted defects."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from pytest_argo_conformance.components.argo import mutants as catalog
from pytest_argo_conformance.components.argo.build import ArgoBuildError, build_binaries
from pytest_argo_conformance.components.argo.build_refs import BuildError, parse_build
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.matrix.json_io import MatrixFileError, read_json
from pytest_argo_conformance.matrix.mutation import Detection, MutantInfo, Status, detect
from pytest_argo_conformance.matrix.mutation_render import render_html, render_markdown

log = logging.getLogger(__name__)

DESCRIPTION = """\
Build each planted defect (suites/mutants/*.patch, or your own with --mutants), run the suites against it beside
the baseline in one topology of the local cluster, and write the detection matrix (mutant x check -> killed /
survived) as mutants.json, mutants.md and mutants.html. The last line printed is `mutation score: K/N killed`.
A check kills a mutant when it passed on the baseline and failed on the mutant. Arguments after the options go
to pytest (e.g. -n 3 runs three cells at once with pytest-xdist).
"""

DEFAULT_REPORT_DIR = "argo-conformance-mutants"
FIRST_KILL_PLUGIN = "pytest_argo_conformance.plugin.first_kill"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mutants", action="append", default=[], type=Path, metavar="PATH",
                        help="your own patches: a .patch file or a folder of them (repeatable; default: the "
                             "packaged catalog suites/mutants)")
    parser.add_argument("-k", dest="select", metavar="EXPR",
                        help="only the mutants whose name or area matches this pytest-style expression, "
                             "e.g. 'retry or cron', 'not server'")
    parser.add_argument("--checks", metavar="EXPR", help="only the checks matching this pytest -k expression")
    parser.add_argument("--argo-topology", default="upstream-global", metavar="ID",
                        help="the one topology the mutants run in (default: upstream-global)")
    parser.add_argument("--baseline", default=None, metavar="VERSION",
                        help="the upstream release the patches apply to and the mutants are judged against "
                             "(default: the pinned one)")
    parser.add_argument("--argo-report-dir", type=Path, default=Path(DEFAULT_REPORT_DIR), metavar="DIR",
                        help="where matrix.json and mutants.json/.md/.html are written "
                             f"(default: ./{DEFAULT_REPORT_DIR})")
    parser.add_argument("--full-matrix", action="store_true",
                        help="run every check on every mutant (default: stop a mutant's checks at its first kill, "
                             "with the checks of its area first)")
    parser.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    parser.set_defaults(func=None)


def selected(mutants: list[catalog.Mutant], expression: str | None) -> list[catalog.Mutant]:
    """The mutants whose name or area matches `expression` (pytest's -k language, case-insensitive)."""
    if not expression:
        return mutants
    from _pytest.mark.expression import Expression  # pytest's own -k language

    try:
        compiled = Expression.compile(expression)
    except SyntaxError as exc:  # pytest raises its ParseError, a SyntaxError
        raise catalog.MutantError(f"-k {expression!r}: {exc}") from None

    def matcher(mutant: catalog.Mutant) -> bool:
        words = f"{mutant.name} {mutant.area}".lower()

        def contains(sub: str, /, **kwargs: str | int | bool | None) -> bool:
            return sub.lower() in words

        return compiled.evaluate(contains)

    return [m for m in mutants if matcher(m)]


def run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    if "," in args.argo_topology:
        print(f"argo-conformance mutants: --argo-topology {args.argo_topology}: give one topology", file=sys.stderr)
        return 2
    try:
        mutants = selected(catalog.catalog(args.mutants), args.select)
    except catalog.MutantError as exc:
        print(f"argo-conformance mutants: {exc}", file=sys.stderr)
        return 2
    if not mutants:
        print(f"argo-conformance mutants: -k {args.select!r} selects none of the mutants", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(f"{m.name:<32} [{m.area or '?'}] {m.what}" + (f" (equivalent: {m.equivalent})" if m.equivalent
                                                                 else ""))
        print(f"{len(mutants)} mutants")
        return 0
    baseline = args.baseline or version("argo-workflows")
    started = time.monotonic()
    from pytest_argo_conformance.command.main import progress_on_stderr

    with progress_on_stderr():
        infos, controllers = _build_all(mutants, baseline)
    if not controllers:
        print("argo-conformance mutants: no mutant to run (all equivalent or unbuildable)", file=sys.stderr)
        _report(Detection(baseline="upstream", topology=args.argo_topology, mutants=[], checks=[],
                          baseline_outcomes={}), infos)
        return 1
    report_dir = args.argo_report_dir.expanduser().resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "matrix.json").unlink(missing_ok=True)  # never judge an earlier run's matrix
    code = _run_pytest(args, pytest_args, baseline, controllers, report_dir)
    if code in (2, 3, 4) or not (report_dir / "matrix.json").is_file():
        print(f"argo-conformance mutants: the suites did not run to the end (pytest exit code {code}); no score",
              file=sys.stderr)
        return code or 1
    try:
        matrix = read_json(report_dir / "matrix.json")
        detection = detect(matrix, infos, topology=args.argo_topology,
                           mode="full" if args.full_matrix else "first-kill", seconds=time.monotonic() - started)
    except (MatrixFileError, ValueError) as exc:
        print(f"argo-conformance mutants: {exc}", file=sys.stderr)
        return 1
    _write(detection, report_dir)
    return _report(detection, infos)


def _build_all(mutants: list[catalog.Mutant], baseline: str) -> tuple[list[MutantInfo], list[str]]:
    """Build each mutant (cached by patch content); the catalog's view of each, and the --argo-controller values
    of those that built."""
    infos: list[MutantInfo] = []
    controllers: list[str] = []
    for i, mutant in enumerate(mutants, 1):
        info = MutantInfo(name=mutant.name, file=str(mutant.path), what=mutant.what, breaks=mutant.breaks,
                          area=mutant.area, equivalent=mutant.equivalent)
        if mutant.equivalent:
            log.info("mutant %d/%d %s: equivalent (%s), not run", i, len(mutants), mutant.name, mutant.equivalent)
            infos.append(info)
            continue
        spec = f"{mutant.name}={mutant.ref(baseline)}"
        try:
            build_started = time.monotonic()
            build_binaries(parse_build(spec))
            log.info("mutant %d/%d %s: built (%.0fs)", i, len(mutants), mutant.name, time.monotonic() - build_started)
            controllers.append(spec)
        except (ArgoBuildError, BuildError) as exc:
            log.warning("mutant %s: %s", mutant.name, exc)
            info = dataclasses.replace(info, unbuildable=str(exc))
        infos.append(info)
    return infos, controllers


def _run_pytest(args: argparse.Namespace, pytest_args: list[str], baseline: str, controllers: list[str],
                report_dir: Path) -> int:
    import pytest

    argv = [str(suites_dir()), "-p", "argo_conformance", "--argo-suites=packaged", "--argo-provider=local",
            f"--argo-topology={args.argo_topology}", f"--argo-controller=upstream={baseline}",
            *(f"--argo-controller={spec}" for spec in controllers), f"--argo-report-dir={report_dir}",
            "--argo-run-label=mutants", "-rN"]
    if not args.full_matrix:
        argv += ["-p", FIRST_KILL_PLUGIN]
    if args.checks:
        argv += ["-k", args.checks]
    return int(pytest.main(argv + pytest_args))


def _write(detection: Detection, report_dir: Path) -> None:
    import json

    (report_dir / "mutants.json").write_text(json.dumps(detection.to_dict(), indent=2) + "\n", encoding="utf-8")
    (report_dir / "mutants.md").write_text(render_markdown(detection), encoding="utf-8")
    (report_dir / "mutants.html").write_text(render_html(detection), encoding="utf-8")
    for name in ("mutants.json", "mutants.md", "mutants.html"):
        print(f"written: {report_dir / name}")


def _report(detection: Detection, infos: list[MutantInfo]) -> int:
    """Print one line per mutant (survivors and the unjudged with why), then the score as the last line."""
    shown = detection.mutants or []
    for m in shown:
        if m.status is Status.KILLED:
            print(f"  killed     {m.info.name:<32} by {m.killed_by[0]}" + (f" (+{len(m.killed_by) - 1})"
                                                                          if len(m.killed_by) > 1 else ""))
        else:
            print(f"  {m.status.value:<10} {m.info.name:<32} {m.info.what}: {m.why}")
    if not shown:
        for info in infos:
            print(f"  {'equivalent' if info.equivalent else 'unbuildable'} {info.name}: "
                  f"{info.equivalent or info.unbuildable}")
    print(detection.score_line())
    return 1 if any(m.status is Status.UNBUILDABLE for m in shown) else 0
