"""The Argo Server's REST API for a cell: where it answers, and a least-privilege Bearer token for a namespace."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kubernetes import client

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.argo.install import wait_available
from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.config.timeouts import PORT_FORWARD, TOKEN_ISSUED, TOKEN_SECONDS
from pytest_argo_conformance.kube import objects, secrets
from pytest_argo_conformance.providers.base import Capability

CLIENT_SA = "argo-conformance-client"


@contextmanager
def base_url(inst: Installation) -> Iterator[str]:
    """https://HOST:PORT of the Argo Server: its ClusterIP where the provider routes service addresses (the local
    one: the host is the node and routes service addresses), else a `kubectl port-forward` on loopback for the
    duration of the block."""
    assert inst.api is not None
    server = inst.server
    if server is None:
        raise RuntimeError(f"the installation of {inst.build.name} in {inst.topology.id} has no Argo Server")
    wait_available(inst.api, server.namespace, server.service)
    if inst.cluster.can(Capability.ROUTES_SERVICES):
        svc = client.CoreV1Api(inst.api).read_namespaced_service(server.service, server.namespace)
        yield f"https://{objects.present(svc.spec, 'spec').cluster_ip}:{server.port}"
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not on PATH: it is needed to reach the Argo Server of a kind or existing "
                           "cluster")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        local_port = sock.getsockname()[1]
    cmd = [kubectl, f"--kubeconfig={inst.cluster.kubeconfig}", "-n", server.namespace, "port-forward",
           f"svc/{server.service}", f"{local_port}:{server.port}"]
    if inst.cluster.context:
        cmd.insert(2, f"--context={inst.cluster.context}")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        kube.wait_for(f"kubectl port-forward to {server.service} on 127.0.0.1:{local_port}",
                  lambda: _listening(local_port, proc), PORT_FORWARD, interval=0.2)
        yield f"https://127.0.0.1:{local_port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _listening(port: int, proc: subprocess.Popen[bytes]) -> tuple[bool, str]:
    if proc.poll() is not None:
        raise kube.GiveUp(f"kubectl port-forward exited {proc.returncode}: "
                          f"{proc.stderr.read().decode()[-300:] if proc.stderr else ''}")
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0, "not listening yet"


CLIENT_RULES: list[dict[str, Any]] = [
    {"apiGroups": ["argoproj.io"], "resources": ["workflowtemplates"], "verbs": ["get", "list", "create"]},
    {"apiGroups": ["argoproj.io"], "resources": ["workflows"],
     "verbs": ["get", "list", "watch", "create", "update", "patch"]},
]


def client_token(inst: Installation, account: str = CLIENT_SA, rules: list[dict[str, Any]] | None = None) -> str:
    """A short-lived token of a service account (`account`, made with its Role and RoleBinding, owned by the run)
    that may only do `rules` in the workflow namespace (default: read templates and submit/read workflows). It is
    registered with `kube.secrets`, so the plugin redacts it from reports, captured output, log records and Allure
    results; callers still never log or print it."""
    assert inst.api is not None
    ns = inst.namespace
    owned = kube.labels_of(getattr(inst, "lease", None))  # the built-in install's lease: the run's owner labels
    kube.apply(kube.dynamic_client(inst.api), [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": account, "namespace": ns, "labels": owned}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": account, "namespace": ns, "labels": owned}, "rules": rules or CLIENT_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": account, "namespace": ns, "labels": owned},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": account},
         "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": ns}]},
    ])
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(expiration_seconds=TOKEN_SECONDS))

    def issued() -> tuple[bool, str]:  # the service account may take a moment to exist for the token API
        token = client.CoreV1Api(inst.api).create_namespaced_service_account_token(account, ns, request)
        return True, str(objects.present(token.status, "status").token)

    return secrets.register(
        kube.wait_for(f"a token of service account {ns}/{account}", issued, TOKEN_ISSUED, interval=0.5))
