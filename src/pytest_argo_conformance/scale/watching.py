"""Event streams of many objects, without the client's model classes (thousands of pods would cost seconds of CPU to
deserialize): list, then watch from the list's version, and list again when the watch breaks (410 Gone, a dropped
connection; the client's own ERROR handling needs its models, so a KeyError from it means the same). Each event
goes to a handler as a dict."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.config.timeouts import API_REQUEST

log = logging.getLogger(__name__)

WATCH_SECONDS = 10  # one watch request's server-side limit (also how soon `stop` takes effect when nothing changes)
Handler = Callable[[str, dict[str, Any]], None]  # (event type, object)


def pods(api: client.ApiClient, namespace: str) -> Lister:
    """The list call of the pods in `namespace`."""
    return Lister(client.CoreV1Api(api).list_namespaced_pod, (namespace,), raw=True)


def custom(api: client.ApiClient, namespace: str, plural: str) -> Lister:
    """The list call of Argo's objects (`workflows`, `workflowtaskresults`) in `namespace`."""
    return Lister(client.CustomObjectsApi(api).list_namespaced_custom_object,
                  (wfapi.GROUP, wfapi.VERSION, namespace, plural))


class Lister:
    """A generated list method of the client and its leading arguments; `raw`: ask for JSON, not models."""

    def __init__(self, method: Callable[..., Any], args: tuple[Any, ...], raw: bool = False) -> None:
        self.method, self.args, self.raw = method, args, raw

    def list(self, selector: str) -> dict[str, Any]:
        if self.raw:
            response = self.method(*self.args, label_selector=selector, _preload_content=False,
                                   _request_timeout=API_REQUEST)
            listed: dict[str, Any] = json.loads(response.data)
            return listed
        return dict(self.method(*self.args, label_selector=selector, _request_timeout=API_REQUEST))


class EventStream:
    """A thread that feeds every ADDED/MODIFIED/DELETED of the objects `lister` lists that match `selector` to
    `handle` (the objects already there come as ADDED, and again after each re-list)."""

    def __init__(self, lister: Lister, selector: str, handle: Handler, what: str) -> None:
        self._list = lister
        self._selector = selector
        self._handle = handle
        self.what = what
        self.relists = 0
        self.trouble: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch {what}", daemon=True)
        self._listed = threading.Event()

    def start(self) -> EventStream:
        self._thread.start()
        if not self._listed.wait(API_REQUEST):
            raise TimeoutError(f"listing {self.what} took over {API_REQUEST} s ({'; '.join(self.trouble[-1:])})")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(WATCH_SECONDS + API_REQUEST)

    def _run(self) -> None:
        version = ""
        while not self._stop.is_set():
            try:
                if not version:
                    listed = self._list.list(self._selector)
                    self.relists += 1
                    for item in listed.get("items", []):
                        self._handle("ADDED", item)
                    version = listed["metadata"]["resourceVersion"]
                    self._listed.set()
                    continue
                watcher = watch.Watch()
                for event in watcher.stream(self._list.method, *self._list.args, label_selector=self._selector,
                                            resource_version=version, timeout_seconds=WATCH_SECONDS,
                                            allow_watch_bookmarks=True, deserialize=False,
                                            _request_timeout=WATCH_SECONDS + API_REQUEST):
                    obj = event.get("object") or {}
                    version = obj.get("metadata", {}).get("resourceVersion") or version
                    if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self._handle(event["type"], obj)
                    if self._stop.is_set():
                        watcher.stop()
            except (ApiException, HTTPError, OSError, ValueError, KeyError) as exc:  # 410 Gone, a dropped connection
                self.trouble.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                log.debug("watch %s: %s; listing again", self.what, self.trouble[-1])
                version = ""
                self._stop.wait(1)
