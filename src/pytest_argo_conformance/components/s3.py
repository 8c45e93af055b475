"""The S3 artifact repository for the suites: an S3-compatible server (gofakes3) in the cluster.

On the local provider it is built from its Go module and imported like every other image; elsewhere the image in
clusters/local/versions.yaml is used. The bucket and credentials are fixed: the server holds only test artifacts.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.config.paths import cache_dir
from pytest_argo_conformance.config.timeouts import NAMESPACE_GONE
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.providers.base import Capability, Provider, can
from pytest_argo_conformance.toolchain.cachelock import making
from pytest_argo_conformance.toolchain.gobuild import go_build, module_dir, writable_copy
from pytest_argo_conformance.toolchain.oci import File, ImageSpec, write_oci_tarball

NAMESPACE = "argo-conformance-s3"
COMPONENT = "s3"  # its name among the components live runs share (kube/ownership.py)
SERVICE = "s3"
PORT = 9000
BUCKET = "argo-artifacts"
SECRET = "argo-conformance-s3"
ACCESS_KEY, SECRET_KEY = "conformance", "conformance-secret"
MODULE = "github.com/johannesboyne/gofakes3"
LOCAL_IMAGE = "localhost/argo-conformance/gofakes3"


class S3Error(RuntimeError):
    """The S3 server cannot be set up; one line that says what to fix."""


def endpoint() -> str:
    return f"{SERVICE}.{NAMESPACE}.svc.cluster.local:{PORT}"


def image_for(provider: Provider) -> str:
    """Make the server's image available to the cluster and return its name."""
    if not can(provider, Capability.BUILDS_FROM_SOURCE):
        image = version("s3-server-image")
        if can(provider, Capability.LOADS_IMAGES):
            provider.load_image(image)
        return image
    release = version("gofakes3")
    root = cache_dir() / "gofakes3" / release
    tarball = root / "image.tar"
    name = f"{LOCAL_IMAGE}:{release}"
    if not tarball.is_file():
        with making(tarball, f"gofakes3 {release}"):
            if not tarball.is_file():  # not made meanwhile by another process
                binary = _build(root, release)
                spec = ImageSpec(name=name, files=(File("/bin/gofakes3", source=binary),),
                                 entrypoint=("/bin/gofakes3",), user="65534")
                write_oci_tarball(spec, tarball)
    provider.load_image(name, tarball)
    return name


def _build(root: Path, release: str) -> Path:
    src = root / "src"
    shutil.rmtree(src, ignore_errors=True)
    writable_copy(module_dir(MODULE, release, "gofakes3"), src)
    out = root / "gofakes3"
    go_build(f"gofakes3 {release}", src, str(out), ["./cmd/gofakes3"])
    return out


def share(lease: kube.RunLease, image: str) -> None:
    """Use the S3 server: deploy it, or share the one another live run deployed; waits until it is available."""
    kube.acquire(lease, COMPONENT, "", lambda shared: _deploy(lease, image, shared))


def release(lease: kube.RunLease) -> None:
    """Stop using the S3 server; the last live run that used it deletes its namespace."""
    kube.release(lease, COMPONENT, "", lambda: _remove(client.CoreV1Api(lease.api)))


def _deploy(lease: kube.RunLease, image: str, shared: bool) -> None:
    """Namespace, Deployment and Service of the S3 server (unless `shared`: another live run's is used as it is)."""
    from pytest_argo_conformance.components.argo.install import wait_available

    api = lease.api
    core = client.CoreV1Api(api)
    owner = kube.namespace_owner(core, NAMESPACE)
    if owner == "theirs":
        raise S3Error(f"namespace {NAMESPACE} exists and was not created by argo-conformance; it is left as it is: "
                      "remove it or use another cluster")
    if shared and owner != "absent":
        wait_available(api, NAMESPACE, SERVICE)
        return
    if owner != "absent":  # a leftover of a run that is gone (or one still terminating): start afresh
        kube.delete_namespace(core, NAMESPACE, NAMESPACE_GONE)
    owned = kube.owner_labels(lease.run_id, COMPONENT)
    labels = {"app": "argo-conformance-s3"}
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": owned}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": SERVICE, "namespace": NAMESPACE, "labels": owned},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "s3",
                                "image": image,
                                "imagePullPolicy": "IfNotPresent",
                                "args": ["-backend", "memory", "-initialbucket", BUCKET, "-host", f":{PORT}",
                                         "-autobucket", "-quiet"],
                                "ports": [{"containerPort": PORT}],
                                "readinessProbe": {"tcpSocket": {"port": PORT}, "periodSeconds": 1},
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": SERVICE, "namespace": NAMESPACE, "labels": owned},
            "spec": {"selector": labels, "ports": [{"port": PORT, "targetPort": PORT}]},
        },
    ]
    kube.apply(kube.dynamic_client(api), objects)
    wait_available(api, NAMESPACE, SERVICE)


def _remove(core: client.CoreV1Api) -> None:
    """Delete the S3 namespace if it is the suite's (never one of the same name that is not)."""
    if kube.namespace_owner(core, NAMESPACE) == "ours":
        kube.delete_namespace(core, NAMESPACE, NAMESPACE_GONE)


def credentials_secret(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET, "namespace": namespace},
        "stringData": {"accesskey": ACCESS_KEY, "secretkey": SECRET_KEY},
    }


def repository_config() -> str:
    """The `artifactRepository` entry of workflow-controller-configmap."""
    return yaml.safe_dump(
        {
            "archiveLogs": False,
            "s3": {
                "bucket": BUCKET,
                "endpoint": endpoint(),
                "insecure": True,
                "accessKeySecret": {"name": SECRET, "key": "accesskey"},
                "secretKeySecret": {"name": SECRET, "key": "secretkey"},
            },
        }
    )
