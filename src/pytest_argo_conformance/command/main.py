"""`argo-conformance`: run the packaged suites, work with matrices, manage the local cluster.

Progress comes from the package's loggers (`pytest_argo_conformance.*`): `run` shows it through pytest's live
logging (`--log-cli-level=INFO` unless you give a level), the other commands print it on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.plugin.options import PROVIDERS

DESCRIPTION = """\
Does an Argo Workflows controller build behave like upstream?

  run      run the packaged conformance suites (pytest underneath; extra arguments go to pytest)
  matrix   merge the matrices of parallel CI jobs, diff one against a baseline, render one
  cluster  build, start, stop and inspect the hermetic local Kubernetes cluster
  mutants  run the suites against planted defects (suites/mutants) and print the mutation score
  scale    a thousand workflows per build through one controller on simulated nodes (KWOK), compared by throughput
  checks   the check registry: each check's id, area and MUST sentence (and the mutants it kills)
  bundle   one archive for a vendor submission (matrix, JUnit, provenance, registry, product metadata, checksums)
  verify   check a bundle: every file intact, every check run on every required topology
"""

DEFAULT_WORKERS = 5  # run --workers: one per packaged topology (README figures: 24 min with 5, 31 with 3)

RUN_EPILOG = """\
examples:
  argo-conformance run --provider local
  argo-conformance run --argo-controller acme=quay.io/acme/workflow-controller:v3.5.6-acme -k dropin
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="argo-conformance", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="{run,matrix,cluster,mutants,scale,checks,bundle,verify}")

    run = sub.add_parser(
        "run",
        help="run the conformance suites",
        description="Run the packaged conformance suites. Arguments after the options go to pytest.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--provider", choices=PROVIDERS, help="same as pytest's --argo-provider")
    run.add_argument("--suites", action="append", default=[], metavar="PATH",
                     help="a folder (or file) of your own checks, collected beside the packaged suites (repeatable); "
                          "its conftest.py may add topologies, installs and providers through the plugin's hooks")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help=f"run the topologies side by side in N pytest-xdist workers, each topology (all its builds) "
                          f"on one (default {DEFAULT_WORKERS}; 1: everything in this process, with the live log of "
                          f"each check); a -n or --dist of your own wins")
    run.set_defaults(func=_run)

    from pytest_argo_conformance.command import matrix_commands as matrix_cli

    matrix = sub.add_parser("matrix", help="merge, diff or render conformance matrices")
    matrix_cli.add_arguments(matrix.add_subparsers(dest="matrix_command", required=True))

    cluster = sub.add_parser("cluster", help="the local cluster: deps, build, up, down, status")
    from pytest_argo_conformance.command import cluster_commands as cluster_cli

    cluster_cli.add_arguments(cluster.add_subparsers(dest="cluster_command", required=True))

    from pytest_argo_conformance.command import checks_command, mutants_command

    mutants = sub.add_parser("mutants", help="mutation score: run the suites against planted defects",
                             description=mutants_command.DESCRIPTION,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    mutants_command.add_arguments(mutants)
    from pytest_argo_conformance.command import scale_command

    scale_command.add_arguments(sub.add_parser(
        "scale", help="the scale lane: workflows per minute and latency of each build on simulated nodes",
        description=scale_command.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    checks = sub.add_parser("checks", help="list the check registry (text or JSON)")
    checks_command.add_arguments(checks)
    from pytest_argo_conformance.command import bundle_command, verify_command

    bundle_command.add_arguments(sub.add_parser(
        "bundle", help="one archive for a vendor submission: matrix, JUnit, provenance, registry, product metadata",
        description=bundle_command.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    verify_command.add_arguments(sub.add_parser(
        "verify", help="check a bundle's integrity and completeness", description=verify_command.__doc__))
    return parser


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    import pytest

    own = [Path(p).expanduser().resolve() for p in args.suites]
    for given, path in zip(args.suites, own, strict=True):
        if not path.exists():
            print(f"argo-conformance run: --suites {given}: no such folder or file; give a folder of checks",
                  file=sys.stderr)
            return 4  # pytest's exit code for a usage error
    # The packaged suites and yours as pytest arguments (so your conftest.py is loaded before pytest configures);
    # --argo-suites=packaged also collects the folders that pytest_argo_suite_paths hooks return.
    argv = [str(suites_dir()), *map(str, own), "-p", "argo_conformance", "--argo-suites=packaged",
            *own_configuration(pytest_args)]
    if not any(arg.startswith("--log-cli-level") or "log_cli_level" in arg or arg == "no:logging"
               for arg in pytest_args):
        argv.append("--log-cli-level=INFO")  # build and cluster progress, live
    if args.provider:
        argv += ["--argo-provider", args.provider]
    workers = DEFAULT_WORKERS if args.workers is None else args.workers
    if workers < 1:
        print(f"argo-conformance run: --workers {workers}: give 1 or more (1 runs everything in this process)",
              file=sys.stderr)
        return 4
    if workers > 1 and not _distribution_chosen(pytest_args):
        if _provider(args, pytest_args) == "kind":  # its cluster's up and down are not shared between processes yet
            if args.workers is not None:
                print(f"argo-conformance run: --workers {workers}: the kind provider runs the topologies one after "
                      "another (one process makes and removes its cluster); running with 1", file=sys.stderr)
        else:
            argv += ["-n", str(workers)]
    return int(pytest.main(argv + pytest_args))


def own_configuration(pytest_args: list[str]) -> list[str]:
    """The run's own rootdir and configuration file, whatever folder it is started from: no pytest.ini, tox.ini,
    setup.cfg or pyproject.toml of that folder or its parents applies, nor a conftest.py there; pytest's cache goes to
    the current folder (as it would for a project there), unless `pytest_args` turn the cache off."""
    own = [f"--rootdir={suites_dir()}", "-c", str(Path(__file__).with_name("run.ini"))]
    cache_off = any(arg in ("no:cacheprovider", "-pno:cacheprovider") for arg in pytest_args)
    return own if cache_off else [*own, "-o", f"cache_dir={Path.cwd() / '.pytest_cache'}"]


def _provider(args: argparse.Namespace, pytest_args: list[str]) -> str:
    """The provider the run will use: --provider, else --argo-provider among pytest's arguments, else the
    environment, else auto resolved (kind where Docker answers)."""
    from pytest_argo_conformance.providers.registry import resolve

    given = args.provider
    for index, arg in enumerate(pytest_args):
        if arg.startswith("--argo-provider="):
            given = given or arg.split("=", 1)[1]
        elif arg == "--argo-provider" and index + 1 < len(pytest_args):
            given = given or pytest_args[index + 1]
    given = given or os.environ.get("ARGO_CONFORMANCE_PROVIDER") or "auto"
    return resolve(given) if given == "auto" else given


def _distribution_chosen(pytest_args: list[str]) -> bool:
    """The user's own pytest-xdist choice: -n/--numprocesses/--dist, or xdist turned off."""
    for index, arg in enumerate(pytest_args):
        if arg.startswith(("-n", "--numprocesses", "--dist", "-pno:xdist")) or arg == "no:xdist" and index and \
                pytest_args[index - 1] == "-p":
            return True
    return False


@contextmanager
def progress_on_stderr(level: int = logging.INFO) -> Iterator[None]:
    """Print the package's log records of `level` and above on stderr for the block (undone afterwards)."""
    logger = logging.getLogger("pytest_argo_conformance")
    handler = logging.StreamHandler(sys.stderr)
    from pytest_argo_conformance.plugin.worker_progress import ProgressFormatter

    handler.setFormatter(ProgressFormatter("%(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return _run(args, rest)
    if args.command == "mutants":
        from pytest_argo_conformance.command import mutants_command

        return mutants_command.run(args, rest)
    if args.command == "scale":
        from pytest_argo_conformance.command import scale_command

        return scale_command.run(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    from pytest_argo_conformance.process import signals

    installed = signals.install()  # SIGTERM stops `cluster up` as Ctrl-C does: it removes what it started
    try:
        with progress_on_stderr():
            return int(args.func(args))
    except KeyboardInterrupt:
        sys.stderr.write(f"argo-conformance {args.command}: interrupted by {signals.received() or 'SIGINT'}\n")
        return 130
    finally:
        if installed:
            signals.uninstall()


if __name__ == "__main__":
    sys.exit(main())
