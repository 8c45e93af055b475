"""The one way to wait (`kube.waits`), without a cluster: the poll's timeout message, and `watch_until` over a fake
list call that answers a list and then a watch stream, as the API server does."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.kube import GiveUp, WaitTimeout, wait_for, watch_until


def test_a_poll_that_times_out_says_what_it_waited_for_after_how_long_and_what_it_saw_last() -> None:
    seen = iter(range(100))
    with pytest.raises(WaitTimeout) as info:
        wait_for("the thing to be ready", lambda: (False, f"try {next(seen)}"), timeout=0.3, interval=0.05)
    message = str(info.value)
    assert re.match(r"timed out after 0\.\ds waiting for the thing to be ready; last seen: try \d+$", message), message
    assert int(message.rsplit(" ", 1)[1]) >= 3, message
    assert isinstance(info.value, AssertionError)  # a check that times out is a failure, not an error


def test_a_probe_that_raises_is_not_yet_and_its_error_is_what_was_seen() -> None:
    calls = []

    def probe() -> tuple[bool, str]:
        calls.append(1)
        if len(calls) < 3:
            raise ApiException(status=503, reason="Service Unavailable")
        return True, "answered"

    assert wait_for("the API to answer", probe, timeout=5, interval=0.01) == "answered"
    with pytest.raises(WaitTimeout, match=r"last seen: ApiException: 404 Not Found$"):
        wait_for("a missing thing", lambda: (_ for _ in ()).throw(ApiException(404, "Not Found")), 0.1, 0.02)


def test_give_up_and_assertions_end_a_poll_at_once() -> None:
    def dead() -> tuple[bool, str]:
        raise GiveUp("the process exited")

    start = time.monotonic()
    with pytest.raises(GiveUp, match="the process exited"):
        wait_for("the process to listen", dead, timeout=30)
    assert time.monotonic() - start < 1


# ----- watch_until against a fake list call --------------------------------------------------------------------


class FakeResponse:
    """What `Watch.stream` reads: a streamed HTTP response of one JSON event a line."""

    status = 200

    def __init__(self, events: list[dict[str, Any]], linger: float) -> None:
        self.events, self.linger = events, linger

    def stream(self, amt: Any = None, decode_content: Any = None) -> Iterator[bytes]:
        for event in self.events:
            yield (json.dumps(event) + "\n").encode()
        time.sleep(self.linger)  # the server holds the watch open until its timeoutSeconds

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


def obj(name: str, version: str, phase: str = "Pending") -> dict[str, Any]:
    return {"metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": version}, "status": {"phase": phase}}


class FakeApi:
    """A list call: a list answers `listed` (the first list, then the next...); a watch streams `watches` in turn
    (an exception in that list is raised instead, as the client raises a watch's ERROR event)."""

    def __init__(self, listed: list[list[dict[str, Any]]], watches: list[Any], linger: float = 0.05) -> None:
        self.listed, self.watches, self.linger = listed, watches, linger
        self.calls: list[dict[str, Any]] = []

    def list_things(self, namespace: str, **kwargs: Any) -> Any:
        self.calls.append({"namespace": namespace, **kwargs})
        if kwargs.get("watch"):
            if not self.watches:
                return FakeResponse([], self.linger)
            batch = self.watches.pop(0)
            if isinstance(batch, Exception):
                raise batch
            return FakeResponse(batch, self.linger)
        items = self.listed.pop(0) if len(self.listed) > 1 else self.listed[0]
        return {"metadata": {"resourceVersion": str(10 + len(self.calls))}, "items": items}


def running(things: list[dict[str, Any]]) -> bool:
    return any(t["status"]["phase"] == "Running" for t in things)


def test_a_condition_already_true_returns_after_the_list_without_watching() -> None:
    api = FakeApi([[obj("a", "5", "Running")]], [])
    found = watch_until("a to run", api.list_things, "ns", until=running, timeout=5, label_selector="app=x")
    assert [t["metadata"]["name"] for t in found] == ["a"]
    assert [c.get("watch") for c in api.calls] == [None]
    assert api.calls[0]["label_selector"] == "app=x"


def test_a_change_is_seen_as_its_event_arrives_from_the_lists_resource_version() -> None:
    api = FakeApi([[obj("a", "5")]], [[{"type": "MODIFIED", "object": obj("a", "6", "Running")}]], linger=30)
    start = time.monotonic()
    found = watch_until("a to run", api.list_things, "ns", until=running, timeout=60, field_selector="metadata.name=a")
    assert time.monotonic() - start < 5  # at the event, not at the end of the watch or a poll interval
    assert found == [obj("a", "6", "Running")]
    watch_call = api.calls[1]
    assert watch_call["watch"] is True and watch_call["resource_version"] == "11"
    assert watch_call["field_selector"] == "metadata.name=a" and 1 <= watch_call["timeout_seconds"] <= 60


def test_deleted_objects_leave_the_set_the_condition_sees() -> None:
    api = FakeApi([[obj("a", "5"), obj("b", "5")]], [[{"type": "DELETED", "object": obj("a", "7")},
                                                      {"type": "DELETED", "object": obj("b", "8")}]])
    seen: list[int] = []

    def gone(things: list[dict[str, Any]]) -> bool:
        seen.append(len(things))
        return not things

    assert watch_until("a and b to be deleted", api.list_things, "ns", until=gone, timeout=5) == []
    assert seen == [2, 1, 0]


def test_an_expired_watch_lists_again() -> None:
    gone = ApiException(status=410, reason="Expired: too old resource version")
    api = FakeApi([[obj("a", "5")], [obj("a", "9", "Running")]], [gone])
    found = watch_until("a to run", api.list_things, "ns", until=running, timeout=5)
    assert found == [obj("a", "9", "Running")]
    assert [bool(c.get("watch")) for c in api.calls] == [False, True, False]


def test_a_watch_that_times_out_says_what_it_saw_last() -> None:
    api = FakeApi([[obj("a", "5")]], [[{"type": "MODIFIED", "object": obj("a", "6", "ContainerCreating")}]])

    def phases(things: list[dict[str, Any]]) -> str:
        return "; ".join(f"{t['metadata']['name']} {t['status']['phase']}" for t in things)

    with pytest.raises(WaitTimeout) as info:
        watch_until("a to run", api.list_things, "ns", until=running, timeout=1.2, describe=phases)
    assert str(info.value).startswith("timed out after 1.")
    assert str(info.value).endswith("waiting for a to run; last seen: a ContainerCreating")


def test_a_condition_that_gives_up_ends_the_watch() -> None:
    api = FakeApi([[obj("a", "5", "Failed")]], [])

    def fails(things: list[dict[str, Any]]) -> bool:
        raise GiveUp(f"{things[0]['metadata']['name']} failed")

    with pytest.raises(GiveUp, match="a failed"):
        watch_until("a to run", api.list_things, "ns", until=fails, timeout=30)
