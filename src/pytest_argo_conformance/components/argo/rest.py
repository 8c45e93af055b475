"""A small client of the Argo Server REST API (httpx, Bearer token, retries on connection errors only).

The token stays inside: it is registered with `kube.secrets`, httpx shows the Authorization header as [secure] in
its reprs and logs only method, URL and status, and every error this client raises is one line built from the call,
the error's type and a redacted text.
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from pytest_argo_conformance.config.timeouts import REST_REQUEST
from pytest_argo_conformance.kube import secrets


class ArgoRestError(AssertionError):
    """A REST call failed (an error status, or no answer after the retries); the message has the call and the
    server's answer or the transport error, redacted (never the token)."""


class ArgoRest:
    def __init__(self, base_url: str, token: str, *, transport: httpx.BaseTransport | None = None) -> None:
        # The server's certificate is self-signed (argo server --secure); the address is the cluster's own.
        self._token = secrets.register(token)
        self._base_url = base_url
        self._http = httpx.Client(base_url=base_url, verify=False, timeout=REST_REQUEST, transport=transport,
                                  headers={"Authorization": f"Bearer {token}"})

    def __repr__(self) -> str:
        return f"ArgoRest({self._base_url!r})"

    def leaked_into(self, text: str) -> bool:
        """Whether the token appears in `text` (a log, a report): it never should."""
        return self._token in text

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArgoRest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, json: Any = None) -> Any:
        try:
            response = self._send(method, path, json)
        except httpx.HTTPError as exc:  # one line, without the chained traceback (its frames hold the request)
            raise ArgoRestError(f"{method} {path}: {type(exc).__name__}: {secrets.redact(str(exc))}") from None
        if response.status_code >= 400:
            text = secrets.redact(response.text)[:400]  # redacted before it is cut, so no part of a token remains
            raise ArgoRestError(f"{method} {path}: HTTP {response.status_code}: {text}")
        return response.json() if response.content else {}

    @retry(retry=retry_if_exception_type(httpx.TransportError), stop=stop_after_delay(60), wait=wait_fixed(1),
           reraise=True)
    def _send(self, method: str, path: str, json: Any) -> httpx.Response:
        return self._http.request(method, path, json=json)

    def version(self) -> dict[str, Any]:
        return dict(self.call("GET", "/api/v1/version"))

    def info(self) -> dict[str, Any]:
        return dict(self.call("GET", "/api/v1/info"))

    def templates(self, namespace: str) -> list[str]:
        items = self.call("GET", f"/api/v1/workflow-templates/{namespace}").get("items") or []
        return [t["metadata"]["name"] for t in items]

    def submit_template(self, namespace: str, template: str, parameters: dict[str, str]) -> str:
        body = {
            "namespace": namespace,
            "resourceKind": "WorkflowTemplate",
            "resourceName": template,
            "submitOptions": {"parameters": [f"{k}={v}" for k, v in parameters.items()]},
        }
        return str(self.call("POST", f"/api/v1/workflows/{namespace}/submit", body)["metadata"]["name"])

    def resubmit(self, namespace: str, name: str) -> str:
        body = {"namespace": namespace, "name": name}
        return str(self.call("PUT", f"/api/v1/workflows/{namespace}/{name}/resubmit", body)["metadata"]["name"])

    def resume(self, namespace: str, name: str) -> None:
        self.call("PUT", f"/api/v1/workflows/{namespace}/{name}/resume", {"namespace": namespace, "name": name})
