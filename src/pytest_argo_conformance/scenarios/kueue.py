"""The Kueue scenario's plugin: Kueue installed once per session per Kueue version (`--argo-kueue`), queues per
check, the Kueue version as an axis of the check's name, and Kueue's state in a failing check's report."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.components.kueue.install import KueueInstallation
from pytest_argo_conformance.components.kueue.queues import Queues, Quota, describe_workload
from pytest_argo_conformance.plugin.cells import PROP_VERSION_PREFIX
from pytest_argo_conformance.plugin.fixtures import finish_removals, teardown
from pytest_argo_conformance.plugin.stash import SETTINGS_KEY
from pytest_argo_conformance.providers.base import ClusterInfo, Provider

KUEUE_FIXTURE = "argo_kueue"
LOG_TAIL = 60


@pytest.hookimpl(trylast=True)  # after the cell's parametrization: ids read build-topology-axis
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if KUEUE_FIXTURE in metafunc.fixturenames:
        releases = metafunc.config.stash[SETTINGS_KEY].kueue_versions
        metafunc.parametrize(KUEUE_FIXTURE, releases, ids=[f"kueue-{r}" for r in releases], indirect=True,
                             scope="session")


def pytest_argo_check_axes(item: pytest.Item) -> list[str]:
    callspec = getattr(item, "callspec", None)
    release = callspec.params.get(KUEUE_FIXTURE) if callspec else None
    if release and len(item.config.stash[SETTINGS_KEY].kueue_versions) > 1:
        return [f"kueue {release}"]
    return []


def pytest_argo_diagnostics(item: pytest.Item) -> list[tuple[str, str]]:
    funcargs = getattr(item, "funcargs", {})
    if "kueue_queues" in funcargs and KUEUE_FIXTURE in funcargs:
        return kueue_sections(funcargs[KUEUE_FIXTURE], funcargs["kueue_queues"].made)
    return []


@pytest.fixture(scope="session")
def argo_kueue(
    request: pytest.FixtureRequest, argo_provider: Provider, argo_cluster: ClusterInfo
) -> Iterator[KueueInstallation]:
    """Kueue installed in the cluster (the version is a parameter: `--argo-kueue`), removed after the session by
    the last live run that used it; or the cluster's own Kueue, untouched (`--argo-kueue existing`)."""
    from pytest_argo_conformance.components.argo.build import ArgoBuildError
    from pytest_argo_conformance.components.kueue import build
    from pytest_argo_conformance.components.kueue.install import EXISTING, KueueInstallError, attach, install
    from pytest_argo_conformance.components.kueue.manifests import KueueManifestError
    from pytest_argo_conformance.config.versions import version
    from pytest_argo_conformance.kube import WaitTimeout
    from pytest_argo_conformance.plugin import run
    from pytest_argo_conformance.providers.base import ProviderError
    from pytest_argo_conformance.toolchain.oci import ImageError

    release = str(getattr(request, "param", None) or version("kueue"))
    lease = run.lease(request.config, argo_cluster)
    failure = ""
    try:
        if release == EXISTING:
            inst = attach(lease.api)
        else:
            inst = install(lease, release, build.image_for(argo_provider, release), build.source_dir(release))
    except (ArgoBuildError, ImageError, ProviderError, KueueInstallError, KueueManifestError, WaitTimeout,
            OSError) as exc:
        failure = f"Kueue {release} did not install: {exc}" if release != EXISTING else str(exc)
    if failure:
        pytest.fail(failure, pytrace=False)
    yield inst
    finish_removals(request)  # their pods and workloads carry Kueue's finalizers: Kueue goes after them
    teardown(request, f"removing Kueue {release}", inst.uninstall)


@pytest.fixture
def kueue_queues(
    request: pytest.FixtureRequest, argo: Installation, argo_kueue: KueueInstallation
) -> Iterator[QueueFactory]:
    """`kueue_queues(Quota(cpu="1"), preemption=False)` makes a ResourceFlavor, ClusterQueue and LocalQueue for
    the cell's namespace and lets Kueue manage it; afterwards the check's workflows, pods and queues are removed."""
    from pytest_argo_conformance.components.kueue.install import release_pods
    from pytest_argo_conformance.components.kueue.manifests import ENABLED_LABEL

    request.node.user_properties.append((PROP_VERSION_PREFIX + "kueue", argo_kueue.release))
    core = argo.core()
    namespace = argo.namespace
    core.patch_namespace(namespace, {"metadata": {"labels": {ENABLED_LABEL: "enabled"}}})
    assert argo.api is not None
    from pytest_argo_conformance.plugin import run

    factory = QueueFactory(argo.api, namespace, run.lease(request.config, argo.cluster).labels)
    yield factory
    _delete_workflows(argo)
    release_pods(core, namespace)
    for queues in factory.made:
        queues.delete()
    core.patch_namespace(namespace, {"metadata": {"labels": {ENABLED_LABEL: None}}})


class QueueFactory:
    """`kueue_queues(quota, preemption)`; `.made` lists the queues (a failing check's report describes them)."""

    def __init__(self, api: client.ApiClient, namespace: str, labels: dict[str, str]) -> None:
        self.api, self.namespace, self.labels = api, namespace, labels
        self.made: list[Queues] = []

    def __call__(self, quota: Quota | None = None, preemption: bool = False) -> Queues:
        queues = Queues(self.api, self.namespace, f"acf-{uuid.uuid4().hex[:8]}", quota or Quota(),
                        labels=self.labels)
        self.made.append(queues)
        queues.create(preemption)
        return queues


def _delete_workflows(argo: Installation) -> None:
    """The check's workflows and their pods go now, so that none holds quota (or a finalizer) in the next check."""
    from pytest_argo_conformance.components.argo import workflows as wfapi

    custom = client.CustomObjectsApi(argo.api)
    custom.delete_collection_namespaced_custom_object(wfapi.GROUP, wfapi.VERSION, argo.namespace, "workflows")
    argo.core().delete_collection_namespaced_pod(argo.namespace, label_selector="workflows.argoproj.io/workflow",
                                                 grace_period_seconds=0)


def kueue_sections(kueue: KueueInstallation, queues: list[Queues]) -> list[tuple[str, str]]:
    """What Kueue made of a check's pods (its Workloads and their conditions) and the Kueue controller's log tail."""
    sections = []
    for q in queues:
        try:
            lines = [describe_workload(wl) for wl in q.workloads()]
        except ApiException as exc:
            lines = [f"(not readable: {exc.status} {exc.reason})"]
        sections.append((f"Kueue workloads in {q.namespace} (ClusterQueue {q.name})", "\n".join(lines) or "none"))
    try:
        sections.append((f"Kueue {kueue.release} controller log (tail)", kueue.controller_log(LOG_TAIL)))
    except ApiException as exc:
        sections.append(("Kueue controller log (tail)", f"(not readable: {exc.status} {exc.reason})"))
    return sections
