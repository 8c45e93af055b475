"""Per-cluster PKI, without a cluster: chains, names, usages, service-account keys."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pytest_argo_conformance.providers.local import pki


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _signed_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    return leaf.issuer == ca.subject


def test_cluster_pki(tmp_path: Path) -> None:
    made = pki.generate(tmp_path, pki.cluster_specs("node-a", "10.245.0.1", "10.96.0.1"))
    ca, front, etcd = (_cert(made.cert(n)) for n in ("ca", "front-proxy-ca", "etcd-ca"))
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    issuers = {"front-proxy-client": front, "etcd-server": etcd, "etcd-peer": etcd, "apiserver-etcd-client": etcd}
    for name in made.names:
        leaf = _cert(made.cert(name))
        assert _signed_by(leaf, issuers.get(name, ca)), name
        key = serialization.load_pem_private_key(made.key(name).read_bytes(), None)
        assert key.public_key().public_numbers() == leaf.public_key().public_numbers()  # type: ignore[union-attr]
        assert made.key(name).stat().st_mode & 0o077 == 0

    api = _cert(made.cert("apiserver"))
    sans = api.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"kubernetes.default.svc", "localhost"} <= set(sans.get_values_for_type(x509.DNSName))
    assert {ipaddress.ip_address(ip) for ip in ("10.245.0.1", "10.96.0.1", "127.0.0.1")} <= set(
        sans.get_values_for_type(x509.IPAddress)
    )
    assert ExtendedKeyUsageOID.SERVER_AUTH in api.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value

    kubelet = _cert(made.cert("kubelet")).subject
    assert kubelet.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:node-a"
    assert kubelet.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    admin = _cert(made.cert("admin")).subject
    assert admin.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"

    sa_key = serialization.load_pem_private_key(made.sa_private.read_bytes(), None)
    sa_pub = serialization.load_pem_public_key(made.sa_public.read_bytes())
    assert sa_key.public_key().public_numbers() == sa_pub.public_numbers()  # type: ignore[union-attr]


def test_each_cluster_gets_its_own_ca(tmp_path: Path) -> None:
    specs = pki.cluster_specs("n", "10.245.0.1", "10.96.0.1")
    one = pki.generate(tmp_path / "one", specs)
    two = pki.generate(tmp_path / "two", specs)
    assert one.cert("ca").read_bytes() != two.cert("ca").read_bytes()


def test_etcd_has_a_ca_of_its_own(tmp_path: Path) -> None:
    """etcd trusts only etcd-ca: a client certificate of the cluster CA (admin, kubelet) cannot talk to etcd."""
    made = pki.generate(tmp_path, pki.cluster_specs("n", "10.245.0.1", "10.96.0.1"))
    etcd_ca, cluster_ca = _cert(made.cert("etcd-ca")), _cert(made.cert("ca"))
    assert etcd_ca.subject != cluster_ca.subject
    server = _cert(made.cert("etcd-server"))
    usages = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usages)  # its gateway dials it
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    client = _cert(made.cert("apiserver-etcd-client"))
    assert list(client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
