"""The versions the project's own tests use, read from clusters/local/versions.yaml (the one place they are written)."""

from __future__ import annotations

from pytest_argo_conformance.components.argo.lines import Line, pinned_lines
from pytest_argo_conformance.config.versions import version

BASELINE = version("argo-workflows")  # the upstream baseline build
V4 = pinned_lines()[Line(4, 0)]  # the v4 lane: hermetic cluster only (README, "Versions")
PREVIOUS_LINE = pinned_lines()[Line(3, 6)]  # an end-of-life line, kept as an ordinary build
KUEUE = version("kueue")
KUEUE_PREVIOUS = version("kueue-previous")
