"""Where the packaged data lives: `suites/` and `clusters/`, in a source checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # pytest_argo_conformance/


def _data_root() -> Path:
    packaged = _PACKAGE / "_data"
    if (packaged / "clusters").is_dir():
        return packaged
    # Source checkout (editable install): src/pytest_argo_conformance -> repository root.
    return _PACKAGE.parent.parent


def suites_dir() -> Path:
    return _data_root() / "suites"


def clusters_dir() -> Path:
    return _data_root() / "clusters"


def cache_dir() -> Path:
    """Build cache, keyed by version below it (`~/.cache/pytest-argo-conformance`, XDG_CACHE_HOME honoured)."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-argo-conformance"
