"""`argo-conformance scale`: the scale lane alone (suites/test_scale.py) for each build, one after another.

Every build's controller gets the same workflows with the same settings on the same simulated nodes (KWOK). The
matrix (argo-conformance-report/ by default) holds each build's figures and the gate's verdicts; the plot of
completed workflows over time is scale-completed-<topology>.png beside it and inside matrix.html.

examples:
  argo-conformance scale --argo-provider local
  argo-conformance scale --workflows 200 --argo-controller slow=v3.7.18+patch:slow-reconcile
"""

from __future__ import annotations

import argparse

from pytest_argo_conformance.command.main import own_configuration
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.plugin.options import PROVIDERS
from pytest_argo_conformance.scale.settings import (
    DEFAULT_BURST,
    DEFAULT_NODES,
    DEFAULT_POD_SECONDS,
    DEFAULT_PODS,
    DEFAULT_TOLERANCE,
    DEFAULT_WORKFLOWS,
)

TOPOLOGY = "upstream-global"  # one controller for the whole cluster: what the published figures measure

FLAGS = (  # (our option, its pytest option, type, default, help)
    ("--workflows", "--argo-scale-workflows", int, DEFAULT_WORKFLOWS, "workflows per build"),
    ("--pods-per-workflow", "--argo-scale-pods", int, DEFAULT_PODS, "pods per workflow"),
    ("--pod-seconds", "--argo-scale-pod-seconds", float, DEFAULT_POD_SECONDS, "how long each simulated pod runs"),
    ("--burst", "--argo-scale-burst", int, DEFAULT_BURST, "workflows submitted together, one burst every 5 s"),
    ("--nodes", "--argo-scale-nodes", int, DEFAULT_NODES, "simulated nodes"),
    ("--tolerance", "--argo-scale-tolerance", float, DEFAULT_TOLERANCE,
     "percent a build's throughput or p95 latency may be worse than its reference build's"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", choices=PROVIDERS, help="same as pytest's --argo-provider")
    for flag, _, kind, default, text in FLAGS:
        parser.add_argument(flag, type=kind, default=None, metavar="N" if kind is int else "X",
                            help=f"{text} (default {default:g})")


def run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    import pytest

    argv = [str(suites_dir() / "test_scale.py"), "-p", "argo_conformance", *own_configuration(pytest_args)]
    if not any(arg.startswith("--log-cli-level") or "log_cli_level" in arg for arg in pytest_args):
        argv.append("--log-cli-level=INFO")
    if args.provider:
        argv += ["--argo-provider", args.provider]
    if not any(arg.startswith("--argo-topology") for arg in pytest_args):
        argv += ["--argo-topology", TOPOLOGY]
    for flag, option, _, default, _ in FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is None and any(arg.split("=", 1)[0] == option for arg in pytest_args):
            continue  # given in pytest's own spelling
        argv += [option, f"{default if value is None else value:g}"]
    return int(pytest.main(argv + pytest_args))
