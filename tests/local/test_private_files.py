"""Every kubeconfig and private key the local provider writes is mode 0600, from the moment the file exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_argo_conformance.providers.local import kubeconfig, pki
from pytest_argo_conformance.providers.local.provider import LocalProvider


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 0: a file made with the default mode would be world-readable."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.usefixtures("open_umask")
def test_keys_and_kubeconfigs_are_private_from_creation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not written first and narrowed afterwards (a window in which another user could open them): with chmod
    disabled, the files must still be 0600."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    made = pki.generate(tmp_path / "pki", pki.cluster_specs("n", "10.245.0.1", "10.96.0.1"))
    conf = kubeconfig.write(tmp_path / "kc" / "admin.kubeconfig", "https://10.245.0.1:16443", made.cert("ca"),
                            made.cert("admin"), made.key("admin"), "admin", "ctx")
    private = [*sorted(made.directory.glob("*.key")), conf]
    assert len(private) == len(made.names) + 3 + 1 + 1  # leaves, 3 CAs, the service-account key, the kubeconfig
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in private} == {p.name: "0o600" for p in private}


@pytest.mark.usefixtures("open_umask")
def test_a_leftover_world_readable_file_becomes_private(tmp_path: Path) -> None:
    path = tmp_path / "admin.kubeconfig"
    path.write_text("old")
    path.chmod(0o644)
    pki.write_private(path, b"new")
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o600


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    (tmp_path / "sa.key").symlink_to(target)
    with pytest.raises(OSError):
        pki.write_private(tmp_path / "sa.key", b"secret")
    assert target.read_text() == "keep"


# What the provider does not write: image and container content, pods' volumes (the kubelet writes them as each
# pod asks), etcd's data, logs.
NOT_THE_PROVIDERS = ("containerd", "kubelet/pods", "etcd", "logs", "pod-logs")


@pytest.mark.cluster
def test_the_state_dir_holds_no_key_or_kubeconfig_others_can_read(local_provider: LocalProvider) -> None:
    root = local_provider.cluster.layout.root
    assert root.stat().st_mode & 0o777 == 0o700
    skip = tuple(root / part for part in NOT_THE_PROVIDERS)
    private: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) not in skip]
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_symlink() or not path.is_file():
                continue
            head = path.read_bytes()[:1 << 20]
            if b"PRIVATE KEY-----" in head or b"client-key-data" in head:
                private[str(path.relative_to(root))] = oct(path.stat().st_mode & 0o777)
    assert {"kubeconfig", "kubeconfigs/kubelet.kubeconfig", "pki/sa.key", "pki/etcd-server.key",
            "pki/apiserver-etcd-client.key"} <= set(private)
    assert {p: m for p, m in private.items() if m != "0o600"} == {}
