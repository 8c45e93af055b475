"""The extension contract: everything a vendor's own checks, topologies, installs and providers are written
against. Import from here; the modules behind it may move between releases, these names do not.

A check is a test function in a `test_*.py` file that takes `argo` (the cell's `Installation`) and usually
`argo_workflows` (a `WorkflowRunner`); the plugin runs it once per build x topology cell. Its manifests live in
`manifests/workflows/` beside the file (`argo_workflows.load("name")` finds them there first). Hooks are in
`pytest_argo_conformance.plugin.hookspecs` (`pytest_argo_topologies`, `pytest_argo_install`,
`pytest_argo_suite_paths`, `pytest_argo_make_provider`, `pytest_argo_check_axes`, `pytest_argo_diagnostics`,
`pytest_argo_matrix_update`). See the README's "Architecture" section for a worked example.
"""

from __future__ import annotations

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.installation import ArgoServer, Installation
from pytest_argo_conformance.components.argo.runner import Workflow, WorkflowRunner
from pytest_argo_conformance.components.argo.topologies import BY_ID as BUILTIN_TOPOLOGIES
from pytest_argo_conformance.components.argo.topologies import Topology
from pytest_argo_conformance.kube import WaitTimeout
from pytest_argo_conformance.plugin.cells import CellTarget as Cell
from pytest_argo_conformance.plugin.fixtures import Recorder
from pytest_argo_conformance.plugin.options import Settings
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, Provider, ProviderError

__all__ = [
    "BUILTIN_TOPOLOGIES",
    "ArgoServer",
    "Capability",
    "Cell",
    "ClusterInfo",
    "ControllerBuild",
    "Installation",
    "Provider",
    "ProviderError",
    "Recorder",
    "Settings",
    "Topology",
    "WaitTimeout",
    "Workflow",
    "WorkflowRunner",
]
