"""In-cluster add-ons of the local provider (CoreDNS); the cluster applies them with `kube.apply`."""

from __future__ import annotations

from typing import Any

import yaml

from pytest_argo_conformance.providers.local.render import render, template


def coredns_documents(mapping: dict[str, str]) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(render("coredns.yaml", mapping)) if d]
    for doc in docs:
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "coredns":
            doc["data"]["Corefile"] = template("Corefile")
    return docs
