"""LocalCluster: a single-node Kubernetes on this machine (etcd, control plane, containerd, kubelet, kube-proxy,
CoreDNS), started detached with pid files so that `down` and `status` work from any process.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from pytest_argo_conformance import kube
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube.waits import GiveUp, WaitTimeout, wait_for
from pytest_argo_conformance.process import signals
from pytest_argo_conformance.providers.local import (
    addons,
    build,
    containerd,
    host,
    hostdeps,
    kubeconfig,
    pki,
    procs,
    render,
    users,
)
from pytest_argo_conformance.providers.local import daemons as components
from pytest_argo_conformance.providers.local.layout import Layout
from pytest_argo_conformance.toolchain import oci as images

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

DEFAULT_NAME = "argo-conformance"
UP_TIMEOUT = {"etcd": 30, "containerd": 30, "apiserver": 90, "node": 120, "coredns": 90}

log = logging.getLogger(__name__)


class ClusterError(RuntimeError):
    """The local cluster cannot be brought up or down; the message is one line that says what to fix."""


class ClusterInUse(ClusterError):
    """`down` without force while other processes (users/<pid> in the state directory) still use the cluster."""

    def __init__(self, name: str, holders: list[users.User]) -> None:
        self.pids = [u.pid for u in holders]
        super().__init__(
            f"local cluster {name} is in use by {', '.join(u.describe() for u in holders)}: "
            "not taken down (stop that session first, or run `argo-conformance cluster down --force`)"
        )


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    running: bool
    rss_kib: int | None


@dataclass(frozen=True)
class Status:
    name: str
    exists: bool
    components: tuple[ComponentStatus, ...] = ()
    node_ready: bool | None = None
    node_message: str = ""
    kubeconfig: Path | None = None
    info: dict[str, object] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.exists and bool(self.components) and all(c.running for c in self.components)


class LocalCluster:
    def __init__(self, name: str = DEFAULT_NAME, state_root: Path | None = None) -> None:
        try:
            self.layout = Layout.for_name(name, state_root)
        except ValueError as exc:
            raise ClusterError(str(exc)) from None

    # ----- queries -------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.layout.name

    @property
    def kubeconfig(self) -> Path:
        return self.layout.admin_kubeconfig

    def _recorded(self) -> list[procs.Proc]:
        return procs.recorded(self.layout.pids)

    def status(self, check_node: bool = True) -> Status:
        _require_root()
        layout = self.layout
        if not layout.state_file.exists():
            return Status(self.name, exists=layout.root.exists())
        info = json.loads(layout.state_file.read_text(encoding="utf-8"))
        by_name = {p.name: p for p in self._recorded()}
        rows = []
        for comp in components.COMPONENTS:
            proc = by_name.get(comp)
            running = proc is not None and procs.alive(proc)
            rows.append(ComponentStatus(comp, proc.pid if proc else None, running,
                                        procs.rss_kib(proc.pid) if proc and running else None))
        ready, message = (None, "")
        if check_node and all(r.running for r in rows):
            ready, message = self._node_ready(timeout=5)
        return Status(self.name, True, tuple(rows), ready, message, layout.admin_kubeconfig, info)

    def running(self) -> bool:
        return self.status(check_node=False).running

    def _node_ready(self, timeout: float = 10) -> tuple[bool, str]:
        from kubernetes import client

        api = self._api()
        try:
            node = client.CoreV1Api(api).read_node(self.layout.node_name, _request_timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - reported as what was seen
            return False, f"node {self.layout.node_name}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        finally:
            api.close()
        for cond in (node.status.conditions if node.status else None) or []:
            if cond.type == "Ready":
                return cond.status == "True", f"Ready={cond.status} ({cond.reason}: {cond.message})"
        return False, "no Ready condition yet"

    # ----- up ------------------------------------------------------------------------------------------------

    def up(self, artifacts: build.Artifacts | None = None, user: int | None = None) -> bool:
        """Bring the cluster up, or reuse it when it is already running. True when this call started it.

        With `user` (a pid), that process is registered as using the cluster (users/<pid>) in the same lock, so
        no `down` can slip in between.
        """
        _require_root()
        with self._lock():
            created = self._up(artifacts)
            if user is not None:
                users.register(self.layout.users, user)
            return created

    def live_users(self, exclude: set[int] | frozenset[int] = frozenset()) -> list[users.User]:
        """The live processes registered as using the cluster (dead ones are forgotten)."""
        with self._lock():
            return users.live(self.layout.users, exclude)

    def release(self, user: int, tear_down: bool) -> tuple[list[users.User], list[str]]:
        """Unregister `user`; when `tear_down` and no other live user remains, take the cluster down.

        Returns (the other live users, what `down` could not undo).
        """
        _require_root()
        with self._lock():
            users.unregister(self.layout.users, user)
            others = users.live(self.layout.users)
            if others or not tear_down:
                return others, []
            return [], self._down()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One `up` or `down` of a cluster at a time, across processes (pytest-xdist workers, a second shell)."""
        parent = self.layout.root.parent
        parent.mkdir(parents=True, exist_ok=True)
        with open(parent / f".{self.name}.lock", "w", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _up(self, artifacts: build.Artifacts | None) -> bool:
        if self.layout.state_file.exists():
            current = self.status(check_node=False)
            if current.running:
                log.info("local cluster %s is already running: reusing it", self.name)
                self._wait_node_ready()
                return False
            log.info("local cluster %s is not fully running: cleaning up what is left", self.name)
            self._down()
        self.preflight()
        if artifacts is None:
            artifacts, _ = build.build_all()
        try:
            self._start(artifacts)
        except BaseException as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.warning("cluster up failed (%s); stopping what was started (logs kept in %s)", message,
                        self._save_logs())
            try:
                with signals.deferred():  # a second Ctrl-C or SIGTERM does not cut this clean-up short
                    self._down()
            except Exception as cleanup:  # noqa: BLE001 - the first error is the one to report
                log.warning("cleanup after the failure also failed: %s", cleanup)
            if isinstance(exc, Exception):
                raise ClusterError(message) from None
            raise
        return True

    def preflight(self) -> None:
        """Everything that can be checked before anything starts; one line on the first problem."""
        _require_root()
        line = hostdeps.missing_line()
        if line:
            raise ClusterError(line)
        if shutil.which("go") is None and build.artifacts_if_built() is None:
            raise ClusterError("go is not on PATH and the cluster is not built yet: install Go >= 1.24")
        state_root = self.layout.root.parent
        others = [
            d.name for d in (state_root.iterdir() if state_root.is_dir() else [])
            if d.name != self.name and any(procs.alive(p) for p in procs.recorded(d / "pids"))
        ]
        if others:
            raise ClusterError(
                f"local cluster {others[0]} is running (one local cluster per machine): "
                f"run `argo-conformance cluster down --name {others[0]}` first"
            )
        for port, who in components.ports(self.layout):
            if not _port_free(port):
                raise ClusterError(
                    f"port {port} ({who}) is taken: stop what listens there (`ss -ltnp 'sport = :{port}'`) "
                    "or run `argo-conformance cluster down` if it is a leftover local cluster"
                )
        for name in (self.layout.bridge, self.layout.dummy):
            if host.interface_exists(name):
                raise ClusterError(
                    f"network interface {name} already exists: run `argo-conformance cluster down` to remove it"
                )
        if host.cgroup_pids():
            raise ClusterError(
                "kubepods cgroups hold processes: another kubelet runs on this machine; stop it first"
            )
        leftover = [line for line in host.iptables_leftovers() if f"-N {host.OWN_PREFIX}" in line]
        if leftover:
            raise ClusterError(
                f"iptables chain {leftover[0].split()[-1]} of a local cluster is left on this machine: "
                "run `argo-conformance cluster down` to remove it"
            )

    @contextmanager
    def _phase(self, what: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        log.info("  %s: %.1fs", what, time.monotonic() - start)

    def _start(self, artifacts: build.Artifacts) -> None:
        layout = self.layout
        started = time.monotonic()
        for d in (layout.root, layout.logs, layout.pids):
            d.mkdir(parents=True, exist_ok=True)
        layout.root.chmod(0o700)
        host.record_before_up(layout)  # before anything below changes a sysctl or adds a chain
        masquerade_all = not host.bridge_netfilter()
        with self._phase("certificates, kubeconfigs, configs"):
            self._write_pki_and_configs(masquerade_all)
        with self._phase("host network (dummy interface, firewall chains)"):
            host.set_up_network(layout)
        self._write_state(artifacts, started=False)
        with self._phase("etcd, containerd"):
            for comp in ("pullguard", "etcd", "containerd"):
                self._spawn(artifacts, comp)
            self._wait("etcd", "etcd to answer /health", self._etcd_healthy, UP_TIMEOUT["etcd"])
            self._spawn(artifacts, "kube-apiserver")
            self._wait("containerd", "containerd's socket to answer", self._containerd_ready, UP_TIMEOUT["containerd"])
        with self._phase("images imported"):
            self._import(artifacts.images)
        with self._phase("kube-apiserver ready"):
            self._wait("kube-apiserver", "kube-apiserver /readyz", self._apiserver_ready, UP_TIMEOUT["apiserver"])
        for comp in ("kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"):
            self._spawn(artifacts, comp)
        with self._phase("coredns applied"):
            self._apply_addons()
        with self._phase("node Ready"):
            self._wait_node_ready()
        with self._phase("coredns available"):
            self._wait_coredns_available()
        self._write_state(artifacts, started=True)
        log.info("local cluster %s is up in %.1fs", self.name, time.monotonic() - started)

    def _write_pki_and_configs(self, masquerade_all: bool) -> None:
        layout = self.layout
        made = pki.generate(layout.pki, pki.cluster_specs(layout.node_name, layout.node_ip, layout.api_service_ip))
        users = {
            "admin": ("admin", "kubernetes-admin"),
            "controller-manager": ("controller-manager", "system:kube-controller-manager"),
            "scheduler": ("scheduler", "system:kube-scheduler"),
            "kubelet": ("kubelet", f"system:node:{layout.node_name}"),
            "kube-proxy": ("kube-proxy", "system:kube-proxy"),
        }
        for file_name, (cert, user) in users.items():
            path = layout.admin_kubeconfig if file_name == "admin" else layout.kubeconfigs / f"{file_name}.kubeconfig"
            kubeconfig.write(path, layout.api_url, made.cert("ca"), made.cert(cert), made.key(cert), user,
                             layout.context)
        render.write_configs(layout, render.values(layout, masquerade_all=masquerade_all))

    def _write_state(self, artifacts: build.Artifacts, started: bool) -> None:
        info = {
            "name": self.name,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "up": started,
            "kubeconfig": str(self.layout.admin_kubeconfig),
            "api": self.layout.api_url,
            "versions": {c: version(c) for c in ("kubernetes", "coredns", "etcd", "pause")},
            "images": sorted(artifacts.images),
        }
        self.layout.state_file.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")

    def _spawn(self, artifacts: build.Artifacts, comp: str) -> None:
        layout = self.layout
        with signals.deferred():  # a signal between the fork and the pid file would leave an unrecorded process
            procs.start(comp, components.argv(layout, artifacts, comp), layout.pids, layout.logs,
                        env=components.env(layout, comp), cwd=layout.root)

    def _wait(self, comp: str, what: str, probe: Callable[[], tuple[bool, str]], timeout: float) -> None:
        proc = procs.read(self.layout.pids, comp)

        def guarded() -> tuple[bool, str]:
            if proc is not None and not procs.alive(proc):
                tail = procs.log_tail(self.layout.logs, comp, 3).replace("\n", " | ")
                raise GiveUp(f"{comp} exited while waiting for {what}; its log ends: {tail}")
            return probe()

        try:
            wait_for(what, guarded, timeout, interval=0.25)
        except GiveUp as exc:
            raise ClusterError(str(exc)) from None
        except WaitTimeout as exc:
            raise ClusterError(f"{exc} (log: {self.layout.logs / (comp + '.log')})") from None

    def etcd_tls(self) -> ssl.SSLContext:
        """TLS to etcd as its client: etcd's CA and the API server's etcd client certificate."""
        pki_dir = self.layout.pki
        tls = ssl.create_default_context(cafile=str(pki_dir / "etcd-ca.crt"))
        cert = components.ETCD_CLIENT_CERT
        tls.load_cert_chain(str(pki_dir / f"{cert}.crt"), str(pki_dir / f"{cert}.key"))
        return tls

    def _etcd_healthy(self) -> tuple[bool, str]:
        try:
            r = httpx.get(f"{components.etcd_client_url(self.layout)}/health", verify=self.etcd_tls(), timeout=2)
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return r.status_code == 200 and '"true"' in r.text, f"{r.status_code} {r.text.strip()}"

    def _containerd_ready(self) -> tuple[bool, str]:
        if not self.layout.containerd_socket.exists():
            return False, f"no socket at {self.layout.containerd_socket} yet"
        done = procs.run(["ctr", "--address", str(self.layout.containerd_socket), "version"], 10)
        return done.returncode == 0, (done.stderr or done.stdout).strip()[-200:]

    def _admin_tls(self) -> ssl.SSLContext:
        pki_dir = self.layout.pki
        tls = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
        tls.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))
        return tls

    def _apiserver_ready(self) -> tuple[bool, str]:
        try:
            r = httpx.get(f"{self.layout.api_url}/readyz", verify=self._admin_tls(), timeout=3)
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}: {exc}"
        failed = [line for line in r.text.splitlines() if "failed" in line]
        return r.status_code == 200, f"{r.status_code} {'; '.join(failed)[:300]}"

    def _import(self, tarballs: dict[str, Path]) -> None:
        sock = self.layout.containerd_socket
        for name in containerd.missing(sock, sorted(tarballs)):
            containerd.import_tarball(sock, tarballs[name])
        still = containerd.missing(sock, sorted(tarballs))
        if still:
            raise ClusterError(f"images missing after import: {', '.join(still)}")

    def load_image(self, image: str, archive: Path | None = None) -> None:
        """Import `archive` (an OCI or docker-save tarball) and check `image` is there; never pull. An archive whose
        own names do not include `image` is registered under it too (a user's `--argo-image NAME=ARCHIVE`)."""
        images.check_name(image, allow_latest=archive is not None)
        sock = self.layout.containerd_socket
        if archive is not None:
            if not archive.is_file():
                raise ClusterError(f"image archive {archive} does not exist")
            carried = images.read_archive(archive).names
            containerd.import_tarball(sock, archive, name=None if image in carried else image)
        if containerd.missing(sock, [image]):
            if archive is not None:
                raise ClusterError(f"{archive} does not contain {image} (imported names: "
                                   f"{', '.join(containerd.list_images(sock))})")
            raise ClusterError(
                f"image {image} is not in the local cluster and images are never pulled: "
                "write it with pytest_argo_conformance.toolchain.oci.write_oci_tarball and pass archive="
            )

    def alias_image(self, image: str, alias: str) -> None:
        """Name the imported `image` also `alias` (the image catalog answering for a name a workflow uses)."""
        containerd.tag(self.layout.containerd_socket, image, alias)

    def _api(self) -> ApiClient:
        from kubernetes import config

        api: ApiClient = config.new_client_from_config(config_file=str(self.kubeconfig))
        return api

    def _apply_addons(self) -> None:
        docs = addons.coredns_documents(render.values(self.layout))
        api = self._api()
        try:

            def applied() -> tuple[bool, str]:  # the API server may still be settling its discovery
                kube.apply(kube.dynamic_client(api), docs)
                return True, "applied"

            wait_for("the CoreDNS manifests to apply", applied, 30, interval=0.5)
        finally:
            api.close()

    def _wait_node_ready(self) -> None:
        self._wait("kubelet", f"node {self.layout.node_name} to be Ready", lambda: self._node_ready(5),
                   UP_TIMEOUT["node"])

    def _wait_coredns_available(self) -> None:
        from kubernetes import client

        api = self._api()
        try:
            kube.deployment_available(client.AppsV1Api(api), "kube-system", "coredns", UP_TIMEOUT["coredns"])
        except WaitTimeout as exc:
            raise ClusterError(f"{exc} (logs: {self.layout.logs})") from None
        finally:
            api.close()

    def _save_logs(self) -> Path:
        """Copy the component logs out of the state directory (which `down` removes) for a post-mortem."""
        dest = self.layout.root.parent / f"{self.name}-failed-logs"
        if self.layout.logs.is_dir():
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(self.layout.logs, dest)
        return dest

    # ----- down ----------------------------------------------------------------------------------------------

    def down(self, force: bool = False) -> list[str]:
        """Stop every process, remove mounts, interfaces, iptables chains, cgroups and the state directory.

        Refuses (ClusterInUse) while another live process is registered as a user, unless `force`; this process's
        own registration and those of dead processes do not count. Returns what could not be undone (empty when
        clean). Safe to run twice and from any process.
        """
        _require_root()
        with self._lock():
            holders = users.live(self.layout.users, exclude={os.getpid()})
            if holders and not force:
                raise ClusterInUse(self.name, holders)
            return self._down()

    def _down(self) -> list[str]:
        layout = self.layout
        problems: list[str] = []
        by_name = {p.name: p for p in self._recorded()}
        for comp in components.STOP_FIRST:
            if comp in by_name:
                procs.stop(by_name[comp])
        self._kill_pods()
        if "containerd" in by_name:
            procs.stop(by_name["containerd"])
        procs.kill_pids(procs.pids_with_arg(str(layout.containerd_socket)))  # shims outlive containerd
        self._kill_pods()
        for comp in components.STOP_LAST:
            if comp in by_name:
                procs.stop(by_name[comp])
        if layout.root.exists():
            left = host.unmount_all(layout.root)
            if left:
                problems.append(f"still mounted: {', '.join(left[:5])}")
        problems += host.cleanup_network(layout)
        problems += host.remove_cgroups(layout)
        problems += host.restore_sysctls(layout)
        host.cleanup_files(layout)
        if layout.root.exists():
            if host.mounts_under(layout.root):
                problems.append(f"left {layout.root} in place: mounts remain under it")
            else:
                shutil.rmtree(layout.root, ignore_errors=True)
        return problems

    def _kill_pods(self) -> None:
        """Kill what runs in our pods' cgroups until nothing does; what is left `remove_cgroups` reports.

        Only our pods: cgroups of pod uids our kubelet knows or container ids our runc knows, never another
        kubelet's pods on this host.
        """

        def emptied() -> tuple[bool, str]:
            pids = host.own_cgroup_pids(self.layout)
            procs.kill_pids(pids)
            return not pids, f"pids {pids[:10]} in our pods' cgroups"

        try:
            wait_for("the pods' processes to be gone", emptied, 15, interval=0.2)
        except WaitTimeout:
            pass


def _require_root() -> None:
    if os.geteuid() != 0:
        raise ClusterError(
            "the local provider needs root (it runs containerd, the kubelet and iptables): run as root, "
            "or use --argo-provider kind"
        )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True
