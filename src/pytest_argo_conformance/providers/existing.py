"""An existing cluster from a kubeconfig (OpenShift, EKS, ...): attach only, never delete."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError as TransportError

from pytest_argo_conformance.config.timeouts import API_REQUEST
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, ProviderError


class ExistingProvider:
    name = "existing"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PULLS_IMAGES})

    def __init__(self, kubeconfig: Path, context: str | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context

    def up(self) -> ClusterInfo:
        try:
            api = kube_config.new_client_from_config(str(self.kubeconfig), context=self.context)
        except Exception as exc:  # noqa: BLE001 - a kubeconfig can fail to load in many ways (YAML, files, exec plugins)
            raise ProviderError(f"kubeconfig {self.kubeconfig}: {exc}") from None
        try:
            info = client.VersionApi(api).get_code(_request_timeout=API_REQUEST)
        except (ApiException, TransportError, OSError, ConfigException) as exc:  # error status, no connection, auth
            host = api.configuration.host
            raise ProviderError(
                f"API server {host} does not answer ({type(exc).__name__}): check --kubeconfig"
            ) from None
        finally:
            api.close()
        _, current = kube_config.list_kube_config_contexts(str(self.kubeconfig))
        return ClusterInfo(
            provider=self.name,
            name=self.context or current["name"],
            kubeconfig=self.kubeconfig,
            context=self.context,
            created=False,
            versions={"kubernetes": info.git_version},
            capabilities=self.capabilities,
        )

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
