"""Read a build's own manifests (`manifests/` in its source tree): a YAML file, or a kustomization rendered with
`kubectl kustomize` (as Kueue's are). The Deployments' images and arguments are set by `argo.install` for each
topology.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.kube.kustomize import kustomize

Obj = dict[str, Any]
CLUSTER_SCOPED = {
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "Namespace",
}


def load(path: Path) -> list[Obj]:
    """A YAML file's documents in order, or what `kubectl kustomize` renders of a kustomization directory."""
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            return [doc for doc in yaml.safe_load_all(fh) if doc]
    if not (path / "kustomization.yaml").is_file():
        raise FileNotFoundError(f"{path} is neither a manifest file nor a kustomization directory")
    return kustomize(path)


def in_namespace(objects: list[Obj], namespace: str) -> list[Obj]:
    """Copies of `objects` placed in `namespace`, ServiceAccount subjects of bindings included (as kustomize does)."""
    placed = []
    for obj in objects:
        obj = copy.deepcopy(obj)
        if obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        for subject in obj.get("subjects", []):
            if subject.get("kind") == "ServiceAccount":
                subject["namespace"] = namespace
        placed.append(obj)
    return placed


def by_kind(objects: list[Obj], kind: str, name: str | None = None) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def labelled(objects: list[Obj], labels: dict[str, str]) -> list[Obj]:
    out = []
    for obj in objects:
        obj = copy.deepcopy(obj)
        obj["metadata"].setdefault("labels", {}).update(labels)
        out.append(obj)
    return out
