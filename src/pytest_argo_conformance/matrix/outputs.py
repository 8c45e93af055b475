"""Write every format of one matrix into a report directory."""

from __future__ import annotations

from pathlib import Path

from pytest_argo_conformance.matrix import plots
from pytest_argo_conformance.matrix.html import render_html
from pytest_argo_conformance.matrix.json_io import write_json
from pytest_argo_conformance.matrix.markdown import render_markdown
from pytest_argo_conformance.matrix.model import Matrix

FILENAMES = ("matrix.json", "matrix.md", "matrix.html")


def write_all(matrix: Matrix, report_dir: Path | str) -> list[Path]:
    """Write matrix.json, matrix.md and matrix.html into `report_dir` (created if needed), then the plots of
    `write_plots`; return the paths."""
    directory = Path(report_dir)
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path, html_path = (directory / name for name in FILENAMES)
    write_json(matrix, json_path)
    md_path.write_text(render_markdown(matrix), encoding="utf-8")
    html_path.write_text(render_html(matrix), encoding="utf-8")
    return [json_path, md_path, html_path, *write_plots(matrix, directory)]


def write_plots(matrix: Matrix, directory: Path | str) -> list[Path]:
    """Write scale-<plot>-<topology>.png (`plots.plot_filename`) into `directory` for each plot of `plots.PLOTS`
    and topology with that series, which matrix.md links to; return the paths (none without series)."""
    written = []
    for plot in plots.PLOTS:
        for topology in plots.series_topologies(matrix, plot.series):
            png = plots.plot_png(matrix, topology, plot)
            if png is not None:
                path = Path(directory) / plots.plot_filename(topology, plot)
                path.write_bytes(png)
                written.append(path)
    return written
