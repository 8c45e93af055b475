"""Explicit-deadline waits whose timeout says what was awaited and what was last seen."""

from __future__ import annotations

import time
from collections.abc import Callable


class WaitTimeout(RuntimeError):
    """A wait ran out; the message names the condition and the last observation."""


class GiveUp(RuntimeError):
    """Raised by a probe when waiting longer cannot help (the process died, the pod failed)."""


def wait_for(what: str, probe: Callable[[], tuple[bool, str]], timeout: float, interval: float = 0.25) -> float:
    """Call `probe` until it returns (True, _) or `timeout` passes; return the seconds waited.

    `probe` returns (done, what it saw); an exception from it counts as "not yet" and its text as what it saw,
    except GiveUp and AssertionError, which end the wait at once.
    """
    start = time.monotonic()
    seen = "nothing yet"
    while True:
        try:
            done, seen = probe()
        except (GiveUp, AssertionError):
            raise
        except Exception as exc:  # noqa: BLE001 - a probe failing is an observation, not the end of the wait
            done, seen = False, f"{type(exc).__name__}: {exc}"
        if done:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}; last saw: {seen}")
        time.sleep(interval)
