"""SIGINT and SIGTERM end a run the way Ctrl-C does, and never cut a clean-up short.

The first signal raises KeyboardInterrupt in the main thread: pytest then tears the session's fixtures down (cells
uninstalled, shared components released, the cluster removed unless kept) and writes the matrix with the
interrupted check marked. A signal that arrives while a clean-up runs (`deferred()`) is held until the clean-up
ends. Later signals are ignored with one line on stderr, so a second Ctrl-C cannot skip the rest of the clean-up;
every clean-up step has its own timeout. Signal handlers belong to the process, hence the one module-level state.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
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


_state = _State()


def install() -> bool:
    """Handle SIGINT and SIGTERM (main thread only; False elsewhere, where Python cannot)."""
    if threading.current_thread() is not threading.main_thread() or _state.previous:
        return False
    for sig in HANDLED:
        _state.previous[sig] = signal.signal(sig, _handle)
    return True


def uninstall() -> None:
    for sig, handler in _state.previous.items():
        signal.signal(sig, handler)
    _state.previous.clear()
    _state.received, _state.pending, _state.deferring = "", False, 0


def received() -> str:
    """The name of the signal that ended this run ("" if none)."""
    return _state.received


def _handle(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if _state.received:
        sys.stderr.write(f"\nargo-conformance: {name} ignored: cleaning up after {_state.received} (each step has a "
                         f"timeout); to stop at once: kill -9 {os.getpid()}, then `argo-conformance cluster down`\n")
        return
    _state.received = name
    if _state.deferring:
        _state.pending = True
        sys.stderr.write(f"\nargo-conformance: {name}: ending the run once the clean-up under way is done\n")
        return
    raise KeyboardInterrupt(name)


@contextmanager
def deferred() -> Iterator[None]:
    """Run a clean-up without being interrupted by SIGINT or SIGTERM; one that came meanwhile is raised after."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending:
            _state.pending = False
            raise KeyboardInterrupt(_state.received)
