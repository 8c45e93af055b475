"""Typed access to the parts of API objects that the API server always fills in on objects it returns.

The client's models declare every field optional (a request body may leave them out); an object read from the
server has them. These accessors say so once, instead of a None check at every use."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, cast

from kubernetes import client

T = TypeVar("T")


class _HasMeta(Protocol):
    @property
    def metadata(self) -> client.V1ObjectMeta | None: ...


def present(value: T | None, what: str) -> T:
    """`value`, which the API server always sets on what it returns (`what` names it if it ever does not)."""
    if value is None:
        raise ValueError(f"the API server returned an object without {what}")
    return value


def meta(obj: _HasMeta) -> client.V1ObjectMeta:
    return present(obj.metadata, "metadata")


def name(obj: _HasMeta) -> str:
    return present(meta(obj).name, "metadata.name")


def namespace(obj: _HasMeta) -> str:
    return present(meta(obj).namespace, "metadata.namespace")


def uid(obj: _HasMeta) -> str:
    return present(meta(obj).uid, "metadata.uid")


def labels_of(obj: _HasMeta) -> dict[str, str]:
    """The object's labels (an empty dict when it has none: the API server leaves the field out)."""
    return meta(obj).labels or {}


def annotations_of(obj: _HasMeta) -> dict[str, str]:
    """The object's annotations (an empty dict when it has none: the API server leaves the field out).

    Not `annotations`: that name is taken by `from __future__ import annotations`."""
    return meta(obj).annotations or {}


def pod_spec(pod: client.V1Pod) -> client.V1PodSpec:
    return present(pod.spec, "spec")


def pod_status(pod: client.V1Pod) -> client.V1PodStatus:
    return present(pod.status, "status")


def node_spec(node: client.V1Node) -> client.V1NodeSpec:
    return present(node.spec, "spec")


def custom_object(result: object) -> dict[str, Any]:
    """What a CustomObjectsApi call returned: the object (or list) as the API server's JSON, a dict.

    The client declares these results `object`; this is the one place that says what they are."""
    return cast(dict[str, Any], result)
