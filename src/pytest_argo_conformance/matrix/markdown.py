"""The matrix as GitHub-flavoured Markdown, sized for a job summary or a pull request comment."""

from __future__ import annotations

import re

from pytest_argo_conformance.matrix import plots, views
from pytest_argo_conformance.matrix.model import Cell, Matrix, Outcome

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def render_markdown(matrix: Matrix, *, max_listed: int = 100) -> str:
    """Header, builds, one table per topology, then failures and grouped skip / known-fail reasons.

    `max_listed` caps the failures listed (a PR comment holds 65536 characters); the rest are counted.
    """
    lines = [f"## {views.TITLE}", "", *_header(matrix), "", *_builds(matrix)]
    differing = views.differing_keys(matrix)
    for topology in matrix.topologies():
        title = matrix.topology_title(topology)
        heading = f"### Topology {_code(topology)}" + (f": {_text(title)}" if title != topology else "")
        lines += ["", heading, "", *_grid(matrix, topology, differing)]
    if matrix.cells:
        legend = ", ".join(f"`{views.SYMBOLS[o]}` {o.value}" for o in Outcome)
        lines += ["", f"{legend}, `{views.ABSENT}` not run, `{views.DIFFERS}` differs from the baseline build"]
    else:
        lines += ["", "_No results were recorded._"]
    lines += _plots(matrix)
    lines += _failures(views.problems(matrix), max_listed)
    lines += _reasons("Skips", views.grouped_reasons(matrix, Outcome.SKIPPED))
    lines += _reasons("Known failures (xfail)", views.grouped_reasons(matrix, Outcome.KNOWN_FAIL))
    lines += _statements(matrix)
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _code(value: str) -> str:
    value = " ".join(value.split()).replace("|", "\\|")
    return f"`` {value} ``" if "`" in value else f"`{value}`"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(matrix: Matrix) -> list[str]:
    facts = [_text(matrix.created)] + ([f"run {_code(matrix.run_id)}"] if matrix.run_id else [])
    facts += [f"{_text(k)} {_code(v)}" for k, v in sorted(matrix.versions.items())]
    lines = [" · ".join(facts)]
    if matrix.environment:
        env = " · ".join(f"{_text(k)} {_code(v)}" for k, v in sorted(matrix.environment.items()))
        lines += ["", f"Environment: {env}"]
    return lines


def _build_label(matrix: Matrix, build: str) -> str:
    info = matrix.builds.get(build)
    return _text(build) + (" (baseline)" if info is not None and info.baseline else "")


def _builds(matrix: Matrix) -> list[str]:
    lines = [_row(["build", "ref", "judged against", "results"]), _row(["---"] * 4)]
    for build in matrix.builds_order():
        info = matrix.builds.get(build)
        ref = _code(info.ref) if info is not None else "?"
        against = _text(info.compared_with) if info is not None and info.compared_with else "?"
        lines.append(_row([_build_label(matrix, build), ref, against, views.count_line(views.counts(matrix, build))]))
    return lines


def _grid(matrix: Matrix, topology: str, differing: set[tuple[str, str, str]]) -> list[str]:
    builds = matrix.builds_order()
    lines = [
        _row(["check", "suite", *(_build_label(matrix, b) for b in builds)]),
        _row(["---", "---", *([":---:"] * len(builds))]),
    ]
    for check in matrix.checks(topology):
        statement = matrix.statements.get(check)
        name = f"[{_code(check)}](#{statement.anchor})" if statement else _code(check)
        row = [name, _text(matrix.suite_of(check))]
        for build in builds:
            cell = matrix.get(build, topology, check)
            row.append(_symbol(cell, cell is not None and cell.key() in differing))
        lines.append(_row(row))
    return lines


def _symbol(cell: Cell | None, differs: bool) -> str:
    if cell is None:
        return views.ABSENT
    symbol = views.SYMBOLS[cell.outcome]
    if cell.outcome in (Outcome.FAILED, Outcome.ERROR):
        symbol = f"**{symbol}**"
    return f"{symbol} {views.DIFFERS}" if differs else symbol


def _plots(matrix: Matrix) -> list[str]:
    """A link per topology to its completed-workflows plot, which `write_all` writes beside matrix.md."""
    topologies = plots.series_topologies(matrix)
    if not topologies:
        return []
    lines = ["", "### Scale: completed workflows over time", ""]
    for topology in topologies:
        shown = [plots.plot_filename(topology, p) for p in plots.PLOTS if topology in plots.series_topologies(
            matrix, p.series)]
        lines.append(f"- Topology {_code(topology)}: " + ", ".join(f"[{_text(name)}]({name})" for name in shown))
        builds, rows = plots.scale_table(matrix, topology)
        if builds:
            lines += ["", f"| figure ({_text(topology)}) | " + " | ".join(_text(b) for b in builds) + " |",
                      "| --- |" + " ---: |" * len(builds)]
            lines += [f"| {_text(label)} | " + " | ".join(values) + " |" for label, values in rows]
            lines.append("")
    return lines


def _failures(cells: list[Cell], max_listed: int) -> list[str]:
    if not cells:
        return []
    lines = ["", f"### Failures ({len(cells)})", "", _row(["build", "topology", "check", "outcome", "reason"])]
    lines.append(_row(["---"] * 5))
    for cell in cells[:max_listed]:
        reason = _text(cell.reason or views.NO_REASON)
        lines.append(_row([_text(cell.build), _text(cell.topology), _code(cell.check), cell.outcome.value, reason]))
    if len(cells) > max_listed:
        lines += ["", f"... and {len(cells) - max_listed} more; see matrix.html or matrix.json."]
    return lines


def _reasons(title: str, groups: list[tuple[str, list[Cell]]], shown: int = 10) -> list[str]:
    if not groups:
        return []
    total = sum(len(cells) for _, cells in groups)
    lines = ["", f"### {title} ({total})", ""]
    for reason, cells in groups:
        listed = ", ".join(_text(views.where(c)) for c in cells[:shown])
        more = f", ... and {len(cells) - shown} more" if len(cells) > shown else ""
        lines.append(f"- **{_text(reason)}** ({len(cells)}): {listed}{more}")
    return lines


def _statements(matrix: Matrix) -> list[str]:
    """What each check asserts (the rows of the grids link here): id, area and its MUST sentence."""
    shown = [matrix.statements[c] for c in matrix.checks() if c in matrix.statements]
    if not shown:
        return []
    lines = ["", "### What each check asserts", ""]
    for entry in shown:
        area = f" ({_text(entry.area)})" if entry.area else ""
        lines.append(f'- <a id="{entry.anchor}"></a>{_code(entry.check)} `{entry.id}`{area}: {_text(entry.statement)}')
    return lines
