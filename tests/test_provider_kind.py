"""The exact kind command lines the kind provider issues, recorded by a stand-in `kind` on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from pins import BASELINE
from pytest_argo_conformance.config.paths import clusters_dir
from pytest_argo_conformance.providers.kind import KindProvider
from recording_bin import RecordingBin


def test_creates_loads_and_deletes_its_own_cluster(recorder: RecordingBin, tmp_path: Path) -> None:
    provider = KindProvider("conf", keep=False, node_image="kindest/node:v1.34.0")
    info = provider.up()
    provider.load_image("quay.io/acme/workflow-controller:v3.5.6-acme")
    provider.load_image("example.com/argoexec:v1", archive=tmp_path / "argoexec.tar")
    provider.down()
    kind = str(recorder.bin / "kind")
    kubeconfig = ".pytest-kind/conf/kubeconfig"
    assert [c[1:] for c in recorder.calls()] == [
        ["get", "clusters"],
        ["get", "clusters"],
        [
            "create",
            "cluster",
            "--name=conf",
            f"--kubeconfig={kubeconfig}",
            "--image=kindest/node:v1.34.0",
            "--config",
            str(clusters_dir() / "kind" / "single-node.yaml"),
        ],
        ["load", "docker-image", "--name", "conf", "quay.io/acme/workflow-controller:v3.5.6-acme"],
        ["load", "image-archive", str(tmp_path / "argoexec.tar"), "--name", "conf"],
        ["delete", "cluster", "--name=conf", f"--kubeconfig={kubeconfig}"],
    ]
    assert all(c[0] == "kind" for c in recorder.calls()) and Path(kind).exists()
    assert info.created and info.context == "kind-conf" and info.kubeconfig == Path(kubeconfig)


def test_gpu_layout_uses_the_gpu_worker_config(recorder: RecordingBin) -> None:
    KindProvider("gpu", keep=True, layout="gpu").up()
    create = next(c for c in recorder.calls() if c[1:3] == ["create", "cluster"])
    assert create[-2:] == ["--config", str(clusters_dir() / "kind" / "gpu-worker.yaml")]


def test_keep_cluster_skips_delete(recorder: RecordingBin) -> None:
    provider = KindProvider("kept", keep=True)
    provider.up()
    provider.down()
    assert not [c for c in recorder.calls() if c[1] == "delete"]


def test_never_deletes_a_cluster_it_did_not_create(recorder: RecordingBin) -> None:
    recorder.add_cluster("theirs")
    provider = KindProvider("theirs", keep=False)
    info = provider.up()
    provider.down()
    assert not info.created
    assert [c[1:] for c in recorder.calls()] == [
        ["get", "clusters"],
        ["export", "kubeconfig", "--name=theirs", "--kubeconfig=.pytest-kind/theirs/kubeconfig"],
        ["get", "clusters"],
    ]


def test_missing_kind_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    from pytest_argo_conformance.providers.base import ProviderError

    with pytest.raises(ProviderError, match="kind is not on PATH"):
        KindProvider("x", keep=False)


def test_kind_configs_are_valid_kind_clusters() -> None:
    import yaml

    single = yaml.safe_load((clusters_dir() / "kind" / "single-node.yaml").read_text())
    gpu = yaml.safe_load((clusters_dir() / "kind" / "gpu-worker.yaml").read_text())
    assert single["kind"] == gpu["kind"] == "Cluster"
    assert [n["role"] for n in single["nodes"]] == ["control-plane"]
    assert [n["role"] for n in gpu["nodes"]] == ["control-plane", "worker", "worker"]
    plain, worker = gpu["nodes"][1:]
    assert "labels" not in plain, "the plain worker runs what tolerates no GPU taint"
    assert worker["labels"]["nvidia.com/gpu.present"] == "true"


def test_a_pytest_session_on_kind_records_the_same_lines(
    pytester: pytest.Pytester, recorder: RecordingBin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole plugin path: --argo-provider kind creates, tests run, the cluster is deleted at the end."""
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def argo_artifact_repository():
    return "s3.standin:9000"

def pytest_argo_install(config, provider, cluster, build, topology):
    class Install:  # a stand-in installation: nothing is installed
        namespace, workflow_service_account, api, server = "wf", "default", None, None
        def __init__(self):
            self.cluster, self.build, self.topology = cluster, build, topology
        def core(self): raise RuntimeError("stand-in")
        def controller_log(self, tail=80): return ""
        def uninstall(self): pass
    provider.load_image(build.images["workflow-controller"])
    return Install()
"""
    )
    monkeypatch.chdir(pytester.path)
    pytester.makepyfile("def test_cell(argo, argo_cluster): assert argo_cluster.provider == 'kind'")
    result = pytester.runpytest(
        "--argo-provider=kind",
        "--cluster-name=ci",
        "--argo-topology=dropin-global",
        "--argo-controller=acme=quay.io/acme/workflow-controller:v3.5.6-acme",
    )
    result.assert_outcomes(passed=2)
    verbs = [" ".join(c[1:3]) for c in recorder.calls()]
    assert verbs == [
        "get clusters",
        "get clusters",
        "create cluster",
        "load docker-image",
        "load docker-image",
        "delete cluster",
    ]
    loads = [c[-1] for c in recorder.calls() if c[1] == "load"]
    assert loads == [f"quay.io/argoproj/workflow-controller:{BASELINE}", "quay.io/acme/workflow-controller:v3.5.6-acme"]


def test_a_session_with_gpu_checks_creates_the_gpu_layout(
    pytester: pytest.Pytester, recorder: RecordingBin, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def gpu_nodes(argo_cluster):
    return "stand-in"
"""
    )
    monkeypatch.chdir(pytester.path)
    pytester.makepyfile("def test_gpu(gpu_nodes): pass")
    result = pytester.runpytest("-p", "argo_conformance", "--argo-provider=kind", "--cluster-name=gpu")
    result.assert_outcomes(passed=1)
    (create,) = [c for c in recorder.calls() if c[1:3] == ["create", "cluster"]]
    assert create[-2:] == ["--config", str(clusters_dir() / "kind" / "gpu-worker.yaml")]


def test_argo_image_archives_are_loaded_with_kind_load_image_archive(recorder: RecordingBin, tmp_path: Path) -> None:
    """`--argo-image NAME=ARCHIVE` on kind: the exact command, once per archive, and only under a name it carries."""
    from pytest_argo_conformance.components import workflow_images
    from pytest_argo_conformance.providers.base import ProviderError
    from pytest_argo_conformance.toolchain import oci

    archive = oci.write_oci_tarball(
        oci.ImageSpec("quay.io/acme/trainer:1.2", (oci.File("hello", data=b"hi"),)), tmp_path / "trainer.tar")
    provider = KindProvider("conf", keep=False, node_image="kindest/node:v1.34.0")
    provider.up()
    users = workflow_images.user_image_archives([("quay.io/acme/trainer:1.2", archive)])
    images = workflow_images.make(provider, alias=True, catalog=None, user_images=users)
    found = images.resolve(["quay.io/acme/trainer:1.2", "alpine:3.7"]) + images.resolve(["quay.io/acme/trainer:1.2"])
    assert [r.how for r in found] == [workflow_images.USER, workflow_images.PRESENT, workflow_images.USER]
    loads = [c[1:] for c in recorder.calls() if c[1] == "load"]
    assert loads == [["load", "image-archive", str(archive), "--name", "conf"]]
    renamed = workflow_images.make(provider, alias=True, catalog=None, user_images=workflow_images.user_image_archives(
        [("quay.io/acme/other:1", archive)]))
    with pytest.raises(ProviderError, match="the archive carries quay.io/acme/trainer:1.2, and the kind provider"):
        renamed.resolve(["quay.io/acme/other:1"])
