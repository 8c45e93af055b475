"""`--argo-workflows`: the user's own Workflow manifests, each a check for every build and topology."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.components.argo.runner import pin_images

SKIP_LABEL = "argo-conformance/skip"


@dataclass(frozen=True)
class UserWorkflow:
    path: Path
    index: int
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return self.path.stem + (f"-{self.index}" if self.index else "")

    @property
    def skip_reason(self) -> str | None:
        labels = self.manifest.get("metadata", {}).get("labels") or {}
        return f"labelled {SKIP_LABEL}={labels[SKIP_LABEL]}" if SKIP_LABEL in labels else None

    def images(self) -> list[str]:
        found: list[str] = []
        for template in self.manifest.get("spec", {}).get("templates", []) or []:
            for key in ("container", "script"):
                image = (template.get(key) or {}).get("image")
                if image and image not in found:
                    found.append(image)
            for container in (template.get("containerSet") or {}).get("containers", []) or []:
                if container.get("image") and container["image"] not in found:
                    found.append(container["image"])
        return found


def discover(paths: tuple[Path, ...]) -> list[UserWorkflow]:
    """Every `kind: Workflow` document in the given files, short image names pinned."""
    found = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            docs = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict) and d.get("kind") == "Workflow"]
        for index, doc in enumerate(docs):
            pin_images(doc)
            found.append(UserWorkflow(path, index, doc))
    return found
