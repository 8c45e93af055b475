"""The conformance matrix: a pure, versioned model plus one writer per format.

Nothing here imports the plugin; the plugin (and the CLI, through `matrix.cli`) import this package.
"""

from __future__ import annotations

from .diff import Change, DiffResult, diff
from .html import render_html
from .json_io import MatrixFileError, read_json, write_json
from .markdown import render_markdown
from .merge import MergeError, MergeReport, merge, merge_report
from .model import (
    SCHEMA_VERSION,
    BaselineDifference,
    BuildInfo,
    Cell,
    CellKey,
    Matrix,
    Outcome,
    compare_to_baseline_build,
    one_line,
    phase_outcome,
)
from .outputs import write_all

__all__ = [
    "SCHEMA_VERSION",
    "BaselineDifference",
    "BuildInfo",
    "Cell",
    "CellKey",
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
