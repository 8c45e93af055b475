"""Keys for what the plugin keeps on `config.stash`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_argo_conformance.kube.ownership import RunLease
    from pytest_argo_conformance.plugin.options import Settings
    from pytest_argo_conformance.providers.base import ClusterInfo

SETTINGS_KEY: pytest.StashKey[Settings] = pytest.StashKey()
CLUSTER_KEY: pytest.StashKey[ClusterInfo] = pytest.StashKey()
RUN_ID_KEY = pytest.StashKey[str]()  # this run's id: the owner label of what it creates (kube/ownership.py)
LEASE_KEY: pytest.StashKey[RunLease] = pytest.StashKey()  # this process's lease in the cluster, while it has one
BEHAVIOUR_KEY = pytest.StashKey[dict[tuple[str, str, str], str]]()  # (build, topology, check) -> behaviour seen
WANTS_GPU_LAYOUT_KEY = pytest.StashKey[bool]()  # the session collected GPU checks (kind: the GPU worker layout)
