"""The check registry: each check's stable id, the feature area it covers and its one MUST sentence.

A check declares its entry where it is written:

    @pytest.mark.conformance(id="retries.limit-caps-attempts", area="retries")
    def test_retry_limit_caps_attempts(argo_workflows):
        \"\"\"A template's retryStrategy.limit MUST cap the attempts: limit N runs a failing step N+1 times.\"\"\"

`argo-conformance checks` lists the entries; the matrix carries them, and its Markdown and HTML rows link to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from pytest_argo_conformance.matrix.model import CheckStatement

MARKER = "conformance"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")  # <area>.<name>, dotted, lower-case
AREAS = (
    "control-flow", "retries", "parallelism", "deadlines", "parameters", "artifacts", "templates", "exit-hooks",
    "synchronization", "memoization", "suspend", "cron", "pod-spec", "gc", "server", "controllers", "kueue", "gpu",
    "workflows", "scale",
)


@dataclass(frozen=True)
class Entry:
    """One check's entry as declared; `problem` says what is missing or malformed ("" when complete)."""

    check: str  # the function's name (the matrix's check name, without axes)
    file: str
    id: str
    area: str
    statement: str
    problem: str = ""

    def statement_of(self, check: str) -> CheckStatement:
        return CheckStatement(check=check, id=self.id, statement=self.statement, area=self.area)

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "file": self.file, "id": self.id, "area": self.area,
                "statement": self.statement, **({"problem": self.problem} if self.problem else {})}


def entry_of(item: pytest.Item) -> Entry:
    """The registry entry of a collected check (with `problem` set when it has none or a malformed one)."""
    check = getattr(item, "originalname", item.name)
    function = getattr(item, "function", None)
    file = str(getattr(item, "path", ""))
    marker = item.get_closest_marker(MARKER)
    statement = first_paragraph(getattr(function, "__doc__", None) or "")
    if marker is None:
        return Entry(check, file, "", "", statement,
                     problem=f'no @pytest.mark.{MARKER}(id="<area>.<name>", area="<area>") on {check}')
    ident, area = str(marker.kwargs.get("id", "")), str(marker.kwargs.get("area", ""))
    problem = ""
    if not ID_RE.match(ident):
        problem = f"{check}: id {ident!r} is not a dotted lower-case id such as 'retries.limit-caps-attempts'"
    elif area not in AREAS:
        problem = f"{check}: area {area!r} is not one of {', '.join(AREAS)}"
    elif " MUST " not in f" {statement} ":
        problem = f"{check}: its docstring's first paragraph is not a sentence in MUST form: {statement!r}"
    return Entry(check, file, ident, area, statement, problem)


def first_paragraph(doc: str) -> str:
    """The docstring's first paragraph on one line (the check's statement)."""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def duplicates(entries: list[Entry]) -> list[str]:
    """One line per id claimed by two different checks."""
    owners: dict[str, str] = {}
    lines = []
    for entry in entries:
        if entry.id and owners.setdefault(entry.id, entry.check) != entry.check:
            lines.append(f"id {entry.id!r} is claimed by both {owners[entry.id]} and {entry.check}")
    return lines
