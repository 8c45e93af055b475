"""Plots of the cells' series as PNG: one line per build, one plot per topology.

matplotlib is imported when a plot is drawn (a matrix without series never loads it), through the Agg canvas
and a bare `Figure`: no pyplot, so no global figure state.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pytest_argo_conformance.matrix.model import Matrix

COMPLETED = "scale.completed"  # the scale lane's series: [seconds since the first submission, completed so far]
QUEUE_DEPTH = "scale.queue_depth"  # [seconds since the first submission, the controller's workflow queue depth]
SIZE = (8.0, 4.5)  # inches
DPI = 100  # so a plot is 800 x 450 pixels


@dataclass(frozen=True)
class Plot:
    """One kind of plot: which series it draws, its file name part and its words."""

    series: str
    slug: str  # scale-<slug>-<topology>.png
    title: str
    ylabel: str
    steps: bool  # a count that holds until the next point (steps), else a sampled gauge (lines)


PLOTS = (
    Plot(COMPLETED, "completed", "Completed workflows over time", "workflows completed", steps=True),
    Plot(QUEUE_DEPTH, "queue-depth", "The controller's workflow queue depth over time", "workflows in the queue",
         steps=False),
)
BY_SERIES = {plot.series: plot for plot in PLOTS}


def series_topologies(matrix: Matrix, series: str = COMPLETED) -> list[str]:
    """The topologies with at least one cell that has `series`, sorted."""
    return sorted({c.topology for c in matrix.cells.values() if series in c.series})


def plot_filename(topology: str, plot: Plot) -> str:
    """The PNG's name in the report directory, which the Markdown matrix links to: scale-<slug>-<topology>.png."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in topology)
    return f"scale-{plot.slug}-{safe}.png"


def completed_plot_filename(topology: str) -> str:
    return plot_filename(topology, BY_SERIES[COMPLETED])


def completed_plot_png(matrix: Matrix, topology: str, series: str = COMPLETED) -> bytes | None:
    """Completed workflows over time in `topology` (or another series, drawn the same way)."""
    plot = BY_SERIES.get(series) or Plot(series, series, series, series, steps=True)
    return plot_png(matrix, topology, plot)


def plot_png(matrix: Matrix, topology: str, plot: Plot) -> bytes | None:
    """`plot` of `topology`: one line per build (baseline first), labelled with the build; "build · check" when a
    build has the series in more than one check. None when no cell there has it."""
    lines: list[tuple[str, list[list[float]]]] = []
    for build in matrix.builds_order():
        found = [c for c in matrix.sorted_cells()
                 if c.build == build and c.topology == topology and plot.series in c.series]
        for cell in found:
            label = build if len(found) == 1 else f"{build} · {cell.check}"
            lines.append((label, cell.series[plot.series]))
    if not lines:
        return None

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for label, points in lines:
        axes.plot([x for x, _ in points], [y for _, y in points], label=label,
                  drawstyle="steps-post" if plot.steps else "default", linewidth=1.8)
    axes.set_title(f"{plot.title} — {matrix.topology_title(topology)}")
    axes.set_xlabel("seconds since the first submission")
    axes.set_ylabel(plot.ylabel)
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, alpha=0.4)
    axes.legend(loc="lower right" if plot.steps else "upper right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# The scale lane's figures shown beside its plot: (figure, label); every build of the topology is a column.
SCALE_FIGURES = (
    ("scale.throughput_per_min", "throughput, sustained (workflows/min)"),
    ("scale.peak_throughput_per_min", "throughput, peak 30 s (workflows/min)"),
    ("scale.submit_to_running_p50_s", "submit to Running p50 (s)"),
    ("scale.submit_to_running_p95_s", "submit to Running p95 (s)"),
    ("scale.submit_to_end_p50_s", "submit to end p50 (s)"),
    ("scale.submit_to_end_p95_s", "submit to end p95 (s)"),
    ("scale.submit_to_end_p99_s", "submit to end p99 (s)"),
    ("scale.controller_cpu_seconds", "controller CPU (s)"),
    ("scale.controller_peak_memory_mib", "controller peak working set (MiB)"),
    ("scale.api_requests", "controller API requests"),
    ("scale.api_requests_per_s", "controller API requests per s"),
    ("scale.queue_depth_max", "workflow queue depth, max"),
    ("scale.succeeded", "workflows succeeded"),
    ("scale.workflows", "workflows submitted"),
)


def scale_table(matrix: Matrix, topology: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The scale figures of `topology`: the builds that have them (columns) and one row per figure ("–" where a
    build lacks it). ([], []) when no cell there has scale figures."""
    cells = {c.build: c for c in matrix.sorted_cells()
             if c.topology == topology and any(k in c.figures for k, _ in SCALE_FIGURES)}
    builds = [b for b in matrix.builds_order() if b in cells]
    if not builds:
        return [], []
    rows = [(label, [f"{cells[b].figures[name]:g}" if name in cells[b].figures else "–" for b in builds])
            for name, label in SCALE_FIGURES]
    return builds, rows
