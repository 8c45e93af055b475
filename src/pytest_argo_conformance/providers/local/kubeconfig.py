"""Kubeconfig files with the client certificate and key embedded (self-contained; mode 0600 from creation)."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from pytest_argo_conformance.providers.local.pki import write_private


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(path: Path, server: str, ca: Path, cert: Path, key: Path, user: str, context: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server, "certificate-authority-data": _b64(ca)}}],
        "users": [{"name": user, "user": {"client-certificate-data": _b64(cert), "client-key-data": _b64(key)}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": user}}],
        "current-context": context,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, yaml.safe_dump(doc, sort_keys=False).encode())  # it holds a private key: 0600
    return path
