"""What the local cluster changes on the host, and how `down` undoes it.

Set up: a dummy interface with the node address, our firewall chains (pods and the service range never reach
past this machine), sysctls. The kubelet, kube-proxy and the CNI plugins add the bridge, veths, KUBE-* and CNI-*
chains, kubepods cgroups and mounts under the state directory; `cleanup` removes all of it.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
from pathlib import Path

from pytest_argo_conformance.providers.local.layout import Layout
from pytest_argo_conformance.providers.local.procs import run

CMD_TIMEOUT = 30
CHAIN_PREFIXES = ("KUBE-", "CNI-", "ARGO-LOCAL-")
TABLES = ("filter", "nat", "mangle", "raw")
# What the kubelet, kube-proxy and the bridge plugin may change; saved before `up`, restored by `down`.
SYSCTLS = (
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/route_localnet",
    "net/bridge/bridge-nf-call-iptables",
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
)
MNT_DETACH = 2


def interface_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def bridge_netfilter() -> bool:
    """True when bridged pod traffic passes iptables (br_netfilter), which Service hairpin traffic needs."""
    path = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")
    if not path.exists():
        return False
    if path.read_text().strip() != "1":
        try:
            path.write_text("1\n")
        except OSError:
            return False
    return True


def save_sysctls(layout: Layout) -> None:
    if layout.sysctl_file.exists():  # keep the values from before the first `up`
        return
    saved = {}
    for key in SYSCTLS:
        path = Path("/proc/sys", key)
        if path.exists():
            saved[key] = path.read_text().strip()
    layout.sysctl_file.write_text(json.dumps(saved, indent=1), encoding="utf-8")


def restore_sysctls(layout: Layout) -> list[str]:
    problems: list[str] = []
    try:
        saved = json.loads(layout.sysctl_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return problems
    for key, value in saved.items():
        path = Path("/proc/sys", key)
        try:
            if path.read_text().strip() != value:
                path.write_text(value + "\n")
        except OSError as exc:
            problems.append(f"sysctl {key}: {exc}")
    return problems


def set_up_network(layout: Layout) -> None:
    """The node address on an interface of its own (a port-less bridge), forwarding on, our firewall chains."""
    if not interface_exists(layout.dummy):
        # A bridge without ports: works where the kernel has no `dummy` module, carries only the node address.
        run(["ip", "link", "add", layout.dummy, "type", "bridge"], CMD_TIMEOUT, check=True)
    addrs = run(["ip", "-o", "-4", "addr", "show", "dev", layout.dummy], CMD_TIMEOUT, check=True).stdout
    if f" {layout.node_ip}/" not in addrs:
        run(["ip", "addr", "add", f"{layout.node_ip}/32", "dev", layout.dummy], CMD_TIMEOUT, check=True)
    run(["ip", "link", "set", layout.dummy, "up"], CMD_TIMEOUT, check=True)
    Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")
    _firewall(layout)


def _ensure_chain(table: str, chain: str, hook: str, rules: list[list[str]]) -> None:
    if run(["iptables", "-w", "-t", table, "-N", chain], CMD_TIMEOUT).returncode != 0:
        run(["iptables", "-w", "-t", table, "-F", chain], CMD_TIMEOUT, check=True)
    for rule in rules:
        run(["iptables", "-w", "-t", table, "-A", chain, *rule], CMD_TIMEOUT, check=True)
    jump = ["-m", "comment", "--comment", "pytest-argo-conformance local cluster", "-j", chain]
    if run(["iptables", "-w", "-t", table, "-C", hook, *jump], CMD_TIMEOUT).returncode != 0:
        run(["iptables", "-w", "-t", table, "-I", hook, "1", *jump], CMD_TIMEOUT, check=True)


def _firewall(layout: Layout) -> None:
    reject = ["-j", "REJECT"]
    # Pods talk to each other, to the node and to Services; nothing they send is forwarded off the machine.
    _ensure_chain("filter", "ARGO-LOCAL-FWD", "FORWARD", [["-s", layout.pod_cidr, "!", "-o", layout.bridge, *reject]])
    # A Service address kube-proxy has not translated (no endpoints yet) must not go to the default route.
    _ensure_chain("filter", "ARGO-LOCAL-OUT", "OUTPUT", [["-d", layout.service_cidr, *reject]])
    # The node address answers this machine (lo) and its pods (the bridge) only.
    _ensure_chain(
        "filter",
        "ARGO-LOCAL-IN",
        "INPUT",
        [
            ["-d", f"{layout.node_ip}/32", "-i", "lo", "-j", "RETURN"],
            ["-d", f"{layout.node_ip}/32", "-i", layout.bridge, "-j", "RETURN"],
            ["-d", f"{layout.node_ip}/32", "-j", "DROP"],
        ],
    )


def _iptables_cleanup(binary: str) -> list[str]:
    problems = []
    for table in TABLES:
        listing = run([binary, "-w", "-t", table, "-S"], CMD_TIMEOUT)
        if listing.returncode != 0:
            continue
        ours = set()
        jumps = []
        for line in listing.stdout.splitlines():
            parts = line.split()
            if line.startswith("-N ") and parts[1].startswith(CHAIN_PREFIXES):
                ours.add(parts[1])
            elif line.startswith("-A ") and not parts[1].startswith(CHAIN_PREFIXES):
                target = re.search(r" -[jg] (\S+)", line)
                if target and target.group(1).startswith(CHAIN_PREFIXES):
                    jumps.append(parts[1:])
        for rule in jumps:
            done = run([binary, "-w", "-t", table, "-D", *_unquote(rule)], CMD_TIMEOUT)
            if done.returncode != 0:
                problems.append(f"{binary} -t {table} -D {' '.join(rule)}: {done.stderr.strip()}")
        for chain in sorted(ours):
            run([binary, "-w", "-t", table, "-F", chain], CMD_TIMEOUT)
        for chain in sorted(ours):
            done = run([binary, "-w", "-t", table, "-X", chain], CMD_TIMEOUT)
            if done.returncode != 0:
                problems.append(f"{binary} -t {table} -X {chain}: {done.stderr.strip()}")
    return problems


def _unquote(rule: list[str]) -> list[str]:
    """iptables -S quotes comments ("..."): rejoin and strip them so -D gets the same arguments."""
    out: list[str] = []
    buf: list[str] | None = None
    for word in rule:
        if buf is not None:
            buf.append(word)
            if word.endswith('"'):
                out.append(" ".join(buf)[1:-1])
                buf = None
        elif word.startswith('"') and not (word.endswith('"') and len(word) > 1):
            buf = [word]
        elif word.startswith('"') and word.endswith('"'):
            out.append(word[1:-1])
        else:
            out.append(word)
    return out


def iptables_leftovers() -> list[str]:
    found = []
    for binary in ("iptables", "ip6tables"):
        for table in TABLES:
            listing = run([binary, "-w", "-t", table, "-S"], CMD_TIMEOUT)
            found += [
                f"{binary}/{table}: {line}"
                for line in listing.stdout.splitlines()
                if line.startswith("-N ") and line.split()[1].startswith(CHAIN_PREFIXES)
            ]
    return found


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below `root`, deepest first (from /proc/self/mountinfo)."""
    prefix = str(root).rstrip("/") + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == str(root) or point.startswith(prefix):
            found.append(point)
    return sorted(set(found), key=lambda p: (-p.count("/"), p))


def unmount_all(root: Path) -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    for _ in range(5):  # stacked mounts need more than one pass
        points = mounts_under(root)
        if not points:
            return []
        for point in points:
            libc.umount2(point.encode(), MNT_DETACH)
    return mounts_under(root)


def delete_interfaces(layout: Layout) -> list[str]:
    problems = []
    if interface_exists(layout.bridge):
        veths = run(["ip", "-o", "link", "show", "master", layout.bridge], CMD_TIMEOUT).stdout
        for line in veths.splitlines():
            name = line.split(":")[1].strip().split("@")[0]
            run(["ip", "link", "delete", name], CMD_TIMEOUT)
    for name in (layout.bridge, layout.dummy):
        if interface_exists(name):
            done = run(["ip", "link", "delete", name], CMD_TIMEOUT)
            if done.returncode != 0:
                problems.append(f"ip link delete {name}: {done.stderr.strip()}")
    return problems


def cgroup_dirs() -> list[Path]:
    """The kubepods cgroups the kubelet made, in every hierarchy (cgroup v1 controllers and the unified one)."""
    base = Path("/sys/fs/cgroup")
    candidates = [base / "kubepods"] + [h / "kubepods" for h in base.iterdir() if h.is_dir()] if base.is_dir() else []
    return [c for c in candidates if c.is_dir()]


def cgroup_pids() -> list[int]:
    pids: set[int] = set()
    for top in cgroup_dirs():
        for procs in top.rglob("cgroup.procs"):
            try:
                pids.update(int(p) for p in procs.read_text().split())
            except OSError:
                continue
    return sorted(pids)


def remove_cgroups() -> list[str]:
    problems = []
    for top in cgroup_dirs():
        dirs = sorted((d for d in top.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)) + [top]
        for d in dirs:
            try:
                os.rmdir(d)
            except OSError as exc:
                problems.append(f"rmdir {d}: {exc.strerror}")
                break
    return problems


def cleanup_network(layout: Layout) -> list[str]:
    problems = delete_interfaces(layout)
    problems += _iptables_cleanup("iptables")
    problems += _iptables_cleanup("ip6tables")
    for args in (["-D", "-s", layout.pod_cidr], ["-D", "-d", layout.pod_cidr]):
        run(["conntrack", *args], CMD_TIMEOUT)
    return problems


def cleanup_files(layout: Layout) -> None:
    """Files the components write outside the state directory."""
    containers = Path("/var/log/containers")
    if containers.is_dir():
        for link in containers.iterdir():
            if link.is_symlink() and os.readlink(link).startswith(str(layout.pod_logs)):
                link.unlink()
        _rmdir_if_empty(containers)
    # libcni caches results in /var/lib/cni/results/<network>-<sandbox id>-<ifname>; a forced stop skips the DEL
    # that would remove them. Ours: our network's, and the loopback ones of our sandboxes.
    results = Path("/var/lib/cni/results")
    if results.is_dir():
        sandboxes = layout.sub("containerd", "root", "io.containerd.grpc.v1.cri", "sandboxes")
        ids = {d.name for d in sandboxes.iterdir()} if sandboxes.is_dir() else set()
        for entry in results.iterdir():
            if entry.name.startswith(f"{layout.cni_network}-") or any(f"-{i}-" in entry.name for i in ids):
                entry.unlink()
        _rmdir_if_empty(results)
        _rmdir_if_empty(results.parent)
    # containerd's shims put their sockets in /run/containerd/s whatever the state directory.
    _rmdir_if_empty(Path("/run/containerd/s"))
    _rmdir_if_empty(Path("/run/containerd"))


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
