"""Compare a build's CRDs (manifests/base/crds/full) with a reference release's, and classify each difference.

- additive: what an existing manifest cannot notice: a new optional field, a new served version or CRD, a
  relaxed rule (a field no longer required, more enum values), printer columns;
- breaking: what can reject or change an existing manifest: a removed or retyped field, a new required field,
  a tightened or changed validation rule, a CRD or served version that is gone.
Descriptions are ignored. Only breaking differences against the build's own line fail the check.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pytest_argo_conformance.config.paths import cache_dir

CRDS = ("workflows", "workflowtemplates", "cronworkflows", "clusterworkflowtemplates")
IGNORED = {"description", "title", "example", "externalDocs"}
HANDLED = {"type", "properties", "required", "enum", "items", "allOf", "anyOf", "oneOf", "not"}
# Schema keywords that validate a value: any change to them is breaking (enum growth is handled apart).
VALIDATION = {
    "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "multipleOf", "nullable",
    "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "additionalProperties",
}


@dataclass
class CrdReport:
    breaking: list[str] = field(default_factory=list)
    additive: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.breaking and not self.additive

    def summary(self, against: str) -> str:
        """One line: `against upstream v3.7.18: 2 breaking, 5 additive` or `... identical`."""
        if self.identical:
            return f"CRDs against {against}: identical"
        return f"CRDs against {against}: {len(self.breaking)} breaking, {len(self.additive)} additive"

    def listing(self, limit: int | None = None) -> list[str]:
        """Every difference, classified, breaking first (all of them unless `limit`). The schemas repeat one type in
        many places (a template inside `templates[]`, `templateDefaults`, each CRD): the same change there is one
        line with its count."""
        lines = ([f"breaking: {d}" for d in _grouped(self.breaking)]
                 + [f"additive: {d}" for d in _grouped(self.additive)])
        if limit is not None and len(lines) > limit:
            lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
        return lines

LEAF = re.compile(r"^(?P<crd>[^:]+): (?P<path>\S*) (?P<what>.*)$")


def _grouped(differences: list[str]) -> list[str]:
    """`crd: .spec.templates[].container.x added` x 40 -> `...container.x added (40 places, e.g. crd: path)`."""
    groups: dict[str, list[str]] = defaultdict(list)
    for diff in differences:
        match = LEAF.match(diff)
        if match is None:
            groups[diff].append(diff)
            continue
        tail = ".".join(match["path"].split(".")[-2:])
        groups[f"...{tail} {match['what']}" if match["path"].count(".") > 2 else diff].append(diff)
    out = []
    for key, members in groups.items():
        if len(members) == 1:
            out.append(members[0])
        else:
            first = members[0].split(" ", 2)
            out.append(f"{key} ({len(members)} places, e.g. {first[0]} {first[1]})")
    return out


def compare(reference_source: Path, build_source: Path) -> CrdReport:
    report = CrdReport()
    for plural in CRDS:
        base, other = _load(reference_source, plural), _load(build_source, plural)
        crd = f"{plural}.argoproj.io"
        if base is None and other is None:
            continue
        if other is None:
            report.breaking.append(f"{crd}: CRD missing from the build")
            continue
        if base is None:
            report.additive.append(f"{crd}: CRD the reference does not have")
            continue
        base_versions = {v["name"]: v for v in base["spec"]["versions"]}
        other_versions = {v["name"]: v for v in other["spec"]["versions"]}
        for name in sorted(set(base_versions) - set(other_versions)):
            report.breaking.append(f"{crd}/{name}: version no longer served")
        for name in sorted(other_versions):
            where = f"{crd}/{name}"
            if name not in base_versions:
                report.additive.append(f"{where}: version not served by the reference")
                continue
            old, new = base_versions[name], other_versions[name]
            _schema(_root(old), _root(new), "", where, report)
            if old.get("additionalPrinterColumns") != new.get("additionalPrinterColumns"):
                report.additive.append(f"{where}: printer columns differ")
    return report


def _root(version: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = version.get("schema", {}).get("openAPIV3Schema", {})
    return schema


def _load(source: Path, plural: str) -> dict[str, Any] | None:
    path = source / "manifests" / "base" / "crds" / "full" / f"argoproj.io_{plural}.yaml"
    if not path.is_file():
        return None
    return _parsed(path.read_bytes())


def _parsed(text: bytes) -> dict[str, Any]:
    """A full CRD (2-3 MB of YAML, seconds to parse) through a JSON copy cached by content digest."""
    cached = cache_dir() / "crd-json" / f"{hashlib.sha256(text).hexdigest()[:24]}.json"
    if cached.is_file():
        loaded: dict[str, Any] = json.loads(cached.read_bytes())
        return loaded
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # use libyaml when present
    loaded = yaml.load(text, Loader=loader)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(loaded))
    partial.replace(cached)
    return loaded


def _schema(old: Any, new: Any, path: str, crd: str, report: CrdReport) -> None:
    """Classify the differences between two OpenAPI schema nodes at `path`."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            report.breaking.append(f"{crd}: {_show(path)} changed from {_short(old)} to {_short(new)}")
        return
    if old.get("type") != new.get("type"):
        report.breaking.append(
            f"{crd}: {_show(path)} retyped from {old.get('type')} to {new.get('type')}")
    _properties(old, new, path, crd, report)
    _required(old, new, path, crd, report)
    _enum(old, new, path, crd, report)
    for key in sorted((set(old) | set(new)) & VALIDATION):
        if key == "additionalProperties" and isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            continue  # a schema of its own: compared below
        if old.get(key) != new.get(key):
            if key == "x-kubernetes-preserve-unknown-fields" and new.get(key) and not old.get(key):
                report.additive.append(f"{crd}: {_show(path)} now keeps unknown fields")
            else:
                report.breaking.append(f"{crd}: {_show(path)} validation {key} changed from {_short(old.get(key))} "
                                       f"to {_short(new.get(key))}")
    for key in ("items",):
        if key in old or key in new:
            _schema(old.get(key, {}), new.get(key, {}), f"{path}[]", crd, report)
    if isinstance(old.get("additionalProperties"), dict) and isinstance(new.get("additionalProperties"), dict):
        _schema(old["additionalProperties"], new["additionalProperties"], f"{path}{{*}}", crd, report)
    for key in ("allOf", "anyOf", "oneOf", "not"):
        if old.get(key) != new.get(key):
            report.breaking.append(f"{crd}: {_show(path)} validation {key} changed")
    for key in sorted((set(old) | set(new)) - HANDLED - VALIDATION - IGNORED):
        if old.get(key) != new.get(key):  # e.g. a default: an existing manifest would mean something else
            report.breaking.append(
                f"{crd}: {_show(path)} {key} changed from {_short(old.get(key))} to {_short(new.get(key))}")


def _properties(old: dict[str, Any], new: dict[str, Any], path: str, crd: str, report: CrdReport) -> None:
    before, after = old.get("properties") or {}, new.get("properties") or {}
    required = set(new.get("required") or [])
    for name in sorted(set(before) | set(after)):
        where = f"{path}.{name}"
        if name not in after:
            report.breaking.append(f"{crd}: {where} removed")
        elif name not in before:
            if name in required:
                report.breaking.append(f"{crd}: {where} added as a required field")
            else:
                report.additive.append(f"{crd}: {where} added (optional)")
        else:
            _schema(before[name], after[name], where, crd, report)


def _required(old: dict[str, Any], new: dict[str, Any], path: str, crd: str, report: CrdReport) -> None:
    before, after = set(old.get("required") or []), set(new.get("required") or [])
    existing = set(old.get("properties") or {})
    for name in sorted(after - before):
        if name in existing:  # a new field that is required was reported with the field itself
            report.breaking.append(f"{crd}: {path}.{name} is now required")
    for name in sorted(before - after):
        report.additive.append(f"{crd}: {path}.{name} is no longer required")


def _enum(old: dict[str, Any], new: dict[str, Any], path: str, crd: str, report: CrdReport) -> None:
    if old.get("enum") == new.get("enum"):
        return
    before, after = old.get("enum"), new.get("enum")
    if before is not None and after is not None and set(map(repr, before)) <= set(map(repr, after)):
        report.additive.append(f"{crd}: {_show(path)} accepts more values ({_short(after)})")
    elif before is not None and after is None:
        report.additive.append(f"{crd}: {_show(path)} no longer limited to {_short(before)}")
    else:
        report.breaking.append(f"{crd}: {_show(path)} enum changed from {_short(before)} to {_short(after)}")


def _show(path: str) -> str:
    return path or "(root)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
