"""The detection matrix as Markdown and as one self-contained HTML page (see mutation.py)."""

from __future__ import annotations

from html import escape

from pytest_argo_conformance.matrix.markdown import _code, _row, _text
from pytest_argo_conformance.matrix.mutation import Detection, MutantResult, Status, Verdict

SYMBOLS = {Verdict.KILLED: "K", Verdict.SURVIVED: "s", Verdict.NOT_RUN: "·", Verdict.UNUSABLE: "?"}
LEGEND = ("K killed (passed on the baseline, failed on the mutant), s survived, · not run, "
          "? did not pass on the baseline")


def _facts(d: Detection) -> str:
    minutes = f"{d.seconds / 60:.1f} min" if d.seconds else "?"
    return (f"baseline {d.baseline} · topology {d.topology} · {len(d.mutants)} mutants · {len(d.checks)} checks · "
            f"mode {d.mode} · {minutes} · {d.created}")


def render_markdown(d: Detection) -> str:
    lines = ["## Mutation score", "", f"**{d.score_line()}**", "", _text(_facts(d)), "",
             _row(["mutant", "area", "status", "what the fork got wrong", "killed by / why"]), _row(["---"] * 5)]
    for m in d.mutants:
        lines.append(_row([_code(m.info.name), _text(m.info.area), _status(m), _text(m.info.what), _why_md(d, m)]))
    lines += ["", "### Checks", "", _row(["check", "id", "kills"]), _row(["---"] * 3)]
    for check in d.checks:
        statement = d.statements.get(check)
        ident = f"`{statement.id}`" if statement else "-"
        lines.append(_row([_code(check), ident, str(len(d.kills_of(check)))]))
    lines += ["", f"Cells: {LEGEND}. The full mutant x check grid is in mutants.html and mutants.json."]
    return "\n".join(lines) + "\n"


def _status(m: MutantResult) -> str:
    return f"**{m.status.value}**" if m.status in (Status.SURVIVED, Status.UNDECIDED) else m.status.value


def _why_md(d: Detection, m: MutantResult) -> str:
    if m.status is Status.KILLED:
        first = m.killed_by[0]
        more = f" (+{len(m.killed_by) - 1} more)" if len(m.killed_by) > 1 else ""
        return f"{_code(first)}{more}: {_text(m.reasons.get(first, ''))}"
    return _text(m.why)


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { border: 1px solid #d0d7de; padding: 3px 8px; }
thead th { background: #f6f8fa; } th.check { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 500;
  font-family: ui-monospace, monospace; font-size: 12px; white-space: nowrap; }
td.v { text-align: center; font-weight: 600; min-width: 14px; }
.killed { background: #bfe8c4; } .survived { background: #f3a6a6; } .not-run { background: #f0f0f0; color: #888; }
.unusable { background: #f6c27a; } .equivalent, .unbuildable, .undecided { background: #e1e1e1; }
.why { font-family: ui-monospace, monospace; font-size: 12px; }
"""


def render_html(d: Detection) -> str:
    heads = "".join(
        f'<th class="check"><a href="#{escape(d.statements[c].anchor) if c in d.statements else ""}" '
        f'title="{escape(d.statements[c].statement if c in d.statements else c)}">{escape(c)}</a></th>'
        for c in d.checks
    )
    rows = []
    for m in d.mutants:
        cells = []
        for check in d.checks:
            verdict = m.results.get(check)
            if verdict is None:
                cells.append('<td class="v not-run"></td>')
                continue
            tip = f"{m.info.name} x {check}: {verdict.value}" + (f" - {m.reasons[check]}" if m.reasons.get(check)
                                                                  else "")
            cells.append(f'<td class="v {verdict.value}" title="{escape(tip)}">{SYMBOLS[verdict]}</td>')
        title = escape(f"{m.info.what}. Breaks: {m.info.breaks}")
        rows.append(f'<tr><th title="{title}">{escape(m.info.name)}</th><td>{escape(m.info.area)}</td>'
                    f'<td class="{m.status.value}">{m.status.value}</td>{"".join(cells)}</tr>')
    summary = "".join(
        f'<tr><th>{escape(m.info.name)}</th><td class="{m.status.value}">{m.status.value}</td>'
        f"<td>{escape(m.info.what)}</td><td>{escape(m.info.breaks)}</td>"
        f'<td class="why">{escape(_why_text(m))}</td></tr>'
        for m in d.mutants
    )
    statements = "".join(
        f'<tr id="{escape(s.anchor)}"><th>{escape(c)}</th><td>{escape(s.id)}</td><td>{escape(s.area)}</td>'
        f"<td>{escape(s.statement)}</td><td>{len(d.kills_of(c))}</td></tr>"
        for c in d.checks if (s := d.statements.get(c)) is not None
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Mutation score</title>\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{escape(d.score_line())}</h1>\n"
        f"<p>{escape(_facts(d))}</p>\n<p>{escape(LEGEND)}</p>\n"
        f'<table class="grid"><thead><tr><th>mutant</th><th>area</th><th>status</th>{heads}</tr></thead>\n'
        f"<tbody>{''.join(rows)}</tbody></table>\n"
        "<h2>Mutants</h2>\n<table><thead><tr><th>mutant</th><th>status</th><th>what the fork got wrong</th>"
        f"<th>breaks</th><th>killed by / why</th></tr></thead><tbody>{summary}</tbody></table>\n"
        "<h2>What each check asserts</h2>\n<table><thead><tr><th>check</th><th>id</th><th>area</th><th>statement</th>"
        f"<th>kills</th></tr></thead><tbody>{statements}</tbody></table>\n</body>\n</html>\n"
    )


def _why_text(m: MutantResult) -> str:
    if m.status is Status.KILLED:
        return "; ".join(f"{c}: {m.reasons.get(c, '')}" for c in m.killed_by)
    return m.why
