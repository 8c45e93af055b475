"""The conformance matrix: a pure, versioned model plus one writer per format.

Nothing here imports the plugin; the plugin (and the CLI, through `matrix.cli`) import this package.
"""

from __future__ import annotations

from pytest_argo_conformance.matrix.diff import Change, DiffResult, diff
from pytest_argo_conformance.matrix.html import render_html
from pytest_argo_conformance.matrix.json_io import MatrixFileError, read_json, write_json
from pytest_argo_conformance.matrix.markdown import render_markdown
from pytest_argo_conformance.matrix.merge import MergeError, MergeReport, merge, merge_report
from pytest_argo_conformance.matrix.model import (
    SCHEMA_VERSION,
    BaselineDifference,
    BuildInfo,
    Cell,
    CellKey,
    CheckStatement,
    Matrix,
    Outcome,
    compare_to_baseline_build,
    one_line,
    phase_outcome,
)
from pytest_argo_conformance.matrix.outputs import write_all

__all__ = [
    "SCHEMA_VERSION",
    "BaselineDifference",
    "BuildInfo",
    "Cell",
    "CellKey",
    "CheckStatement",
    "Change",
    "DiffResult",
    "Matrix",
    "MatrixFileError",
    "MergeError",
    "MergeReport",
    "Outcome",
    "compare_to_baseline_build",
    "diff",
    "merge",
    "merge_report",
    "one_line",
    "phase_outcome",
    "read_json",
    "render_html",
    "render_markdown",
    "write_all",
    "write_json",
]
