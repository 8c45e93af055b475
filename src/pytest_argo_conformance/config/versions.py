"""Pinned versions, read from `clusters/local/versions.yaml` (the one place they are written)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from pytest_argo_conformance.config.paths import clusters_dir


@lru_cache(maxsize=1)
def pinned() -> dict[str, Any]:
    with open(clusters_dir() / "local" / "versions.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise RuntimeError("clusters/local/versions.yaml must be a mapping of component: version")
    return data


def version(component: str) -> str:
    try:
        return str(pinned()[component])
    except KeyError:
        raise RuntimeError(f"clusters/local/versions.yaml has no entry for {component!r}") from None
