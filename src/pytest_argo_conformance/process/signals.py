"""SIGINT and SIGTERM end a run the way Ctrl-C does, and never cut a clean-up short.

The first signal raises KeyboardInterrupt in the main thread: pytest then tears the session's fixtures down (cells
uninstalled, shared components released, the cluster removed unless kept) and writes the matrix with the
interrupted check marked. A signal that arrives while a clean-up runs (`deferred()`; the plugin wraps every test's
teardown and the session's end in one) is held until the clean-up ends. Later signals are ignored with one line
to the user, so a second Ctrl-C cannot skip the rest of the clean-up; every clean-up step has its own timeout.
Signal handlers belong to the process, hence the one module-level state.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _State:
    received: str = ""  # the first signal's name, once one came
    pending: bool = False  # it came during a clean-up: raise when the clean-up ends
    deferring: int = 0
    previous: dict[int, Any] = field(default_factory=dict)
    announce: Callable[[str], None] | None = None  # how a line reaches the user (pytest: past its capture)


_state = _State()


def install(announce: Callable[[str], None] | None = None) -> bool:
    """Handle SIGINT and SIGTERM (main thread only; False elsewhere, where Python cannot). `announce` shows a line
    to the user (default: stderr)."""
    if threading.current_thread() is not threading.main_thread() or _state.previous:
        return False
    for sig in HANDLED:
        _state.previous[sig] = signal.signal(sig, _handle)
    _state.announce = announce
    return True


def uninstall() -> None:
    for sig, handler in _state.previous.items():
        signal.signal(sig, handler)
    _state.previous.clear()
    _state.received, _state.pending, _state.deferring, _state.announce = "", False, 0, None


def received() -> str:
    """The name of the signal that ended this run ("" if none)."""
    return _state.received


def _handle(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if _state.received:
        _say(f"argo-conformance: {name} ignored: cleaning up after {_state.received} (each step has a timeout); to "
             f"stop at once: kill -9 {os.getpid()}, then `argo-conformance cluster down`")
        return
    _state.received = name
    if _state.deferring:
        _state.pending = True
        _say(f"argo-conformance: {name}: ending the run once the clean-up under way is done")
        return
    raise KeyboardInterrupt(name)


def _say(line: str) -> None:
    if _state.announce is not None:
        try:
            _state.announce(line)
            return
        except Exception:  # noqa: BLE001 - the line must be shown somehow
            pass
    sys.stderr.write(f"\n{line}\n")
    sys.stderr.flush()


@contextmanager
def deferred(then: Callable[[], None] | None = None) -> Iterator[None]:
    """Run a clean-up without being interrupted by SIGINT or SIGTERM. A signal that came meanwhile is acted on
    when the outermost such block ends: `then()` when given (pytest's teardown: stop the session once it is torn
    down, since a KeyboardInterrupt there would skip the rest of the teardown), else KeyboardInterrupt."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending:
            _state.pending = False
            if then is None:
                raise KeyboardInterrupt(_state.received)
            then()
