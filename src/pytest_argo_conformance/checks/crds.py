"""Compare a build's CRD schemas (manifests/base/crds/full) with the baseline's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CRDS = ("workflows", "workflowtemplates", "cronworkflows", "clusterworkflowtemplates")
MAX_LISTED = 40


@dataclass
class CrdReport:
    differences: list[str] = field(default_factory=list)  # schema differences: the check fails
    notes: list[str] = field(default_factory=list)  # printer-column-only differences: reported, not failed


def compare(baseline_source: Path, build_source: Path) -> CrdReport:
    report = CrdReport()
    for plural in CRDS:
        base, other = _load(baseline_source, plural), _load(build_source, plural)
        if base is None or other is None:
            if base is not other:
                report.differences.append(f"{plural}.argoproj.io: present in only one of the builds")
            continue
        base_versions = {v["name"]: v for v in base["spec"]["versions"]}
        for version in other["spec"]["versions"]:
            name = f"{plural}.argoproj.io/{version['name']}"
            if version["name"] not in base_versions:
                report.differences.append(f"{name}: version not served by the baseline")
                continue
            old = base_versions[version["name"]]
            diffs: list[str] = []
            _diff(old.get("schema", {}).get("openAPIV3Schema", {}), version.get("schema", {}).get("openAPIV3Schema", {}),
                  "", diffs)
            report.differences += [f"{name}: {d}" for d in diffs]
            if old.get("additionalPrinterColumns") != version.get("additionalPrinterColumns"):
                report.notes.append(f"{name}: printer columns differ from the baseline's")
    if len(report.differences) > MAX_LISTED:
        more = len(report.differences) - MAX_LISTED
        report.differences = report.differences[:MAX_LISTED] + [f"... and {more} more"]
    return report


def _load(source: Path, plural: str) -> dict[str, Any] | None:
    path = source / "manifests" / "base" / "crds" / "full" / f"argoproj.io_{plural}.yaml"
    if not path.is_file():
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the full CRDs are large: use libyaml when present
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return loaded


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    """Structural differences between two OpenAPI schemas, by property path; descriptions are ignored."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if key == "description":
                continue
            where = f"{path}.{key}" if key != "properties" else path
            if key not in new:
                out.append(f"{_show(where)} removed")
            elif key not in old:
                out.append(f"{_show(where)} added")
            else:
                _diff(old[key], new[key], where, out)
    elif old != new:
        out.append(f"{_show(path)} changed from {_short(old)} to {_short(new)}")


def _show(path: str) -> str:
    return path or "(root)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
