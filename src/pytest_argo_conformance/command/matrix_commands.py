"""`matrix merge | diff | render`: argparse subcommands the top-level CLI mounts, also runnable alone
(`python -m pytest_argo_conformance.command.matrix_commands ...`).

Exit codes: 0 done; 1 `diff` found a regression; 2 unusable input or output (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pytest_argo_conformance.matrix.diff import diff
from pytest_argo_conformance.matrix.html import render_html
from pytest_argo_conformance.matrix.json_io import MatrixFileError, dumps, read_json, write_json
from pytest_argo_conformance.matrix.markdown import render_markdown
from pytest_argo_conformance.matrix.merge import MergeError, merge_report
from pytest_argo_conformance.matrix.model import Matrix
from pytest_argo_conformance.matrix.outputs import write_plots

RENDERERS: dict[str, Callable[[Matrix], str]] = {"md": render_markdown, "html": render_html}


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `merge`, `diff` and `render`; each sets `func` (Namespace -> exit code) via set_defaults."""
    p = subparsers.add_parser(
        "merge",
        help="join the matrix.json files of parallel CI jobs",
        description="Join matrix.json files written by parallel jobs. A check reported with different outcomes "
        "keeps the worse one, with a note; a build name with different refs is an error.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="MATRIX.json", help="matrix files to merge")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.json", help="write the merged JSON here (default: stdout)")
    p.add_argument("--markdown", type=Path, metavar="OUT.md", help="also write the merged matrix as Markdown")
    p.add_argument("--html", type=Path, metavar="OUT.html", help="also write the merged matrix as HTML")
    p.set_defaults(func=run_merge)

    p = subparsers.add_parser(
        "diff",
        help="compare a matrix with a baseline run; exit 1 on a regression",
        description="Print what changed between two runs. Exit 1 when a cell that passed in the baseline run "
        "failed or errored now, 0 otherwise, 2 when a file cannot be read.",
    )
    p.add_argument("--baseline", type=Path, required=True, metavar="BASELINE.json", help="the earlier run's matrix")
    p.add_argument("current", type=Path, metavar="CURRENT.json", help="this run's matrix")
    p.set_defaults(func=run_diff)

    p = subparsers.add_parser("render", help="render a matrix.json as Markdown or HTML")
    p.add_argument("input", type=Path, metavar="MATRIX.json")
    p.add_argument("--format", choices=sorted(RENDERERS), default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here (default: stdout)")
    p.set_defaults(func=run_render)


def _error(command: str, message: str) -> int:
    print(f"matrix {command}: error: {message}", file=sys.stderr)
    return 2


def _emit(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _write_failed(command: str, exc: OSError) -> int:
    where = exc.filename or "output"
    return _error(command, f"cannot write {where}: {exc.strerror or exc}; choose a writable path")


def run_merge(args: argparse.Namespace) -> int:
    inputs: list[Path] = args.inputs
    try:
        matrices = [read_json(path) for path in inputs]
        report = merge_report(matrices, labels=[str(path) for path in inputs])
    except (MatrixFileError, MergeError) as exc:
        return _error("merge", str(exc))
    for conflict in report.conflicts:
        print(f"matrix merge: warning: {conflict}", file=sys.stderr)
    try:
        if args.output is None:
            sys.stdout.write(dumps(report.matrix))
        else:
            write_json(report.matrix, args.output)
        if args.markdown is not None:
            _emit(render_markdown(report.matrix), args.markdown)
        if args.html is not None:
            _emit(render_html(report.matrix), args.html)
    except OSError as exc:
        return _write_failed("merge", exc)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    try:
        baseline, current = read_json(args.baseline), read_json(args.current)
    except MatrixFileError as exc:
        return _error("diff", str(exc))
    result = diff(baseline, current)
    sys.stdout.write(result.render_text())
    return 1 if result.has_regressions else 0


def run_render(args: argparse.Namespace) -> int:
    try:
        matrix = read_json(args.input)
    except MatrixFileError as exc:
        return _error("render", str(exc))
    try:
        _emit(RENDERERS[args.format](matrix), args.output)
        if args.output is not None and args.format == "md":  # the Markdown links to the scale plots beside it
            write_plots(matrix, args.output.parent)
    except OSError as exc:
        return _write_failed("render", exc)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_argo_conformance.command.matrix_commands",
        description="Merge, compare and render matrices.",
    )
    add_arguments(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
