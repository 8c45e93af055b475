"""`argo-conformance`: run the packaged suites, work with matrices, manage the local cluster."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.plugin.options import PROVIDERS

DESCRIPTION = """\
Does an Argo Workflows controller build behave like upstream?

  run      run the packaged conformance suites (pytest underneath; extra arguments go to pytest)
  matrix   merge the matrices of parallel CI jobs, diff one against a baseline, render one
  cluster  build, start, stop and inspect the hermetic local Kubernetes cluster
"""

RUN_EPILOG = """\
examples:
  argo-conformance run --provider local
  argo-conformance run --argo-controller acme=quay.io/acme/workflow-controller:v3.5.6-acme -k dropin
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="argo-conformance", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,matrix,cluster}")

    run = sub.add_parser(
        "run",
        help="run the conformance suites",
        description="Run the packaged conformance suites. Arguments after the options go to pytest.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--provider", choices=PROVIDERS, help="same as pytest's --argo-provider")
    run.set_defaults(func=_run)

    from pytest_argo_conformance.command import matrix as matrix_cli

    matrix = sub.add_parser("matrix", help="merge, diff or render conformance matrices")
    matrix_cli.add_arguments(matrix.add_subparsers(dest="matrix_command", required=True))

    cluster = sub.add_parser("cluster", help="the local cluster: deps, build, up, down, status")
    from pytest_argo_conformance.command import cluster as cluster_cli

    cluster_cli.add_arguments(cluster.add_subparsers(dest="cluster_command", required=True))
    return parser


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    import pytest

    argv = [str(suites_dir()), "-p", "argo_conformance"]
    if args.provider:
        argv += ["--argo-provider", args.provider]
    return int(pytest.main(argv + pytest_args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return _run(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
