"""What the local cluster changes on the host, and how `down` undoes it.

Set up: a dummy interface with the node address, our firewall chains (pods and the service range never reach
past this machine), sysctls. The kubelet, kube-proxy and the CNI plugins add the bridge, veths, KUBE-* and CNI-*
chains, kubepods cgroups and mounts under the state directory; `cleanup` removes all of it.

`record_before_up` runs before `up` changes anything: it writes the sysctl values and the KUBE-*/CNI-*/ARGO-LOCAL-*
chains that already exist into the state directory, so that `down` restores exactly those sysctls and deletes only
chains `up` created. `down` kills and removes only its own pods' cgroups (pod uids its kubelet knows, container ids
its runc knows), never another kubelet's.
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
OWN_PREFIX = "ARGO-LOCAL-"  # only ours whatever the record says (no other software uses the name)
TABLES = ("filter", "nat", "mangle", "raw")
IPTABLES = ("iptables", "ip6tables")
PROC_SYS = Path("/proc/sys")
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP2 = "unified"  # where the cgroup2 hierarchy is mounted under CGROUP_ROOT on a hybrid (cgroup v1) host
KUBEPODS = "kubepods"
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
    """True when bridged pod traffic passes iptables (br_netfilter), which Service hairpin traffic needs.

    It sets net.bridge.bridge-nf-call-iptables: call it only after `record_before_up`.
    """
    path = PROC_SYS / "net/bridge/bridge-nf-call-iptables"
    if not path.exists():
        return False
    if path.read_text().strip() != "1":
        try:
            path.write_text("1\n")
        except OSError:
            return False
    return True


def record_before_up(layout: Layout) -> None:
    """What `down` must put back or leave alone, written before `up` changes anything on the host."""
    save_sysctls(layout)
    save_chains(layout)


def save_sysctls(layout: Layout) -> None:
    if layout.sysctl_file.exists():  # keep the values from before the first `up`
        return
    saved = {}
    for key in SYSCTLS:
        path = PROC_SYS / key
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
        path = PROC_SYS / key
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
    (PROC_SYS / "net/ipv4/ip_forward").write_text("1\n")
    _firewall(layout)


def _ensure_chain(table: str, chain: str, hook: str, rules: list[list[str]], binary: str = "iptables") -> None:
    if run([binary, "-w", "-t", table, "-N", chain], CMD_TIMEOUT).returncode != 0:
        run([binary, "-w", "-t", table, "-F", chain], CMD_TIMEOUT, check=True)
    for rule in rules:
        run([binary, "-w", "-t", table, "-A", chain, *rule], CMD_TIMEOUT, check=True)
    jump = ["-m", "comment", "--comment", "pytest-argo-conformance local cluster", "-j", chain]
    if run([binary, "-w", "-t", table, "-C", hook, *jump], CMD_TIMEOUT).returncode != 0:
        run([binary, "-w", "-t", table, "-I", hook, "1", *jump], CMD_TIMEOUT, check=True)


def kubepods_cgroup2() -> Path | None:
    """The kubepods cgroup in the cgroup2 hierarchy (created here if missing), or None without a cgroup2 mount.

    The kubelet (cgroupfs driver) and runc put every pod process there too, hostNetwork pods included; the
    firewall matches it with `-m cgroup --path kubepods`, which needs the cgroup to exist when the rule is added.
    """
    for root in (CGROUP_ROOT, CGROUP_ROOT / CGROUP2):
        if (root / "cgroup.controllers").is_file():
            path = root / KUBEPODS
            path.mkdir(exist_ok=True)
            return path
    return None


def _pod_output_rules(layout: Layout | None) -> list[list[str]]:
    """What a pod process may send from the host's network namespace (hostNetwork pods): only to this machine
    (lo, which carries the node address too) and to the pod bridge; anything else is rejected."""
    pods = ["-m", "cgroup", "--path", KUBEPODS]
    allowed = ["lo"] + ([layout.bridge] if layout is not None else [])
    return [[*pods, "-o", dev, "-j", "RETURN"] for dev in allowed] + [[*pods, "-j", "REJECT"]]


def _firewall(layout: Layout) -> None:
    reject = ["-j", "REJECT"]
    # Pods talk to each other, to the node and to Services; nothing they send is forwarded off the machine.
    _ensure_chain("filter", "ARGO-LOCAL-FWD", "FORWARD", [["-s", layout.pod_cidr, "!", "-o", layout.bridge, *reject]])
    # A Service address kube-proxy has not translated (no endpoints yet) must not go to the default route; a
    # hostNetwork pod's process (in the kubepods cgroup) reaches only this machine and the pods, never beyond.
    out = [["-d", layout.service_cidr, *reject]]
    pods_cgroup = kubepods_cgroup2()
    if pods_cgroup is not None:
        out += _pod_output_rules(layout)
        # The pods have IPv4 only; a hostNetwork pod could still use the host's IPv6 routes.
        _ensure_chain("filter", "ARGO-LOCAL-OUT", "OUTPUT", _pod_output_rules(None), binary="ip6tables")
    _ensure_chain("filter", "ARGO-LOCAL-OUT", "OUTPUT", out)
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


def prefixed_chains(binary: str) -> dict[str, list[str]]:
    """table -> the KUBE-*/CNI-*/ARGO-LOCAL-* chains in it now (tables the binary cannot list are left out)."""
    found: dict[str, list[str]] = {}
    for table in TABLES:
        listing = run([binary, "-w", "-t", table, "-S"], CMD_TIMEOUT)
        if listing.returncode != 0:
            continue
        found[table] = sorted(
            line.split()[1] for line in listing.stdout.splitlines()
            if line.startswith("-N ") and line.split()[1].startswith(CHAIN_PREFIXES)
        )
    return found


def save_chains(layout: Layout) -> None:
    if layout.chains_file.exists():  # keep the record from before the first `up`
        return
    record = {binary: prefixed_chains(binary) for binary in IPTABLES}
    layout.chains_file.write_text(json.dumps(record, indent=1), encoding="utf-8")


def chains_before(layout: Layout) -> dict[str, dict[str, set[str]]] | None:
    """binary -> table -> chains that existed before `up`; None when there is no (readable) record."""
    try:
        raw = json.loads(layout.chains_file.read_text(encoding="utf-8"))
        return {binary: {table: set(chains) for table, chains in tables.items()} for binary, tables in raw.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _iptables_cleanup(binary: str, before: dict[str, set[str]] | None) -> list[str]:
    """Delete the prefixed chains `up` created (and the rules jumping to them); chains recorded in `before` stay.

    Without a record (`before` is None) only ARGO-LOCAL-* chains count as ours.
    """
    problems = []
    for table in TABLES:
        listing = run([binary, "-w", "-t", table, "-S"], CMD_TIMEOUT)
        if listing.returncode != 0:
            continue
        kept = before.get(table, set()) if before is not None else set()
        ours = set()
        for line in listing.stdout.splitlines():
            parts = line.split()
            if line.startswith("-N ") and parts[1].startswith(CHAIN_PREFIXES) and parts[1] not in kept:
                if before is not None or parts[1].startswith(OWN_PREFIX):
                    ours.add(parts[1])
        jumps = []
        for line in listing.stdout.splitlines():
            parts = line.split()
            if line.startswith("-A ") and parts[1] not in ours:
                target = re.search(r" -[jg] (\S+)", line)
                if target and target.group(1) in ours:
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


def iptables_leftovers(before: dict[str, dict[str, set[str]]] | None = None) -> list[str]:
    """Prefixed chains present now, except those in `before` (binary -> table -> chains, from `chains_before`)."""
    found = []
    for binary in IPTABLES:
        for table, chains in prefixed_chains(binary).items():
            kept = (before or {}).get(binary, {}).get(table, set())
            found += [f"{binary}/{table}: -N {chain}" for chain in chains if chain not in kept]
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
    """The kubepods cgroups, in every hierarchy (cgroup v1 controllers and the unified one)."""
    base = CGROUP_ROOT
    candidates = [base / KUBEPODS] + [h / KUBEPODS for h in base.iterdir() if h.is_dir()] if base.is_dir() else []
    return [c for c in candidates if c.is_dir()]


def _procs_in(dirs: list[Path]) -> list[int]:
    pids: set[int] = set()
    for top in dirs:
        for procs in top.rglob("cgroup.procs"):
            try:
                pids.update(int(p) for p in procs.read_text().split())
            except OSError:
                continue
    return sorted(pids)


def cgroup_pids() -> list[int]:
    """Every process in a kubepods cgroup, whoever's kubelet made it (the preflight's check)."""
    return _procs_in(cgroup_dirs())


def own_ids(layout: Layout) -> set[str]:
    """Pod uids our kubelet knows (kubelet/pods/<uid>) and container ids our runc knows (runc/k8s.io/<id>)."""
    ids: set[str] = set()
    for parent in (layout.kubelet_root / "pods", layout.sub("containerd", "runc", "k8s.io")):
        if parent.is_dir():
            ids.update(d.name for d in parent.iterdir() if d.is_dir())
    return ids


def own_cgroups(layout: Layout) -> list[Path]:
    """The cgroups of our pods (pod<uid>, in any QoS class) and of our containers, deepest first."""
    ids = own_ids(layout)
    found: set[Path] = set()
    for top in cgroup_dirs():
        for d in top.rglob("*"):
            if not d.is_dir() or d in found or any(p in found for p in d.parents):
                continue
            name = d.name
            uid = name[3:] if name.startswith("pod") else name
            if uid in ids or uid.replace("_", "-") in ids:  # the systemd driver writes pod<uid with _>.slice
                found.add(d)
    out = {sub for d in found for sub in [d, *(x for x in d.rglob("*") if x.is_dir())]}
    return sorted(out, key=lambda d: (-len(d.parts), str(d)))


def own_cgroup_pids(layout: Layout) -> list[int]:
    """Processes in our pods' cgroups only (another kubelet's pods on this host are left alone)."""
    return _procs_in(own_cgroups(layout))


def remove_cgroups(layout: Layout) -> list[str]:
    """Remove our pods' cgroups, then kubepods and its QoS cgroups where nothing else is left in them."""
    problems = []
    for d in own_cgroups(layout):
        try:
            os.rmdir(d)
        except OSError as exc:
            problems.append(f"rmdir {d}: {exc.strerror}")
    for top in cgroup_dirs():
        for d in [top / "besteffort", top / "burstable", top]:
            if not d.is_dir() or any(x.is_dir() for x in d.iterdir()):
                continue  # another kubelet's pods (or a QoS cgroup still holding them): not ours to remove
            try:
                os.rmdir(d)
            except OSError as exc:
                problems.append(f"rmdir {d}: {exc.strerror}")
    return problems


def cleanup_network(layout: Layout) -> list[str]:
    problems = delete_interfaces(layout)
    before = chains_before(layout)
    for binary in IPTABLES:
        problems += _iptables_cleanup(binary, before.get(binary, {}) if before is not None else None)
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
