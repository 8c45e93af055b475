"""etcd answers clients only over TLS with a client certificate of its own CA (the API server's)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from pytest_argo_conformance.providers.local import procs
from pytest_argo_conformance.providers.local.daemons import ETCD_CLIENT_CERT
from pytest_argo_conformance.providers.local.provider import LocalProvider

pytestmark = pytest.mark.cluster


def test_etcd_needs_tls_and_a_client_certificate(local_provider: LocalProvider) -> None:
    layout = local_provider.cluster.layout
    port, pki = layout.ports.etcd_client, layout.pki
    # plain HTTP: no answer (the port speaks TLS only)
    try:
        plain = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    except httpx.TransportError:
        pass
    else:
        assert '"health"' not in plain.text, f"etcd answered plain HTTP: {plain.status_code} {plain.text!r}"
    url = f"https://127.0.0.1:{port}/health"
    # TLS without a client certificate: the handshake is refused
    with pytest.raises(httpx.TransportError, match="(?i)certificate"):
        httpx.get(url, verify=ssl.create_default_context(cafile=str(pki / "etcd-ca.crt")), timeout=5)
    # a client certificate of the cluster CA (admin) is not etcd's: refused as well
    other = ssl.create_default_context(cafile=str(pki / "etcd-ca.crt"))
    other.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    with pytest.raises(httpx.TransportError, match="(?i)certificate"):
        httpx.get(url, verify=other, timeout=5)
    # the API server's etcd client certificate (the one the health check uses): /health answers
    ok = httpx.get(url, verify=local_provider.cluster.etcd_tls(), timeout=5)
    assert ok.status_code == 200 and '"health":"true"' in ok.text.replace(" ", "")
    assert (pki / f"{ETCD_CLIENT_CERT}.crt").is_file()
    # and the API server's arguments name it
    recorded = procs.recorded(layout.pids)
    apiserver = " ".join(next(p.argv for p in recorded if p.name == "kube-apiserver"))
    assert f"--etcd-servers=https://127.0.0.1:{port}" in apiserver
    assert f"--etcd-certfile={pki / (ETCD_CLIENT_CERT + '.crt')}" in apiserver

