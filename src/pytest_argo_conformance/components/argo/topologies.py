"""The controller topologies of the OpenShift AI proof of concept: the one place that names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topology:
    id: str
    summary: str
    namespaced: bool  # the controller under test watches only the workflow namespace
    replaces_global: bool  # the upstream global controller is scaled to zero


TOPOLOGIES: tuple[Topology, ...] = (
    Topology(
        "upstream-global",
        "cluster-wide controller and Argo Server in `argo`, workflows in a separate namespace",
        namespaced=False,
        replaces_global=False,
    ),
    Topology(
        "native-namespaced",
        "global controller scaled to zero; a --namespaced controller in the workflow namespace",
        namespaced=True,
        replaces_global=True,
    ),
    Topology(
        "dropin-global",
        "the build under test replaces the global controller image",
        namespaced=False,
        replaces_global=False,
    ),
    Topology(
        "namespaced-copy",
        "global controllers scaled to zero; the build's controller copied into the workflow namespace "
        "with its own RBAC",
        namespaced=True,
        replaces_global=True,
    ),
    Topology(
        "dsp-managed",
        "the controller Data Science Pipelines deploys for a DSPA in the workflow namespace (by the cluster's "
        "operator, else in the operator's layout written by the suite); the global controller scaled to zero",
        namespaced=True,
        replaces_global=True,
    ),
)

BY_ID = {t.id: t for t in TOPOLOGIES}


def topology_ids() -> list[str]:
    return [t.id for t in TOPOLOGIES]
