"""In-cluster add-ons of the local provider (CoreDNS), applied with server-side apply."""

from __future__ import annotations

import json
from typing import Any

import httpx
import yaml

from pytest_argo_conformance.config.timeouts import API_REQUEST
from pytest_argo_conformance.providers.local.render import render, template

FIELD_MANAGER = "argo-conformance-local"
# kind -> (plural, namespaced) for what the add-ons contain.
KINDS = {
    "ServiceAccount": ("serviceaccounts", True),
    "ConfigMap": ("configmaps", True),
    "Service": ("services", True),
    "Deployment": ("deployments", True),
    "ClusterRole": ("clusterroles", False),
    "ClusterRoleBinding": ("clusterrolebindings", False),
}


def coredns_documents(mapping: dict[str, str]) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(render("coredns.yaml", mapping)) if d]
    for doc in docs:
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "coredns":
            doc["data"]["Corefile"] = template("Corefile")
    return docs


def object_path(doc: dict[str, Any]) -> str:
    api_version = doc["apiVersion"]
    plural, namespaced = KINDS[doc["kind"]]
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    if namespaced:
        base += f"/namespaces/{doc['metadata'].get('namespace', 'default')}"
    return f"{base}/{plural}/{doc['metadata']['name']}"


def apply(http: httpx.Client, docs: list[dict[str, Any]]) -> None:
    """Server-side apply each document (idempotent: a second `up` re-applies the same objects).

    `http` is an httpx.Client whose base_url is the API server and whose TLS context carries admin credentials.
    """
    for doc in docs:
        r = http.patch(
            object_path(doc),
            params={"fieldManager": FIELD_MANAGER, "force": "true"},
            headers={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
            content=json.dumps(doc),
            timeout=API_REQUEST,
        )
        if r.status_code >= 300:
            raise RuntimeError(f"apply {doc['kind']}/{doc['metadata']['name']}: {r.status_code} {r.text[:300]}")
