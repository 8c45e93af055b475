"""Per-cell series (the scale lane's completed workflows over time): model, recorder, plot, HTML, Markdown, files."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib import image

from pytest_argo_conformance.matrix import BuildInfo, Cell, Matrix, Outcome, merge, render_html, render_markdown
from pytest_argo_conformance.matrix.json_io import dumps, loads, read_json, write_json
from pytest_argo_conformance.matrix.model import combine_phases
from pytest_argo_conformance.matrix.outputs import write_all
from pytest_argo_conformance.matrix.plots import (
    COMPLETED,
    completed_plot_filename,
    completed_plot_png,
    series_topologies,
)
from standins import matrix_session, standin_session

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
UPSTREAM = [[0.0, 0.0], [2.5, 20.0], [5.0, 70.0], [8.25, 100.0]]
ACME = [[0.0, 0.0], [3.0, 10.0], [7.5, 40.0], [12.0, 100.0]]


def scale_matrix() -> Matrix:
    matrix = Matrix(created="2025-05-01T10:00:00Z", topology_variants={"dsp-managed": "dsp-managed (DSPO v2)"})
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(BuildInfo("acme", "quay.io/acme/workflow-controller:v3.6.10-acme"))
    for build, points in (("upstream", UPSTREAM), ("acme", ACME)):
        matrix.add(Cell(build, "dsp-managed", "test_completed", "scale", Outcome.PASSED, series={COMPLETED: points}))
        matrix.add(Cell(build, "upstream-global", "test_steps", "steps", Outcome.PASSED))
    return matrix


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, which follows the signature."""
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_series_round_trip() -> None:
    matrix = scale_matrix()
    data = json.loads(dumps(matrix))
    cell = next(c for c in data["cells"] if c["build"] == "acme" and c["topology"] == "dsp-managed")
    assert cell["series"] == {COMPLETED: ACME}
    assert all("series" not in c for c in data["cells"] if c["topology"] == "upstream-global")  # only when non-empty
    assert loads(dumps(matrix)) == matrix


def test_integer_points_read_as_floats() -> None:
    data = scale_matrix().to_dict()
    data["cells"][0]["series"] = {COMPLETED: [[0, 0], [1, 5]]}
    cell = Matrix.from_dict(data).cells[(data["cells"][0]["build"], "dsp-managed", "test_completed")]
    assert cell.series == {COMPLETED: [[0.0, 0.0], [1.0, 5.0]]}


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([[0, 1]], "cells[0].series: expected an object, got [[0, 1]]"),
        ({COMPLETED: "0,1"}, "cells[0].series['scale.completed']: expected a list, got '0,1'"),
        ({COMPLETED: [[0, 1], [2]]}, "cells[0].series['scale.completed'][1]: expected a point [x, y] of two finite"),
        ({COMPLETED: [[0, "1"]]}, "cells[0].series['scale.completed'][0]: expected a point [x, y] of two finite"),
        ({COMPLETED: [[True, 1]]}, "cells[0].series['scale.completed'][0]: expected a point [x, y] of two finite"),
        ({COMPLETED: [[float("nan"), 1]]}, "cells[0].series['scale.completed'][0]: expected a point"),
    ],
    ids=["not-an-object", "not-a-list", "one-number", "a-string", "a-bool", "nan"],
)
def test_malformed_series_is_rejected_naming_where(series: object, message: str) -> None:
    data = scale_matrix().to_dict()
    data["cells"][0]["series"] = series
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        Matrix.from_dict(data)


def test_phases_and_merged_jobs_keep_series() -> None:
    first = Cell("acme", "dsp-managed", "test_completed", "scale", Outcome.PASSED, series={COMPLETED: ACME})
    teardown = Cell("acme", "dsp-managed", "test_completed", "scale", Outcome.PASSED, series={"other": [[0.0, 1.0]]})
    assert combine_phases(first, teardown).series == {COMPLETED: ACME, "other": [[0.0, 1.0]]}

    upstream_job, acme_job = scale_matrix(), scale_matrix()
    for build, job in (("acme", upstream_job), ("upstream", acme_job)):
        job.builds.pop(build)
        job.cells = {key: cell for key, cell in job.cells.items() if cell.build != build}
    merged = merge([upstream_job, acme_job])
    series = {c.build: c.series for c in merged.cells.values() if c.check == "test_completed"}
    assert series == {"upstream": {COMPLETED: UPSTREAM}, "acme": {COMPLETED: ACME}}
    assert completed_plot_png(merged, "dsp-managed") is not None


def test_plot_is_a_png_of_the_expected_size() -> None:
    png = completed_plot_png(scale_matrix(), "dsp-managed")
    assert png is not None and png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (800, 450)
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (450, 800)


def test_no_plot_without_the_series() -> None:
    matrix = scale_matrix()
    assert completed_plot_png(matrix, "upstream-global") is None
    assert completed_plot_png(matrix, "no-such-topology") is None
    assert completed_plot_png(matrix, "dsp-managed", series="other") is None
    assert series_topologies(matrix) == ["dsp-managed"]
    assert series_topologies(matrix, "other") == []


def test_a_build_with_the_series_in_two_checks_gets_a_line_per_check() -> None:
    matrix = scale_matrix()
    matrix.add(Cell("acme", "dsp-managed", "test_completed_burst", "scale", Outcome.PASSED,
                    series={COMPLETED: [[0.0, 0.0]]}))  # a single point, too
    png = completed_plot_png(matrix, "dsp-managed")
    assert png is not None and png_size(png) == (800, 450)


def test_html_embeds_the_plot_of_a_topology_with_series() -> None:
    page = render_html(scale_matrix())
    assert "<h2>Scale: completed workflows over time</h2>" in page
    images = re.findall(r'<img data-topology="([^"]+)" data-plot="[^"]+" alt="([^"]+)"[^>]* '
                        r'src="data:image/png;base64,([^"]+)">', page)
    assert [(topology, alt) for topology, alt, _ in images] == [
        ("dsp-managed", "Completed workflows over time — dsp-managed (DSPO v2)")]
    assert base64.b64decode(images[0][2]).startswith(PNG_SIGNATURE)
    assert page.index("Topology: upstream-global") < page.index("Scale: completed workflows over time")


def test_no_plot_section_without_series() -> None:
    matrix = scale_matrix()
    for cell in matrix.cells.values():
        cell.series.clear()
    page = render_html(matrix)
    assert "data:image/png" not in page and "Scale: completed" not in page
    assert "Scale: completed" not in render_markdown(matrix)


def test_markdown_links_the_plot_file() -> None:
    assert completed_plot_filename("dsp-managed") == "scale-completed-dsp-managed.png"
    assert completed_plot_filename("a/b c") == "scale-completed-a-b-c.png"
    text = render_markdown(scale_matrix())
    assert "### Scale: completed workflows over time" in text
    assert "- Topology `dsp-managed`: [scale-completed-dsp-managed.png](scale-completed-dsp-managed.png)" in text


def test_write_all_writes_the_plot_beside_the_matrix(tmp_path: Path) -> None:
    paths = write_all(scale_matrix(), tmp_path / "report")
    assert [p.name for p in paths] == ["matrix.json", "matrix.md", "matrix.html", "scale-completed-dsp-managed.png"]
    png = (tmp_path / "report" / "scale-completed-dsp-managed.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and png_size(png) == (800, 450)
    assert read_json(tmp_path / "report" / "matrix.json") == scale_matrix()


SCALE = """
def test_completed(argo, argo_cell, argo_record):
    slow = 2 if argo_cell.build.name == "acme" else 1
    argo_record.series("scale.completed", [(0, 0), (1.23456 * slow, 5), (3.0004 * slow, 10)])

def test_bad_series(argo, argo_record, request):
    argo_record.figure("controller.memory_mib", 41.5)
    request.node.user_properties.append(("argo.series.garbled", "not json"))
    request.node.user_properties.append(("argo.series.odd", "[[1]]"))
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.RunResult:
    return matrix_session(pytester, {"test_scale": SCALE}, "--argo-topology=upstream-global")


def test_recorded_series_reaches_the_matrix_and_its_files(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    session.assert_outcomes(passed=4)
    report = pytester.path / "report"
    data = json.loads((report / "matrix.json").read_text())
    cells = {(c["build"], c["check"]): c for c in data["cells"]}
    assert cells[("upstream", "test_completed")]["series"] == {"scale.completed": [[0, 0], [1.235, 5], [3.0, 10]]}
    assert cells[("acme", "test_completed")]["series"] == {"scale.completed": [[0, 0], [2.469, 5], [6.001, 10]]}
    bad = cells[("upstream", "test_bad_series")]
    assert "series" not in bad and bad["figures"] == {"controller.memory_mib": 41.5}
    assert bad["notes"] == ["dropped series 'garbled': not JSON (Expecting value)",
                            "dropped series 'odd'[0]: expected a point [x, y] of two finite numbers, got [1]"]
    png = (report / "scale-completed-upstream-global.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert "data:image/png;base64," in (report / "matrix.html").read_text()
    assert "(scale-completed-upstream-global.png)" in (report / "matrix.md").read_text()
    session.stdout.fnmatch_lines(["  written: report/scale-completed-upstream-global.png"])


def test_series_is_one_junit_property(session: pytest.RunResult, pytester: pytest.Pytester) -> None:
    root = ET.parse(pytester.path / "junit.xml").getroot()
    case = next(tc for tc in root.iter("testcase") if tc.get("name") == "test_completed[upstream-upstream-global]")
    props = [(p.get("name"), p.get("value")) for p in case.iter("property") if p.get("name", "").startswith("argo.s")]
    assert props == [("argo.suite", "scale"), ("argo.series.scale.completed", "[[0.0,0.0],[1.235,5.0],[3.0,10.0]]")]


def test_a_point_that_is_not_finite_fails_the_check(pytester: pytest.Pytester) -> None:
    standin_session(pytester)
    pytester.makepyfile(test_scale="""
def test_completed(argo, argo_record):
    argo_record.series("scale.completed", [(0, 0), (float("inf"), 1)])
""")
    result = pytester.runpytest("--argo-topology=upstream-global", "--argo-report-dir=report")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ValueError: series 'scale.completed': point ?inf, 1.0? is not two finite numbers"])


def test_render_to_markdown_writes_the_plots_it_links(tmp_path: Path) -> None:
    from pytest_argo_conformance.command.matrix_commands import main as matrix_main

    source = tmp_path / "in.json"
    write_json(scale_matrix(), source)
    out = tmp_path / "out" / "matrix.md"
    out.parent.mkdir()
    assert matrix_main(["render", str(source), "--format", "md", "-o", str(out)]) == 0
    assert "scale-completed-dsp-managed.png" in out.read_text()
    assert (out.parent / "scale-completed-dsp-managed.png").read_bytes().startswith(PNG_SIGNATURE)


def test_scale_figures_are_a_table_per_topology_in_markdown_and_html() -> None:
    matrix = scale_matrix()
    for build, throughput in (("upstream", 241.5), ("acme", 96.5)):
        cell = matrix.get(build, "dsp-managed", "test_completed")
        assert cell is not None
        cell.figures.update({"scale.throughput_per_min": throughput, "scale.succeeded": 1000.0})
    markdown = render_markdown(matrix)
    assert "| figure (dsp-managed) | upstream | acme |" in markdown
    assert "| throughput, sustained (workflows/min) | 241.5 | 96.5 |" in markdown
    assert "| submit to end p95 (s) | – | – |" in markdown  # a figure the cells lack
    html = render_html(matrix)
    assert '<table class="scale" data-topology="dsp-managed">' in html
    assert "<tr><td>throughput, sustained (workflows/min)</td><td>241.5</td><td>96.5</td></tr>" in html


def test_queue_depth_is_a_second_plot_where_a_cell_has_it(tmp_path: Path) -> None:
    matrix = scale_matrix()
    cell = matrix.get("upstream", "dsp-managed", "test_completed")
    assert cell is not None
    cell.series["scale.queue_depth"] = [[0.0, 0.0], [2.0, 120.0], [4.0, 30.0]]
    page = render_html(matrix)
    assert re.findall(r'<img data-topology="dsp-managed" data-plot="([^"]+)"', page) == ["completed", "queue-depth"]
    assert "The controller&#x27;s workflow queue depth over time" in page or \
        "The controller's workflow queue depth over time" in page
    names = [p.name for p in write_all(matrix, tmp_path / "report")]
    assert names[-2:] == ["scale-completed-dsp-managed.png", "scale-queue-depth-dsp-managed.png"]
    assert "[scale-queue-depth-dsp-managed.png](scale-queue-depth-dsp-managed.png)" in render_markdown(matrix)
