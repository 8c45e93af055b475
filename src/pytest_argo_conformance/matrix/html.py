"""The matrix as one self-contained HTML page: inline CSS only, no scripts, fonts or other assets."""

from __future__ import annotations

import base64
from html import escape

from pytest_argo_conformance.matrix import plots, views
from pytest_argo_conformance.matrix.model import Cell, Matrix, Outcome

# Background and text colour per outcome (also used by the browser test to find them in a screenshot).
COLOURS: dict[str, tuple[str, str]] = {
    Outcome.PASSED.value: ("#bfe8c4", "#0b3d12"),
    Outcome.FAILED.value: ("#f3a6a6", "#5c0000"),
    Outcome.ERROR.value: ("#f6c27a", "#4a2a00"),
    Outcome.SKIPPED.value: ("#e1e1e1", "#333333"),
    Outcome.KNOWN_FAIL.value: ("#d6cdf2", "#2d1f5c"),
    "missing": ("#ffffff", "#8a8a8a"),
}

_CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #57606a; margin: 2px 0; } .meta b { color: #1f2328; font-weight: 600; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: middle; }
thead th { background: #f6f8fa; } th[scope=row] { font-family: ui-monospace, monospace; font-weight: 500; }
td.cell { text-align: center; font-weight: 600; min-width: 72px; }
td.cell.differs { box-shadow: inset 0 0 0 3px #1f2328; }
.legend span { display: inline-block; padding: 2px 10px; margin: 0 6px 4px 0; border: 1px solid #d0d7de; }
.legend span.differs { box-shadow: inset 0 0 0 3px #1f2328; }
.suite, .images, .notes { color: #57606a; font-size: 12px; }
.reason { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
.plots img { display: block; max-width: 100%; height: auto; margin: 4px 0 16px; border: 1px solid #d0d7de; }
"""


def _css() -> str:
    rules = [f".{name} {{ background: {bg}; color: {fg}; }}" for name, (bg, fg) in COLOURS.items()]
    return _CSS + "\n".join(rules) + "\n"


def render_html(matrix: Matrix) -> str:
    differing = views.differing_keys(matrix)
    body = [*_header(matrix), *_builds(matrix), *_legend()]
    for topology in matrix.topologies():
        body += _grid(matrix, topology, differing)
    if not matrix.cells:
        body.append("<p>No results were recorded.</p>")
    body += _plots(matrix)
    body += _failures(views.problems(matrix))
    body += _reasons("Skips", views.grouped_reasons(matrix, Outcome.SKIPPED))
    body += _reasons("Known failures (xfail)", views.grouped_reasons(matrix, Outcome.KNOWN_FAIL))
    body += _statements(matrix)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(views.TITLE)} matrix</title>\n<style>{_css()}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _header(matrix: Matrix) -> list[str]:
    lines = [f"<header><h1>{escape(views.TITLE)}</h1>"]
    created = f"<b>created</b> {escape(matrix.created)}"
    run = f" · <b>run</b> {escape(matrix.run_id)}" if matrix.run_id else ""
    lines.append(f'<p class="meta">{created}{run}</p>')
    for label, values in (("versions", matrix.versions), ("environment", matrix.environment)):
        if values:
            facts = " · ".join(f"<b>{escape(k)}</b> {escape(v)}" for k, v in sorted(values.items()))
            lines.append(f'<p class="meta {label}">{facts}</p>')
    return lines + ["</header>"]


def _build_label(matrix: Matrix, build: str) -> str:
    info = matrix.builds.get(build)
    return escape(build) + (" (baseline)" if info is not None and info.baseline else "")


def _builds(matrix: Matrix) -> list[str]:
    lines = [
        '<h2>Builds</h2>\n<table class="builds">',
        "<thead><tr><th>build</th><th>ref</th><th>judged against</th><th>results</th></tr></thead>",
    ]
    for build in matrix.builds_order():
        info = matrix.builds.get(build)
        ref, images = (escape(info.ref), _images(info.images, info.digests)) if info else ("?", "")
        results = escape(views.count_line(views.counts(matrix, build)))
        against = escape(info.compared_with) if info is not None and info.compared_with else "?"
        lines.append(f"<tr><th>{_build_label(matrix, build)}</th><td>{ref}{images}</td><td>{against}</td>"
                     f"<td>{results}</td></tr>")
    return lines + ["</table>"]


def _images(images: dict[str, str], digests: dict[str, str]) -> str:
    rows = [
        f"{escape(role)}: {escape(image)}" + (f" ({escape(digests[image])})" if image in digests else "")
        for role, image in sorted(images.items())
    ]
    return f'<div class="images">{"<br>".join(rows)}</div>' if rows else ""


def _legend() -> list[str]:
    items = [f'<span class="cell {o.value}">{views.SYMBOLS[o]} = {o.value}</span>' for o in Outcome]
    items.append(f'<span class="cell missing">{views.ABSENT} = not run</span>')
    items.append(f'<span class="differs">{views.DIFFERS} = differs from the baseline build</span>')
    return [f'<p class="legend">{"".join(items)}</p>']


def _grid(matrix: Matrix, topology: str, differing: set[tuple[str, str, str]]) -> list[str]:
    builds = matrix.builds_order()
    heads = "".join(f'<th scope="col">{_build_label(matrix, b)}</th>' for b in builds)
    lines = [
        f'<section class="topology" data-topology="{escape(topology)}">',
        f"<h2>Topology: {escape(matrix.topology_title(topology))}</h2>",
        f'<table class="grid"><thead><tr><th>check</th><th>suite</th>{heads}</tr></thead><tbody>',
    ]
    for check in matrix.checks(topology):
        statement = matrix.statements.get(check)
        name = (f'<a href="#{statement.anchor}" title="{escape(statement.statement)}">{escape(check)}</a>'
                if statement else escape(check))
        row = [f'<tr><th scope="row">{name}</th><td class="suite">{escape(matrix.suite_of(check))}</td>']
        for build in builds:
            row.append(_cell(matrix.get(build, topology, check), build, differing))
        lines.append("".join(row) + "</tr>")
    return lines + ["</tbody></table>", "</section>"]


def _cell(cell: Cell | None, build: str, differing: set[tuple[str, str, str]]) -> str:
    if cell is None:
        return f'<td class="cell missing" data-build="{escape(build)}" title="not run">{views.ABSENT}</td>'
    differs = cell.key() in differing
    tip = [f"{cell.build} · {cell.topology} · {cell.check}"]
    tip.append(f"{cell.outcome.value} in {views.duration(cell.duration)}")
    tip += [cell.reason] if cell.reason else []
    tip += cell.notes + ([f"{k}: {v:g}" for k, v in sorted(cell.figures.items())])
    tip += ["differs from the baseline build"] if differs else []
    classes = f"cell {cell.outcome.value}" + (" differs" if differs else "")
    text = views.SYMBOLS[cell.outcome] + (f" {views.DIFFERS}" if differs else "")
    return (
        f'<td class="{classes}" data-build="{escape(cell.build)}" data-check="{escape(cell.check)}" '
        f'title="{escape(chr(10).join(tip))}">{text}</td>'
    )


def _plots(matrix: Matrix) -> list[str]:
    """The scale lane's completed-workflows plot of each topology that has one, inline as PNG data."""
    topologies = plots.series_topologies(matrix)
    if not topologies:
        return []
    lines = ['<section class="plots">', "<h2>Scale: completed workflows over time</h2>"]
    for topology in topologies:
        for plot in plots.PLOTS:
            png = plots.plot_png(matrix, topology, plot)
            if png is None:
                continue
            alt = f"{plot.title} — {matrix.topology_title(topology)}"
            width, height = (round(inches * plots.DPI) for inches in plots.SIZE)
            lines.append(f'<img data-topology="{escape(topology)}" data-plot="{plot.slug}" alt="{escape(alt)}" '
                         f'width="{width}" height="{height}" '
                         f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">')
        builds, rows = plots.scale_table(matrix, topology)
        if builds:
            heads = "".join(f"<th>{escape(b)}</th>" for b in builds)
            lines.append(f'<table class="scale" data-topology="{escape(topology)}"><thead><tr><th>figure</th>'
                         f"{heads}</tr></thead><tbody>")
            lines += ["<tr><td>" + escape(label) + "</td>" + "".join(f"<td>{escape(v)}</td>" for v in values)
                      + "</tr>" for label, values in rows]
            lines.append("</tbody></table>")
    return lines + ["</section>"]


def _failures(cells: list[Cell]) -> list[str]:
    if not cells:
        return []
    lines = [f"<h2>Failures ({len(cells)})</h2>", '<table class="failures">']
    heads = "".join(f"<th>{name}</th>" for name in ("build", "topology", "check", "outcome", "reason"))
    lines.append(f"<thead><tr>{heads}</tr></thead>")
    for c in cells:
        notes = "".join(f'<div class="notes">{escape(n)}</div>' for n in c.notes)
        lines.append(
            f"<tr><td>{escape(c.build)}</td><td>{escape(c.topology)}</td><td>{escape(c.check)}</td>"
            f'<td class="cell {c.outcome.value}">{c.outcome.value}</td>'
            f'<td><span class="reason">{escape(c.reason or views.NO_REASON)}</span>{notes}</td></tr>'
        )
    return lines + ["</table>"]


def _reasons(title: str, groups: list[tuple[str, list[Cell]]]) -> list[str]:
    if not groups:
        return []
    total = sum(len(cells) for _, cells in groups)
    lines = [f"<h2>{escape(title)} ({total})</h2>", "<ul>"]
    for reason, cells in groups:
        where = ", ".join(escape(views.where(c)) for c in cells)
        lines.append(f'<li><span class="reason">{escape(reason)}</span> ({len(cells)}): {where}</li>')
    return lines + ["</ul>"]


def _statements(matrix: Matrix) -> list[str]:
    """What each check asserts (the rows of the grids link here): id, area and its MUST sentence."""
    shown = [matrix.statements[c] for c in matrix.checks() if c in matrix.statements]
    if not shown:
        return []
    lines = ["<h2>What each check asserts</h2>", '<table class="statements">',
             "<thead><tr><th>check</th><th>id</th><th>area</th><th>statement</th></tr></thead>"]
    for entry in shown:
        lines.append(f'<tr id="{entry.anchor}"><th scope="row">{escape(entry.check)}</th><td>{escape(entry.id)}</td>'
                     f"<td>{escape(entry.area)}</td><td>{escape(entry.statement)}</td></tr>")
    return lines + ["</table>"]
