"""Keys for what the plugin keeps on `config.stash`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_argo_conformance.components.argo.install import Removal
    from pytest_argo_conformance.kube.ownership import RunLease
    from pytest_argo_conformance.plugin.lookahead import Lookahead
    from pytest_argo_conformance.plugin.options import Settings
    from pytest_argo_conformance.providers.base import ClusterInfo
    from pytest_argo_conformance.toolchain.oci import ArchiveInfo

SETTINGS_KEY: pytest.StashKey[Settings] = pytest.StashKey()
CLUSTER_KEY: pytest.StashKey[ClusterInfo] = pytest.StashKey()
RUN_ID_KEY = pytest.StashKey[str]()  # this run's id: the owner label of what it creates (kube/ownership.py)
LEASE_KEY: pytest.StashKey[RunLease] = pytest.StashKey()  # this process's lease in the cluster, while it has one
BEHAVIOUR_KEY = pytest.StashKey[dict[tuple[str, str, str], str]]()  # (build, topology, check) -> behaviour seen
WANTS_GPU_LAYOUT_KEY = pytest.StashKey[bool]()  # the session collected GPU checks (kind: the GPU worker layout)
# Images named by the workflows run as given (yours, Argo's examples): the controller configmap's `images:` lists
# the ones that come from an archive or the image catalog (components/workflow_images.py)
WORKFLOW_IMAGES_KEY = pytest.StashKey[list[str]]()
# (build, topology) -> what its installation adds to each of its cells: the topology's variant and the install's notes
INSTALL_FACTS_KEY = pytest.StashKey[dict[tuple[str, str], tuple[str, list[str]]]]()
# cells uninstalled whose namespaces are still going (plugin/fixtures.finish_removals waits for them)
REMOVALS_KEY = pytest.StashKey[list["Removal"]]()
USER_IMAGES_KEY = pytest.StashKey[dict[str, "ArchiveInfo"]]()  # --argo-image: normalized name -> archive
# workflows submitted ahead of their checks (plugin/lookahead.py)
LOOKAHEAD_KEY: pytest.StashKey[Lookahead] = pytest.StashKey()
