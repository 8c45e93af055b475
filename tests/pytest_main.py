"""pytest.main replaced by a recorder of its arguments: what a command of `argo-conformance` hands to pytest."""

from __future__ import annotations

import pytest


def record_pytest_main(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """pytest.main replaced by a recorder of its arguments (one list per call)."""
    seen: list[list[str]] = []

    def main(args: list[str]) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(pytest, "main", main)
    return seen
