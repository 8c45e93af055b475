"""Named waits, the one way the suite waits: `watch_until` where the API server can report a change as it
happens, `wait_for` (a poll, through tenacity) where nothing can be watched (an HTTP endpoint, a port, a process).

Both end with the same WaitTimeout, whose message says what was awaited, after how long, and what was seen last;
it is an AssertionError, so a check that times out is reported as a failure, not as an error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import tenacity
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as TransportError

from pytest_argo_conformance.config.timeouts import API_REQUEST
from pytest_argo_conformance.kube.client import delete_quietly

T = TypeVar("T")
WATCH_SECONDS = 60  # one watch request; a longer wait lists and watches again
RELIST_PAUSE = 0.5  # after a watch or list that failed, before listing again
Objects = list[Any]  # what a list call holds: models of the official client, or dicts for custom objects


class WaitTimeout(AssertionError):
    """A wait ran out: says what it waited for, after how long, and what it saw last."""


class GiveUp(RuntimeError):
    """Raised by a probe or a watch condition when waiting longer cannot help (the process died, the pod failed)."""


def timed_out(what: str, seconds: float, seen: object) -> WaitTimeout:
    return WaitTimeout(f"timed out after {seconds:.1f}s waiting for {what}; last seen: {seen}")


# ----- polling: what cannot be watched (an HTTP endpoint, a port, a process, a dry-run) ------------------------


def wait_for(what: str, probe: Callable[[], tuple[bool, T]], timeout: float, interval: float = 1.0) -> T:
    """Poll: call `probe` every `interval` seconds until it returns (True, seen); return that `seen`.

    `probe` returns (done, what it saw). An exception from it counts as "not yet" and its text as what it saw,
    except GiveUp and AssertionError, which end the wait at once.
    """
    start = time.monotonic()
    last: list[Any] = ["nothing yet"]

    def attempt() -> bool:
        try:
            done, last[0] = probe()
        except (GiveUp, AssertionError):
            raise
        except Exception as exc:  # noqa: BLE001 - a probe failing is an observation, not the end of the wait
            done, last[0] = False, f"{type(exc).__name__}: {_first_line(exc)}"
        return done

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_result(lambda done: not done),
    )
    try:
        retrying(attempt)
    except tenacity.RetryError:
        raise timed_out(what, time.monotonic() - start, last[0]) from None
    seen: T = last[0]
    return seen


# ----- watching: what the API server can report as it changes --------------------------------------------------


def watch_until(
    what: str,
    list_fn: Callable[..., Any],
    *args: Any,
    until: Callable[[Objects], bool],
    timeout: float,
    describe: Callable[[Objects], str] | None = None,
    **list_kwargs: Any,
) -> Objects:
    """List with `list_fn(*args, **list_kwargs)`, then watch from that list's resourceVersion until `until(objects)`
    holds for the objects listed at that moment; return them.

    `list_fn` is a list call of the official client (`CoreV1Api.list_namespace`,
    `CustomObjectsApi.list_namespaced_custom_object`...), narrowed by `field_selector` or `label_selector`. A
    condition that already holds returns after the list; a change is seen when its event arrives. A watch the
    server ends (its time limit, an expired resourceVersion, a dropped connection) lists and watches again. An
    exception from `until` ends the wait (GiveUp, an AssertionError: the condition cannot come true any more).
    On timeout, WaitTimeout carries `describe(objects)` of the last objects seen (by default their names).
    """
    start = time.monotonic()
    trouble: list[str] = []
    last: Objects | None = None
    for objects in _states(list_fn, args, list_kwargs, start + timeout, trouble):
        last = objects
        if until(objects):
            return objects
    if last is None:
        seen = f"nothing listed ({trouble[-1] if trouble else 'no answer'})"
    else:
        try:
            seen = (describe or names)(last)
        except Exception as exc:  # noqa: BLE001 - the timeout is what to report
            seen = f"{names(last)} (describing them failed: {type(exc).__name__}: {_first_line(exc)})"
        if trouble:
            seen += f" (the watch last failed with {trouble[-1]})"
    raise timed_out(what, time.monotonic() - start, seen)


def _states(list_fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], deadline: float,
            trouble: list[str]) -> Iterator[Objects]:
    """The objects listed, after the list and after each watch event, until `deadline` (at least one list)."""
    objects: dict[str, Any] = {}
    version = ""
    first = True
    while first or time.monotonic() < deadline:
        first = False
        try:
            if not version:
                listed = list_fn(*args, **{"_request_timeout": API_REQUEST, **kwargs})
                objects = {_key(o): o for o in _items(listed)}
                version = _list_version(listed)
                yield list(objects.values())
                continue
            seconds = max(1, math.ceil(min(deadline - time.monotonic(), WATCH_SECONDS)))
            opened, events = time.monotonic(), 0
            stream = watch.Watch().stream(
                list_fn, *args, resource_version=version, timeout_seconds=seconds,
                _request_timeout=seconds + API_REQUEST, **kwargs,
            )
            try:
                for event in stream:
                    events += 1
                    if event["type"] not in ("ADDED", "MODIFIED", "DELETED"):
                        continue  # BOOKMARK
                    obj = event["object"]
                    version = _meta(obj, "resourceVersion") or version
                    if event["type"] == "DELETED":
                        objects.pop(_key(obj), None)
                    else:
                        objects[_key(obj)] = obj
                    yield list(objects.values())
                    if time.monotonic() >= deadline:
                        return
            finally:
                stream.close()
            if not events and time.monotonic() - opened < seconds / 2:  # ended early and empty: do not spin
                time.sleep(max(0.0, min(RELIST_PAUSE, deadline - time.monotonic())))
        except (ApiException, TransportError, OSError) as exc:  # 410 Gone, a server error, a dropped connection
            trouble.append(f"{type(exc).__name__}: {_first_line(exc)}")
            version = ""
            time.sleep(max(0.0, min(RELIST_PAUSE, deadline - time.monotonic())))


def _meta(obj: Any, field: str) -> str:
    if isinstance(obj, dict):
        return str(obj.get("metadata", {}).get(field) or "")
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in field)
    return str(getattr(obj.metadata, snake, None) or "")


def _key(obj: Any) -> str:
    return _meta(obj, "uid") or f"{_meta(obj, 'namespace')}/{_meta(obj, 'name')}"


def _items(listed: Any) -> list[Any]:
    return list(listed.get("items") or []) if isinstance(listed, dict) else list(listed.items or [])


def _list_version(listed: Any) -> str:
    if isinstance(listed, dict):
        return str(listed.get("metadata", {}).get("resourceVersion") or "")
    return str(listed.metadata.resource_version or "")


def names(objects: Objects) -> str:
    """The default description of what a watch saw: the objects' names."""
    return ", ".join(_meta(o, "name") for o in objects) or "none"


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        return f"{exc.status} {exc.reason}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ----- named waits on common objects ---------------------------------------------------------------------------


def deployment_available(apps: client.AppsV1Api, namespace: str, name: str, timeout: float,
                         describe: Callable[[Objects], str] | None = None) -> None:
    """Watch a Deployment until its current generation is observed with all its replicas available."""

    def available(found: Objects) -> bool:
        if not found:
            return False
        dep = found[0]
        ready = (dep.status.available_replicas if dep.status else 0) or 0
        return bool(dep.status and ready >= (dep.spec.replicas or 0)
                    and dep.status.observed_generation == dep.metadata.generation)

    watch_until(f"deployment {namespace}/{name} to be available", apps.list_namespaced_deployment, namespace,
                field_selector=f"metadata.name={name}", until=available, timeout=timeout,
                describe=describe or _deployment_replicas)


def _deployment_replicas(found: Objects) -> str:
    if not found:
        return "no such deployment"
    status = found[0].status
    return f"availableReplicas={status.available_replicas if status else None} of {found[0].spec.replicas}"


def delete_namespace(core: client.CoreV1Api, name: str, timeout: float) -> None:
    """Delete a namespace and watch until it is gone (so that a new one of that name can be made)."""
    delete_quietly(core.delete_namespace, name)

    def phases(found: Objects) -> str:
        return ", ".join(f"phase {ns.status.phase if ns.status else None}" for ns in found) or "gone"

    watch_until(f"namespace {name} to be deleted", core.list_namespace, field_selector=f"metadata.name={name}",
                until=lambda found: not found, timeout=timeout, describe=phases)
