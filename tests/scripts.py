"""The project's console scripts as this interpreter installed them (its scripts folder: `.venv/bin` in a virtual
environment), so that tests never depend on PATH."""

from __future__ import annotations

import sysconfig
from pathlib import Path


def script(name: str) -> str:
    """The path of console script `name` beside the running interpreter."""
    path = Path(sysconfig.get_path("scripts")) / name
    assert path.is_file(), f"{name} is not installed beside this interpreter ({path}): pip install -e '.[dev]'"
    return str(path)
