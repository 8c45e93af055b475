"""The local cluster's network boundary: nothing a pod sends reaches an address beyond this machine.

The "outside" is a network namespace this test creates on this machine: a veth pair into it, 198.51.100.2 (a
documentation range) inside, a route to 198.51.100.0/24 on the host, a listener and an iptables rule inside it
that counts every packet that arrives. No other host is ever aimed at (the route is checked before any packet is
sent). The host itself reaches the listener (positive control); then an ordinary pod, a hostNetwork pod, and a
Service whose endpoint is the outside address (from both pods) do not, while each pod does reach the node.
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from kubernetes import client

from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import wait_for
from pytest_argo_conformance.providers.local.provider import LocalProvider

pytestmark = pytest.mark.cluster

BUSYBOX = f"docker.io/library/busybox:{version('busybox')}"
HOST_IF, NS_IF = "acfout0", "acfout1"
HOST_SIDE, OUTSIDE = "198.51.100.1", "198.51.100.2"
OUTSIDE_PORT = 8080
COUNTER = "acf-arrivals"
CMD_TIMEOUT = 30


def _sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=CMD_TIMEOUT, check=check)


@dataclass
class Outside:
    netns: str

    def arrivals(self) -> int:
        """Packets that reached the namespace (any protocol), from the counting rule's counter."""
        listing = _sh("ip", "netns", "exec", self.netns, "iptables", "-w", "-t", "filter", "-L", "INPUT",
                      "-n", "-v", "-x").stdout
        line = next(row for row in listing.splitlines() if COUNTER in row)
        return int(line.split()[0])

    def reset(self) -> None:
        _sh("ip", "netns", "exec", self.netns, "iptables", "-w", "-Z", "INPUT")


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Outside]:
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    netns = f"acf-outside-{uuid.uuid4().hex[:6]}"
    www = tmp_path / "outside"
    www.mkdir()
    (www / "index.html").write_text("outside\n")
    listener: subprocess.Popen[bytes] | None = None
    try:
        _sh("ip", "netns", "add", netns)
        _sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF, "netns", netns)
        _sh("ip", "addr", "add", f"{HOST_SIDE}/24", "dev", HOST_IF)  # the host's route: 198.51.100.0/24 dev acfout0
        _sh("ip", "link", "set", HOST_IF, "up")
        _sh("ip", "-n", netns, "addr", "add", f"{OUTSIDE}/24", "dev", NS_IF)
        _sh("ip", "-n", netns, "link", "set", NS_IF, "up")
        _sh("ip", "-n", netns, "link", "set", "lo", "up")
        _sh("ip", "-n", netns, "route", "add", "default", "via", HOST_SIDE)  # replies could go back (if any leaked)
        _sh("ip", "netns", "exec", netns, "iptables", "-w", "-A", "INPUT", "-m", "comment", "--comment", COUNTER,
            "-j", "ACCEPT")
        route = _sh("ip", "-o", "route", "get", OUTSIDE).stdout
        assert f"dev {HOST_IF} " in route, f"{OUTSIDE} must route into the test's namespace only: {route}"
        listener = subprocess.Popen(
            ["ip", "netns", "exec", netns, sys.executable, "-m", "http.server", str(OUTSIDE_PORT), "--bind", OUTSIDE,
             "--directory", str(www)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def listening() -> tuple[bool, str]:
            try:
                httpx.get(f"http://{OUTSIDE}:{OUTSIDE_PORT}/", timeout=2)
            except httpx.TransportError as exc:
                return False, str(exc)
            return True, "answers"

        wait_for(f"the listener in {netns} to answer", listening, 30, interval=0.2)
        yield Outside(netns)
    finally:
        if listener is not None:
            listener.kill()
            listener.wait(10)
        _sh("ip", "netns", "del", netns, check=False)  # takes the veth pair (and the host's route) with it
        _sh("ip", "link", "del", HOST_IF, check=False)


class NodeListener:
    """An HTTP server on the node address (this machine), which every pod may reach: each pod's control."""

    def __init__(self, address: str) -> None:
        self.server = http.server.ThreadingHTTPServer((address, 0), _Answer)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"node\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api(local_provider: LocalProvider) -> Iterator[client.ApiClient]:
    from kubernetes import config

    api_client: client.ApiClient = config.new_client_from_config(config_file=str(local_provider.cluster.kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture
def namespace(api: client.ApiClient) -> Iterator[str]:
    core = client.CoreV1Api(api)
    name = f"boundary-{uuid.uuid4().hex[:6]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name, grace_period_seconds=0)


def _service_to_outside(api: client.ApiClient, namespace: str) -> str:
    """A Service without a selector whose one endpoint is the outside address; returns its cluster IP once
    kube-proxy has programmed the translation to it."""
    core = client.CoreV1Api(api)
    service = core.create_namespaced_service(namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name="outside"),
        spec=client.V1ServiceSpec(ports=[client.V1ServicePort(name="http", port=80, target_port=OUTSIDE_PORT)]),
    ))
    client.DiscoveryV1Api(api).create_namespaced_endpoint_slice(namespace, client.V1EndpointSlice(
        metadata=client.V1ObjectMeta(name="outside-1", labels={"kubernetes.io/service-name": "outside"}),
        address_type="IPv4",
        endpoints=[client.V1Endpoint(addresses=[OUTSIDE], conditions=client.V1EndpointConditions(ready=True))],
        ports=[client.DiscoveryV1EndpointPort(name="http", port=OUTSIDE_PORT, protocol="TCP")],
    ))
    translation = f"--to-destination {OUTSIDE}:{OUTSIDE_PORT}"

    def programmed() -> tuple[bool, str]:
        nat = _sh("iptables", "-w", "-t", "nat", "-S").stdout
        return translation in nat, f"no `{translation}` in the nat table yet"

    wait_for("kube-proxy to translate the Service to the outside address", programmed, 60, interval=0.5)
    assert service.spec is not None
    return str(service.spec.cluster_ip)


def _probe_pod(name: str, script: str, host_network: bool) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(
            restart_policy="Never",
            termination_grace_period_seconds=0,
            host_network=host_network,
            dns_policy="ClusterFirstWithHostNet" if host_network else "ClusterFirst",
            containers=[client.V1Container(name="probe", image=BUSYBOX, image_pull_policy="IfNotPresent",
                                           command=["sh", "-c", script])],
        ),
    )


def _run(api: client.ApiClient, namespace: str, pod: client.V1Pod) -> dict[str, str]:
    core = client.CoreV1Api(api)
    assert pod.metadata is not None and pod.metadata.name is not None
    name = str(pod.metadata.name)
    core.create_namespaced_pod(namespace, pod)

    def finished() -> tuple[bool, str]:
        status = core.read_namespaced_pod(name, namespace).status
        phase = status.phase if status is not None else None
        return phase in ("Succeeded", "Failed"), f"phase {phase}"

    wait_for(f"pod {namespace}/{name} to finish", finished, 120, interval=0.5)
    log = core.read_namespaced_pod_log(name, namespace)
    return dict(re.findall(r"^(\S+): (ok|fail)$", log, re.M))


def test_nothing_a_pod_sends_reaches_beyond_the_machine(
    local_provider: LocalProvider, api: client.ApiClient, namespace: str, outside: Outside
) -> None:
    assert local_provider.missing_images([BUSYBOX]) == []  # imported, never pulled
    layout = local_provider.cluster.layout
    # positive control: the host itself reaches the outside namespace
    seen = httpx.get(f"http://{OUTSIDE}:{OUTSIDE_PORT}/", timeout=5)
    assert seen.status_code == 200 and seen.text == "outside\n"
    assert outside.arrivals() > 0
    outside.reset()
    assert outside.arrivals() == 0

    cluster_ip = _service_to_outside(api, namespace)
    node = NodeListener(layout.node_ip)
    try:
        script = "\n".join([
            'try() { name=$1; shift; if "$@" >/dev/null 2>&1; then echo "$name: ok"; else echo "$name: fail"; fi; }',
            f"try node timeout 10 wget -q -O- http://{layout.node_ip}:{node.port}/",
            f"try outside-tcp timeout 10 wget -q -O- http://{OUTSIDE}:{OUTSIDE_PORT}/",
            f"try outside-ping ping -c 1 -W 3 {OUTSIDE}",
            f"try service timeout 10 wget -q -O- http://{cluster_ip}/",
        ])
        results = {
            "pod": _run(api, namespace, _probe_pod("ordinary", script, host_network=False)),
            "hostNetwork pod": _run(api, namespace, _probe_pod("host-network", script, host_network=True)),
        }
    finally:
        node.close()

    expected = {"node": "ok", "outside-tcp": "fail", "outside-ping": "fail", "service": "fail"}
    assert results == {"pod": expected, "hostNetwork pod": expected}
    assert outside.arrivals() == 0, "a packet from a pod arrived in the outside namespace"


def test_the_outside_namespace_is_gone_afterwards() -> None:
    """The fixture's clean-up: no veth, no route to the documentation range left on the host."""
    assert not Path("/sys/class/net", HOST_IF).exists()
    assert f"dev {HOST_IF}" not in _sh("ip", "-o", "route", "show").stdout
