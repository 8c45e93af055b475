"""Kueue's manifests as the suite installs them: rendered from the pinned release's own config/default (the Go
module, through the module proxy) with kubectl kustomize, then fitted."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pytest_argo_conformance.components.kueue import build, manifests
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.registry import capabilities_of


@pytest.fixture(scope="module")
def fitted() -> list[dict[str, Any]]:
    source = build.source_dir(version("kueue"))
    return manifests.fitted(manifests.render(source), "localhost/kueue:test", {"argo-conformance/owned": "true"})


def test_pod_webhooks_only_in_labelled_namespaces(fitted: list[dict[str, Any]]) -> None:
    hooks = [w for o in fitted if o["kind"].endswith("WebhookConfiguration") for w in o["webhooks"]]
    resources = {r for w in hooks for rule in w["rules"] for r in rule["resources"]}
    assert "pods" in resources and "jobs" not in resources and "deployments" not in resources, resources
    for hook in hooks:
        if any("pods" in rule["resources"] for rule in hook["rules"]):
            assert hook["namespaceSelector"] == {"matchLabels": {manifests.ENABLED_LABEL: "enabled"}}, hook["name"]


def test_controller_runs_the_given_image_with_the_suite_configuration(fitted: list[dict[str, Any]]) -> None:
    (deployment,) = [o for o in fitted if o["kind"] == "Deployment"]
    manager = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (manager["image"], manager["imagePullPolicy"]) == ("localhost/kueue:test", "IfNotPresent")
    (configmap,) = [o for o in fitted if o["kind"] == "ConfigMap" and o["metadata"]["name"] == manifests.CONFIGMAP]
    config = yaml.safe_load(configmap["data"]["controller_manager_config.yaml"])
    assert config["integrations"]["frameworks"] == ["pod"]
    assert config["managedJobsNamespaceSelector"] == {"matchLabels": {manifests.ENABLED_LABEL: "enabled"}}


def test_no_apiservice_and_everything_owned(fitted: list[dict[str, Any]]) -> None:
    assert not [o for o in fitted if o["kind"] == "APIService"]
    assert all(o["metadata"]["labels"]["argo-conformance/owned"] == "true" for o in fitted)
    crds = [o["metadata"]["name"] for o in fitted if o["kind"] == "CustomResourceDefinition"]
    assert "workloads.kueue.x-k8s.io" in crds and "clusterqueues.kueue.x-k8s.io" in crds


def test_pinned_release_has_pod_integration_and_no_argo_one() -> None:
    names = manifests.integrations(build.source_dir(version("kueue")))
    assert "pod" in names
    assert not any("argo" in n or n == "workflow" for n in names), names


def test_render_says_what_is_wrong_with_a_tree_that_is_not_kueue(tmp_path: Any) -> None:
    with pytest.raises(manifests.KueueManifestError, match="has no kustomization.yaml: is .* a Kueue source tree"):
        manifests.render(tmp_path)


class RecordingProvider:
    """Records image loads; has the capabilities of the built-in provider it is named after."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.capabilities = capabilities_of(name)
        self.loaded: list[tuple[str, Any]] = []

    def load_image(self, image: str, archive: Any = None) -> None:
        self.loaded.append((image, archive))


@pytest.mark.parametrize(("provider", "loads"), [("kind", True), ("existing", False)])
def test_kind_and_existing_use_the_release_image(provider: str, loads: bool) -> None:
    recording = RecordingProvider(provider)
    image = build.image_for(recording, "v0.15.2")  # type: ignore[arg-type]
    assert image == "registry.k8s.io/kueue/kueue:v0.15.2"
    assert recording.loaded == ([(image, None)] if loads else [])
