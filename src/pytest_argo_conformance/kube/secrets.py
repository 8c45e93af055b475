"""The session's secrets (the Argo Server's Bearer tokens) and their redaction.

Whoever issues or receives a secret registers it (`components.argo.server.client_token`, `ArgoRest`); the plugin
(`plugin/redaction.py`) redacts everything that leaves the process with `redact`: reports, captured output, log
records, Allure results. Anything shaped like a JWT (a Kubernetes service-account token) is redacted too, registered or
not: the API server's answer to a TokenRequest is logged at DEBUG by the Kubernetes client before anyone can register
the token it holds.

The registry is per process, like `logging`: the token is issued deep in a component that has no `config`.
"""

from __future__ import annotations

import re
import threading

REDACTED = "[REDACTED]"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")
MIN_LENGTH = 8  # a shorter "secret" would redact ordinary words


class Secrets:
    """Registered secrets and the one pattern that finds them (longest first, so none is left half-redacted)."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def register(self, secret: str) -> str:
        """Redact `secret` from now on; returns it, so `return secrets.register(token)` reads as one step."""
        if len(secret) < MIN_LENGTH:
            raise ValueError(f"a secret of {len(secret)} characters cannot be told from ordinary text")
        with self._lock:
            if secret not in self._known:
                self._known.add(secret)
                alternatives = sorted(self._known, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in alternatives))
        return secret

    def __bool__(self) -> bool:
        return bool(self._known)

    def redact(self, text: str) -> str:
        """`text` with each registered secret and each JWT-shaped string replaced by [REDACTED]."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return JWT.sub(REDACTED, text)

    def reveals(self, text: str) -> bool:
        """Whether `text` holds a registered secret or a JWT-shaped string."""
        pattern = self._pattern
        return bool(pattern is not None and pattern.search(text) or JWT.search(text))


SESSION = Secrets()


def register(secret: str) -> str:
    return SESSION.register(secret)


def redact(text: str) -> str:
    return SESSION.redact(text)


def reveals(text: str) -> bool:
    return SESSION.reveals(text)


def any_registered() -> bool:
    return bool(SESSION)
