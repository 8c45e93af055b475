"""Fixtures of the local-provider tests: the session's cluster (tests/conftest.py), a namespace per test.

The cluster tests are marked `cluster`; they need root and the host packages (`argo-conformance cluster deps`).
`--keep-cluster` (or ARGO_CONFORMANCE_KEEP_CLUSTER=1) leaves the cluster running for the next session, which
then reuses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client, config

from pytest_argo_conformance.providers.base import ClusterInfo


@pytest.fixture(scope="session")
def api(cluster_info: ClusterInfo) -> Iterator[client.ApiClient]:
    api_client: client.ApiClient = config.new_client_from_config(config_file=str(cluster_info.kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture(scope="session")
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def namespace(core: client.CoreV1Api, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"lc-{request.node.name[5:25].lower().replace('_', '-').strip('-')}-{uuid.uuid4().hex[:5]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name, grace_period_seconds=0)
