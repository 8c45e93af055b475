"""A stand-in host for the local provider's unit tests: an in-memory iptables (and ip6tables) that keeps chains and
rules the way the real one prints them with -S, a recorder for `ip` and `conntrack`, a /proc/sys tree and a cgroup
tree in a temporary directory. `install(monkeypatch, tmp_path)` points providers/local/host.py at them, so `up`'s
host set-up and `down`'s cleanup run without touching this machine."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_argo_conformance.providers.local import host, procs

BUILTIN = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
}


def _quote(word: str) -> str:
    return f'"{word}"' if " " in word else word


@dataclass
class FakeIptables:
    """One binary's tables: table -> chain -> rules (each rule the argument list after the chain name)."""

    tables: dict[str, dict[str, list[list[str]]]] = field(
        default_factory=lambda: {t: {c: [] for c in chains} for t, chains in BUILTIN.items()}
    )

    def chains(self, table: str) -> list[str]:
        return [c for c in self.tables[table] if c not in BUILTIN[table]]

    def call(self, args: list[str]) -> tuple[int, str, str]:
        args = [a for a in args if a != "-w"]
        table = "filter"
        if args[:1] == ["-t"]:
            table, args = args[1], args[2:]
        chains = self.tables[table]
        op, rest = args[0], args[1:]
        if op == "-S":
            lines = [f"-P {c} ACCEPT" for c in BUILTIN[table]] + [f"-N {c}" for c in self.chains(table)]
            lines += [f"-A {c} {' '.join(_quote(w) for w in rule)}" for c, rules in chains.items() for rule in rules]
            return 0, "\n".join(lines) + "\n", ""
        chain = rest[0]
        if op == "-N":
            if chain in chains:
                return 1, "", "iptables: Chain already exists."
            chains[chain] = []
            return 0, "", ""
        if chain not in chains:
            return 1, "", f"iptables: No chain/target/match by that name ({chain})."
        rule = rest[1:]
        if op == "-F":
            chains[chain] = []
        elif op == "-X":
            referenced = any(chain in r for rules in chains.values() for r in rules)
            if chains[chain] or referenced:
                return 1, "", f"iptables: Directory not empty / Device or resource busy ({chain})."
            del chains[chain]
        elif op == "-A":
            chains[chain].append(rule)
        elif op == "-I":
            position = int(rule[0]) if rule and rule[0].isdigit() else 1
            chains[chain].insert(position - 1, rule[1:] if rule and rule[0].isdigit() else rule)
        elif op in ("-D", "-C"):
            if rule not in chains[chain]:
                return 1, "", "iptables: Bad rule (does a matching rule exist in that chain?)."
            if op == "-D":
                chains[chain].remove(rule)
        else:
            raise AssertionError(f"fake iptables does not know {op}")
        return 0, "", ""

    def add_chain(self, table: str, chain: str, jump_from: str | None = None) -> None:
        self.tables[table][chain] = []
        if jump_from is not None:
            self.tables[table][jump_from].append(["-j", chain])


@dataclass
class FakeHost:
    root: Path
    iptables: dict[str, FakeIptables] = field(default_factory=lambda: {b: FakeIptables() for b in host.IPTABLES})
    calls: list[list[str]] = field(default_factory=list)

    @property
    def proc_sys(self) -> Path:
        return self.root / "proc-sys"

    @property
    def cgroups(self) -> Path:
        return self.root / "cgroup"

    def sysctl(self, key: str) -> str:
        return (self.proc_sys / key).read_text().strip()

    def set_sysctl(self, key: str, value: str) -> None:
        path = self.proc_sys / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")

    def run(self, argv: list[str], timeout: float, check: bool = False) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        if argv[0] in self.iptables:
            rc, out, err = self.iptables[argv[0]].call(argv[1:])
        elif argv[0] in ("ip", "conntrack"):
            rc, out, err = 0, "", ""
        else:
            raise AssertionError(f"the fake host does not run {argv}")
        if check and rc != 0:
            raise RuntimeError(f"`{' '.join(argv)}` failed: {err}")
        return subprocess.CompletedProcess(argv, rc, out, err)

    def pod_cgroup(self, hierarchy: str, qos: str, pod_uid: str, container: str, pids: list[int]) -> Path:
        """A pod's container cgroup as the kubelet (cgroupfs driver) and runc lay it out."""
        path = self.cgroups / hierarchy / host.KUBEPODS / qos / f"pod{pod_uid}" / container
        path.mkdir(parents=True)
        (path / "cgroup.procs").write_text("".join(f"{p}\n" for p in pids))
        return path

    def kill(self, pids: list[int]) -> list[int]:
        """What SIGKILL does to the fake cgroups: the pids leave them (an emptied cgroup loses its procs file,
        so that rmdir works as it does on cgroupfs)."""
        for procs_file in list(self.cgroups.rglob("cgroup.procs")):
            left = [p for p in procs_file.read_text().split() if int(p) not in pids]
            if left:
                procs_file.write_text("".join(f"{p}\n" for p in left))
            else:
                procs_file.unlink()
        return list(pids)


def install(monkeypatch: pytest.MonkeyPatch, root: Path) -> FakeHost:
    fake = FakeHost(root)
    for key in host.SYSCTLS:
        fake.set_sysctl(key, "0")
    (fake.cgroups / host.CGROUP2).mkdir(parents=True)
    (fake.cgroups / host.CGROUP2 / "cgroup.controllers").write_text("cpu memory pids\n")
    (fake.cgroups / "memory").mkdir()
    monkeypatch.setattr(host, "run", fake.run)
    monkeypatch.setattr(host, "PROC_SYS", fake.proc_sys)
    monkeypatch.setattr(host, "CGROUP_ROOT", fake.cgroups)
    monkeypatch.setattr(host, "interface_exists", lambda name: False)  # this machine's interfaces stay out of it
    monkeypatch.setattr(host, "cleanup_files", lambda layout: None)  # the real one reads /var/log, /var/lib/cni
    monkeypatch.setattr(procs, "kill_pids", fake.kill)
    return fake
