"""A recording stand-in for `kind` and `kubectl`: logs each argv as a JSON line and keeps kind's cluster list
(and, once `docker_has` was called, which images the local Docker has for `kind load docker-image`)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

SCRIPT = f"""#!{sys.executable}
import json, os, sys
from pathlib import Path

state = Path(os.environ["RECORDING_STATE"])
state.mkdir(exist_ok=True)
with open(state / "calls.jsonl", "a") as fh:
    fh.write(json.dumps([Path(sys.argv[0]).name] + sys.argv[1:]) + "\\n")
clusters_file = state / "clusters"
clusters = clusters_file.read_text().split() if clusters_file.exists() else []
args = sys.argv[1:]
opt = lambda name: next((a.split("=", 1)[1] for a in args if a.startswith(name + "=")), None)
if Path(sys.argv[0]).name == "kind":
    if args[:2] == ["get", "clusters"]:
        print("\\n".join(clusters))
    elif args[:2] in (["create", "cluster"], ["export", "kubeconfig"]):
        if args[0] == "create":
            clusters.append(opt("--name"))
        Path(opt("--kubeconfig")).write_text(
            "apiVersion: v1\\nkind: Config\\ncurrent-context: kind\\n"
            "clusters: [{{name: kind, cluster: {{server: 'https://127.0.0.1:6443'}}}}]\\n"
            "contexts: [{{name: kind, context: {{cluster: kind, user: kind}}}}]\\n"
            "users: [{{name: kind, user: {{token: standin}}}}]\\n"
        )
    elif args[:2] == ["delete", "cluster"]:
        clusters.remove(opt("--name"))
    elif args[:2] == ["load", "docker-image"] and (state / "docker-images").exists():
        if args[-1] not in (state / "docker-images").read_text().split():  # what real kind says, and its exit code
            print(f"ERROR: image: \\"{{args[-1]}}\\" not present locally", file=sys.stderr)
            sys.exit(1)
    clusters_file.write_text("\\n".join(clusters))
"""


class RecordingBin:
    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.state = root / "state"
        self.bin.mkdir(parents=True)
        for name in ("kind", "kubectl"):
            path = self.bin / name
            path.write_text(SCRIPT)
            path.chmod(path.stat().st_mode | stat.S_IEXEC)

    def calls(self) -> list[list[str]]:
        log = self.state / "calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def add_cluster(self, name: str) -> None:
        self.state.mkdir(exist_ok=True)
        (self.state / "clusters").write_text(name)

    def docker_has(self, *images: str) -> None:
        """From now on `kind load docker-image` finds only these images in the local Docker (fails for others)."""
        self.state.mkdir(exist_ok=True)
        (self.state / "docker-images").write_text("\n".join(images))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("RECORDING_STATE", str(self.state))
