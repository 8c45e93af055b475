"""Issue 13 on a real cluster: the local cluster used as a user's `existing` cluster that already has what the
suite would otherwise create. The user has an unowned `kueue-system` with one of Kueue's CRDs, an unowned
`argo-cluster-role`, Argo's CRDs of their own, and a Workflow of theirs waiting in a namespace of theirs. A whole
`argo-conformance run --argo-provider existing` then leaves all of it as it was (same resourceVersion), never
touches the Workflow (its global controllers run with an instanceID), stops the Kueue check with one line, and
leaves nothing of its own behind.

An existing cluster pulls its images; this one cannot (no registry here), so the images a run asks for are
imported first: the baseline's release images (our build of the release, under upstream's names, as the local
provider always does) and the S3 server image under its upstream name, which here is our build of the same Go
module (a stand-in for docker.io's image, named as such)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from leftovers import ours_left
from pins import BASELINE, KUEUE
from pytest_argo_conformance import kube
from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo import manifests as argo_manifests
from pytest_argo_conformance.components.argo.artifacts import prepare
from pytest_argo_conformance.components.argo.build_refs import parse_build
from pytest_argo_conformance.components.kueue import build as kueue_build
from pytest_argo_conformance.components.kueue import manifests as kueue_manifests
from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.timeouts import NAMESPACE_GONE
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import objects
from pytest_argo_conformance.toolchain.oci import File, ImageSpec, write_oci_tarball

pytestmark = pytest.mark.cluster

USER_NS = "users-own-workflows"
KUEUE_CRD = "resourceflavors.kueue.x-k8s.io"
ROLE = "argo-cluster-role"
GROUP, VERSION = "argoproj.io", "v1alpha1"
USERS_WORKFLOW = {
    "apiVersion": f"{GROUP}/{VERSION}", "kind": "Workflow",
    "metadata": {"name": "users-own", "namespace": USER_NS},
    "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox",
                                                                               "command": ["true"]}}]},
}


def _images_for_an_existing_cluster(local_provider: Any) -> None:
    artifacts = prepare(parse_build(f"upstream={BASELINE}", baseline=True), local_provider)
    assert artifacts.images
    s3.image_for(local_provider)  # builds (cached) our gofakes3 binary
    binary = cache_dir() / "gofakes3" / version("gofakes3") / "gofakes3"
    name = version("s3-server-image")
    tarball = cache_dir() / "gofakes3" / version("gofakes3") / "upstream-name.tar"
    if not tarball.is_file():
        write_oci_tarball(ImageSpec(name=name, files=(File("/bin/gofakes3", source=binary),),
                                    entrypoint=("/bin/gofakes3",), user="65534"), tarball)
    local_provider.load_image(name, tarball)


@pytest.fixture(scope="module")
def users_cluster(local_provider: Any, local_cluster: Any) -> Iterator[client.ApiClient]:
    """What the user's cluster has, made without the suite's owner label."""
    _images_for_an_existing_cluster(local_provider)
    api = kube.api_client(local_cluster)
    core = client.CoreV1Api(api)
    dyn = kube.dynamic_client(api)
    kueue_crd = next(o for o in kueue_manifests.fitted(kueue_manifests.render(kueue_build.source_dir(KUEUE)),
                                                       "unused", {})
                     if o["kind"] == "CustomResourceDefinition" and o["metadata"]["name"] == KUEUE_CRD)
    argo_source = cache_dir() / "argo" / BASELINE / "src"
    argo_crds = argo_manifests.load(argo_source / "manifests" / "base" / "crds" / "minimal")
    for ns in (kueue_manifests.NAMESPACE, USER_NS):
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    kube.apply(dyn, [kueue_crd, *argo_crds, {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": ROLE},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}])
    for crd in [KUEUE_CRD, *(o["metadata"]["name"] for o in argo_crds)]:
        kube.watch_until(f"CRD {crd} to be established",
                         client.ApiextensionsV1Api(api).list_custom_resource_definition,
                         field_selector=f"metadata.name={crd}", until=_established, timeout=60)
    client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, USER_NS, "workflows",
                                                                 USERS_WORKFLOW)
    yield api
    kube.delete_namespace(core, USER_NS, NAMESPACE_GONE)
    kube.delete_namespace(core, kueue_manifests.NAMESPACE, NAMESPACE_GONE)
    ext = client.ApiextensionsV1Api(api)
    for crd in [KUEUE_CRD, *(o["metadata"]["name"] for o in argo_crds)]:
        kube.delete_quietly(ext.delete_custom_resource_definition, crd)
    kube.delete_quietly(client.RbacAuthorizationV1Api(api).delete_cluster_role, ROLE)
    api.close()


def _established(found: list[Any]) -> bool:
    return any(c.type == "Established" and c.status == "True"
               for crd in found for c in ((crd.status.conditions or []) if crd.status else []))


def snapshot(api: client.ApiClient) -> dict[str, Any]:
    """The resourceVersion of each of the user's objects, and their Workflow as a whole."""
    core, ext = client.CoreV1Api(api), client.ApiextensionsV1Api(api)
    crds = {objects.name(c): objects.meta(c).resource_version
            for c in ext.list_custom_resource_definition().items
            if objects.name(c).endswith((".argoproj.io", ".kueue.x-k8s.io"))}
    workflow = client.CustomObjectsApi(api).get_namespaced_custom_object(GROUP, VERSION, USER_NS, "workflows",
                                                                        "users-own")
    return {
        "kueue-system": objects.meta(core.read_namespace(kueue_manifests.NAMESPACE)).resource_version,
        "crds": crds,
        ROLE: objects.meta(client.RbacAuthorizationV1Api(api).read_cluster_role(ROLE)).resource_version,
        "workflow": workflow,
    }


@pytest.fixture(scope="module")
def run(users_cluster: client.ApiClient, local_cluster: Any,
        tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any], str]:
    before = snapshot(users_cluster)
    work = tmp_path_factory.mktemp("existing")
    args = [
        sys.executable, "-m", "pytest_argo_conformance.command.main", "run",
        "--argo-provider=existing", f"--kubeconfig={local_cluster.kubeconfig}",
        f"--argo-controller=upstream={BASELINE}", "--argo-topology=upstream-global,native-namespaced",
        f"--argo-report-dir={work / 'report'}", "-p", "no:cacheprovider", "-rfEs",
        "-k", "smoke_workflow or kueue_gates_labelled or two_controllers",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=1800, check=False, cwd=work)
    print(done.stdout[-6000:])
    matrix_file = Path(work / "report" / "matrix.json")
    assert matrix_file.is_file(), f"no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return before, json.loads(matrix_file.read_text()), done.stdout


def test_the_users_objects_and_workflow_are_unchanged(
    run: tuple[dict[str, Any], dict[str, Any], str], users_cluster: client.ApiClient
) -> None:
    before, _, _ = run
    after = snapshot(users_cluster)
    assert after == before
    assert "status" not in after["workflow"], "a controller of the suite reconciled the user's Workflow"


def test_the_checks_ran_and_the_kueue_check_stopped_with_one_line(
    run: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    _, matrix, stdout = run
    seen = {(c["topology"], c["check"]): (c["outcome"], c["reason"]) for c in matrix["cells"]}
    for topology in ("upstream-global", "native-namespaced"):
        assert seen[(topology, "test_smoke_workflow_succeeds")][0] == "passed", seen
    assert seen[("native-namespaced", "test_two_controllers_on_the_same_workflows")][0] == "passed", seen
    outcome, reason = seen[("upstream-global", "test_kueue_gates_labelled_workflow")]
    assert outcome == "error", seen
    assert "this cluster already has Kueue objects argo-conformance did not create" in reason, reason
    assert "--argo-kueue existing" in stdout


def test_nothing_of_the_run_is_left(run: tuple[dict[str, Any], dict[str, Any], str], local_cluster: Any) -> None:
    assert ours_left(local_cluster) == []
