"""The command line of every process of a local cluster, in start order."""

from __future__ import annotations

from pytest_argo_conformance.providers.local.build import Artifacts
from pytest_argo_conformance.providers.local.layout import Layout

# Start order; `down` stops them in the order of STOP_ORDER.
COMPONENTS = (
    "pullguard",
    "etcd",
    "containerd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
)
CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
STOP_FIRST = ("kubelet", "kube-proxy", "kube-scheduler", "kube-controller-manager")  # then pods, then containerd
STOP_LAST = ("kube-apiserver", "etcd", "pullguard")


def pullguard_address(layout: Layout) -> str:
    return f"127.0.0.1:{layout.ports.pullguard}"


def etcd_client_url(layout: Layout) -> str:
    return f"https://127.0.0.1:{layout.ports.etcd_client}"


ETCD_CLIENT_CERT = "apiserver-etcd-client"  # the API server's etcd client certificate; the health check uses it too


def env(layout: Layout, name: str) -> dict[str, str]:
    if name == "containerd":
        # Every pull goes to pullguard, which refuses it with a clear reason: nothing is fetched from outside.
        proxy = f"http://{pullguard_address(layout)}"
        return {"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy, "NO_PROXY": ""}
    return {}


def argv(layout: Layout, artifacts: Artifacts, name: str) -> list[str]:
    p = layout.ports
    pki = layout.pki
    kc = layout.kubeconfigs
    etcd_url = etcd_client_url(layout)
    if name == "pullguard":
        return [str(artifacts.pullguard), "-listen", pullguard_address(layout)]
    if name == "etcd":
        # TLS on both ports, and only certificates of etcd's own CA get in (the API server's, the health check's).
        peer = f"https://127.0.0.1:{p.etcd_peer}"
        return [
            str(artifacts.etcd),
            f"--name={layout.name}",
            f"--data-dir={layout.sub('etcd')}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--cert-file={pki / 'etcd-server.crt'}",
            f"--key-file={pki / 'etcd-server.key'}",
            "--client-cert-auth=true",
            f"--trusted-ca-file={pki / 'etcd-ca.crt'}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster={layout.name}={peer}",
            f"--peer-cert-file={pki / 'etcd-peer.crt'}",
            f"--peer-key-file={pki / 'etcd-peer.key'}",
            "--peer-client-cert-auth=true",
            f"--peer-trusted-ca-file={pki / 'etcd-ca.crt'}",
            "--initial-cluster-state=new",
            "--snapshot-count=10000",
            "--logger=zap",
            "--log-level=warn",
        ]
    if name == "containerd":
        return ["containerd", "--config", str(layout.config / "containerd.toml")]
    if name == "kube-apiserver":
        return [
            str(artifacts.k8s("kube-apiserver")),
            f"--advertise-address={layout.node_ip}",
            f"--bind-address={layout.node_ip}",
            f"--secure-port={p.apiserver}",
            f"--etcd-servers={etcd_url}",
            f"--etcd-cafile={pki / 'etcd-ca.crt'}",
            f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
            f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
            "--allow-privileged=true",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            "--kubelet-preferred-address-types=InternalIP",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--service-cluster-ip-range={layout.service_cidr}",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-username-headers=X-Remote-User",
            "--enable-aggregator-routing=true",  # webhooks and APIServices reached by endpoint, not ClusterIP
            # etcd 3.4 (Debian) has no watch progress notifications, which watch-list streams need: with the gate
            # on, client-go informers (Argo's, Kueue's) get their streams ended at once and relist with backoff.
            # Off, the server refuses watch-list requests and clients fall back to LIST + WATCH at once.
            "--feature-gates=WatchList=false",
            "--profiling=false",
        ]
    if name == "kube-controller-manager":
        kubeconfig = str(kc / "controller-manager.kubeconfig")
        return [
            str(artifacts.k8s("kube-controller-manager")),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={p.controller_manager}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--use-service-account-credentials=true",
            f"--service-cluster-ip-range={layout.service_cidr}",
            f"--cluster-cidr={layout.pod_cidr}",
            "--allocate-node-cidrs=false",
            "--leader-elect=false",
            "--profiling=false",
        ]
    if name == "kube-scheduler":
        kubeconfig = str(kc / "scheduler.kubeconfig")
        return [
            str(artifacts.k8s("kube-scheduler")),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={p.scheduler}",
            "--leader-elect=false",
            "--profiling=false",
        ]
    if name == "kubelet":
        return [
            str(artifacts.k8s("kubelet")),
            f"--config={layout.config / 'kubelet.yaml'}",
            f"--kubeconfig={kc / 'kubelet.kubeconfig'}",
            f"--hostname-override={layout.node_name}",
            f"--node-ip={layout.node_ip}",
            f"--root-dir={layout.kubelet_root}",
        ]
    if name == "kube-proxy":
        return [str(artifacts.k8s("kube-proxy")), f"--config={layout.config / 'kube-proxy.yaml'}"]
    raise ValueError(f"unknown component {name!r}")


def ports(layout: Layout) -> list[tuple[int, str]]:
    p = layout.ports
    return [
        (p.apiserver, "kube-apiserver"),
        (p.etcd_client, "etcd"),
        (p.etcd_peer, "etcd (peer)"),
        (p.controller_manager, "kube-controller-manager"),
        (p.scheduler, "kube-scheduler"),
        (p.kubelet, "kubelet"),
        (p.kubelet_healthz, "kubelet (healthz)"),
        (p.proxy_healthz, "kube-proxy (healthz)"),
        (p.proxy_metrics, "kube-proxy (metrics)"),
        (p.pullguard, "pullguard"),
    ]
