"""Per-cluster certificates and service-account keys, made with the `cryptography` package.

ECDSA P-256 throughout: every Kubernetes component accepts it and it is generated in milliseconds.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=365)
CAS = (("ca", "kubernetes"), ("front-proxy-ca", "front-proxy-ca"), ("etcd-ca", "etcd-ca"))  # file stem, CN


@dataclass(frozen=True)
class CertSpec:
    """One leaf certificate signed by a CA of the cluster."""

    name: str  # file stem: <name>.crt / <name>.key
    common_name: str
    organizations: tuple[str, ...] = ()
    client: bool = True
    server: bool = False
    dns_names: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    ca: str = "ca"


@dataclass(frozen=True)
class Pki:
    """Paths of what `generate` wrote."""

    directory: Path
    names: tuple[str, ...] = field(default=())

    def cert(self, name: str) -> Path:
        return self.directory / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.directory / f"{name}.key"

    @property
    def sa_public(self) -> Path:
        return self.directory / "sa.pub"

    @property
    def sa_private(self) -> Path:
        return self.directory / "sa.key"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to a file that is mode 0600 from the moment it exists (never readable by others, even briefly).

    An existing file (a leftover of an earlier cluster) is truncated and set to 0600 before anything is written.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    write_private(
        path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + 10 * VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(
    spec: CertSpec, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    usages = []
    if spec.client:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    if spec.server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(spec.common_name, spec.organizations))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in spec.dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.ips]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def cluster_specs(node_name: str, node_ip: str, service_ip: str) -> tuple[CertSpec, ...]:
    """The certificates a single-node cluster needs (kubeadm's set).

    etcd has a CA of its own (`etcd-ca`, as kubeadm's `etcd/ca`): it trusts only certificates of that CA, so no
    client certificate of the cluster CA (admin, kubelet, ...) can talk to etcd; only the API server and the health
    check hold an etcd client certificate.
    """
    api_names = (
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    )
    return (
        CertSpec("apiserver", "kube-apiserver", client=False, server=True, dns_names=api_names,
                 ips=("127.0.0.1", node_ip, service_ip)),
        CertSpec("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)),
        CertSpec("admin", "kubernetes-admin", ("system:masters",)),
        CertSpec("controller-manager", "system:kube-controller-manager"),
        CertSpec("scheduler", "system:kube-scheduler"),
        CertSpec("kube-proxy", "system:kube-proxy", ("system:node-proxier",)),
        CertSpec("kubelet", f"system:node:{node_name}", ("system:nodes",)),
        CertSpec("kubelet-serving", node_name, client=False, server=True, dns_names=(node_name, "localhost"),
                 ips=(node_ip, "127.0.0.1")),
        CertSpec("front-proxy-client", "front-proxy-client", ca="front-proxy-ca"),
        # etcd's gRPC gateway dials etcd itself with the serving certificate: it needs client use too.
        CertSpec("etcd-server", "etcd-server", client=True, server=True, dns_names=("localhost",),
                 ips=("127.0.0.1",), ca="etcd-ca"),
        CertSpec("etcd-peer", "etcd-peer", client=True, server=True, dns_names=("localhost",), ips=("127.0.0.1",),
                 ca="etcd-ca"),
        CertSpec("apiserver-etcd-client", "kube-apiserver-etcd-client", ca="etcd-ca"),
    )


def generate(directory: Path, specs: tuple[CertSpec, ...]) -> Pki:
    """Write ca, front-proxy-ca and etcd-ca (.crt/.key), every leaf in `specs` and the service-account key pair.

    Private keys are 0600 from creation (`write_private`); certificates are public.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cas = {}
    for ca_name, cn in CAS:
        cert, key = make_ca(cn)
        (directory / f"{ca_name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(directory / f"{ca_name}.key", key)
        cas[ca_name] = (cert, key)
    for spec in specs:
        ca_cert, ca_key = cas[spec.ca]
        cert, key = make_leaf(spec, ca_cert, ca_key)
        (directory / f"{spec.name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(directory / f"{spec.name}.key", key)
    sa = _key()
    _write_key(directory / "sa.key", sa)
    (directory / "sa.pub").write_bytes(
        sa.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return Pki(directory, tuple(spec.name for spec in specs))
