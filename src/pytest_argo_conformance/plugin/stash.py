"""Keys for what the plugin keeps on `config.stash`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    pass

SETTINGS_KEY = pytest.StashKey["Settings"]()
CLUSTER_KEY = pytest.StashKey["ClusterInfo"]()
BEHAVIOUR_KEY = pytest.StashKey[dict[tuple[str, str, str], str]]()  # (build, topology, check) -> behaviour seen
WANTS_GPU_LAYOUT_KEY = pytest.StashKey[bool]()  # the session collected GPU checks (kind: the GPU worker layout)
