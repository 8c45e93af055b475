"""An existing cluster from a kubeconfig (OpenShift, EKS, ...): attach only, never delete.

Attaching is checked once, quickly, before anything else: the kubeconfig is read, its context found, and the API
server asked for its version with a short connect timeout and no retries. Each way that can fail is one
ProviderError line naming the kubeconfig, the context or the server, and what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import yaml
from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError, SSLError
from urllib3.exceptions import HTTPError as TransportError

from pytest_argo_conformance.config.timeouts import API_CONNECT, API_REQUEST
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, ProviderError


class ExistingProvider:
    name = "existing"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PULLS_IMAGES})

    def __init__(self, kubeconfig: Path, context: str | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context

    def up(self) -> ClusterInfo:
        context = self._context()
        configuration = client.Configuration()
        try:
            kube_config.load_kube_config(str(self.kubeconfig), context=context, client_configuration=configuration,
                                         persist_config=False)
        except Exception as exc:  # noqa: BLE001 - a kubeconfig can fail to load in many ways (files, exec plugins)
            raise ProviderError(f"kubeconfig {self.kubeconfig}, context {context}: {_one_line(exc)}; fix that "
                                "entry, or pass another --kubeconfig or --argo-context") from None
        configuration.retries = False  # one try: a server that does not answer is said at once, not after retries
        api = client.ApiClient(configuration)
        try:
            info = client.VersionApi(api).get_code(_request_timeout=(API_CONNECT, API_REQUEST))
        except (ApiException, TransportError, OSError, ConfigException) as exc:  # error status, no connection, auth
            raise ProviderError(
                f"API server {configuration.host} (context {context} of kubeconfig {self.kubeconfig}) "
                f"{_why(exc)}; {_fix(exc)}"
            ) from None
        finally:
            api.close()
        return ClusterInfo(
            provider=self.name,
            name=context,
            kubeconfig=self.kubeconfig,
            context=self.context,
            created=False,
            versions={"kubernetes": info.git_version},
            capabilities=self.capabilities,
        )

    def _context(self) -> str:
        """The context to use (`--argo-context`, else the kubeconfig's current one), checked to be there."""
        try:
            text = self.kubeconfig.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProviderError(f"kubeconfig {self.kubeconfig} not found; pass --kubeconfig PATH or set "
                                "KUBECONFIG") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ProviderError(f"kubeconfig {self.kubeconfig} cannot be read ({_one_line(exc)}); pass a readable "
                                "--kubeconfig") from None
        try:
            loaded: Any = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ProviderError(f"kubeconfig {self.kubeconfig} is not valid YAML ({_yaml_problem(exc)}); fix the "
                                "file, or pass another --kubeconfig") from None
        contexts = loaded.get("contexts") if isinstance(loaded, dict) else None
        names = [str(c["name"]) for c in contexts or [] if isinstance(c, dict) and c.get("name")]
        if not names:
            raise ProviderError(f"kubeconfig {self.kubeconfig} has no contexts (is it a kubeconfig?); pass the "
                                "kubeconfig of the cluster with --kubeconfig")
        listed = ", ".join(names)
        if self.context is not None:
            if self.context not in names:
                raise ProviderError(f"kubeconfig {self.kubeconfig} has no context {self.context!r} (its contexts: "
                                    f"{listed}); pass one of them with --argo-context")
            return self.context
        current = loaded.get("current-context")
        if not current:
            raise ProviderError(f"kubeconfig {self.kubeconfig} sets no current-context (its contexts: {listed}); "
                                "pass one of them with --argo-context")
        if current not in names:
            raise ProviderError(f"kubeconfig {self.kubeconfig}: its current-context {current!r} is not one of its "
                                f"contexts ({listed}); pass one of them with --argo-context")
        return str(current)

    def load_image(self, image: str, archive: Path | None = None) -> None:
        # An existing cluster pulls from its registries: nothing to load, but say so if asked for an archive.
        if archive is not None:
            raise ProviderError(
                f"the existing provider cannot load {archive}; push {image} to a registry the cluster can pull from"
            )

    def missing_images(self, names: Sequence[str]) -> list[str]:
        return []  # the nodes pull from their registries

    def down(self) -> None:
        """Never deletes the cluster: it was not ours."""


def _why(exc: BaseException) -> str:
    """Why the API server did not answer, in a few words."""
    if isinstance(exc, ApiException):
        return f"answered {exc.status} {exc.reason}".rstrip()
    cause = getattr(exc, "reason", None)  # MaxRetryError wraps what happened
    cause = cause if isinstance(cause, BaseException) else exc
    if isinstance(cause, NewConnectionError | ConnectionError):  # before timeouts: urllib3 derives it from one
        refused = isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower()
        return "does not answer: connection refused" if refused else f"cannot be reached: {_tail(cause)}"
    if isinstance(cause, ConnectTimeoutError):
        return f"does not answer: no connection within {API_CONNECT}s"
    if isinstance(cause, ReadTimeoutError):  # connected, but no TLS handshake or reply in time
        limit = re.search(r"timeout=([\d.]+)", str(cause))
        return f"accepts connections but does not answer (no reply within {limit[1] if limit else API_REQUEST}s)"
    if isinstance(cause, SSLError):
        return f"fails the TLS handshake: {_tail(cause)}"
    return f"does not answer ({type(cause).__name__}: {_tail(cause)})"


def _fix(exc: BaseException) -> str:
    if isinstance(exc, ApiException) and exc.status in (401, 403):
        return "renew the credentials of that context (log in again), or pass another --argo-context"
    return ("check that the cluster is running and that the kubeconfig's server address is right, or pass another "
            "--kubeconfig or --argo-context")


def _tail(exc: BaseException) -> str:
    """The end of an exception's message (urllib3 prefixes the connection object), on one line."""
    text = _one_line(exc)
    return text.rsplit(": ", 1)[-1] if ": " in text else text


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or _one_line(exc)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
