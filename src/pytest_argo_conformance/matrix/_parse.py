"""Typed reads from decoded JSON; each failure is a one-line ValueError that names the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")
Types = type[T] | tuple[type[T], ...]


def _kind(types: type[Any] | tuple[type[Any], ...]) -> str:
    names = {"str": "a string", "bool": "true/false", "dict": "an object", "list": "a list", "int": "a number"}
    members = types if isinstance(types, tuple) else (types,)
    return names.get(members[0].__name__, members[0].__name__)


def _mapping(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    return data


def _typed(value: object, types: Types[T], where: str) -> T:
    if not isinstance(value, types) or (isinstance(value, bool) and types is not bool):
        raise ValueError(f"{where}: expected {_kind(types)}, got {value!r:.60}")
    return value


def need(data: object, key: str, types: Types[T], where: str) -> T:
    mapping = _mapping(data, where)
    if key not in mapping:
        raise ValueError(f"{where}: missing {key!r}")
    return _typed(mapping[key], types, f"{where}.{key}")


def optional(data: object, key: str, types: Types[T], default: T, where: str) -> T:
    mapping = _mapping(data, where)
    if mapping.get(key) is None:
        return default
    return _typed(mapping[key], types, f"{where}.{key}")


def dict_of(data: object, key: str, types: Types[T], where: str) -> dict[str, T]:
    raw = optional(data, key, dict, {}, where)
    return {str(k): _typed(v, types, f"{where}.{key}[{k!r}]") for k, v in raw.items()}


def list_of(data: object, key: str, types: Types[T], where: str) -> list[T]:
    raw = optional(data, key, list, [], where)
    return [_typed(v, types, f"{where}.{key}[{i}]") for i, v in enumerate(raw)]
