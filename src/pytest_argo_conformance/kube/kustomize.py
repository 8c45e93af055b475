"""Render a component's own kustomization with `kubectl kustomize` (Argo's and Kueue's manifests alike)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.versions import version

RENDER_TIMEOUT = 120

Obj = dict[str, Any]


class KustomizeError(RuntimeError):
    """A kustomization cannot be rendered; the message says why."""


def kubectl() -> str:
    """The kubectl of the local cluster's build when there is one, else the one on PATH."""
    built = cache_dir() / "kubernetes" / version("kubernetes") / "bin" / "kubectl"
    if built.is_file():
        return str(built)
    found = shutil.which("kubectl")
    if found is None:
        raise KustomizeError("kubectl is not on PATH: it renders the components' manifests (kubectl kustomize)")
    return found


def kustomize(directory: Path) -> list[Obj]:
    """The objects `kubectl kustomize DIRECTORY` renders, in its order."""
    if not (directory / "kustomization.yaml").is_file():
        raise KustomizeError(f"{directory} has no kustomization.yaml")
    done = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True,
                          timeout=RENDER_TIMEOUT, check=False)
    if done.returncode != 0:
        raise KustomizeError(f"kubectl kustomize {directory} failed: {done.stderr.strip()[-500:]}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]
