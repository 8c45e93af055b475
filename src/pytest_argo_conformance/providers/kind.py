"""kind, through pytest-kind's KindCluster: a thin path for users with Docker."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pytest_kind import KindCluster

from pytest_argo_conformance.config.paths import clusters_dir
from pytest_argo_conformance.config.timeouts import KIND_CREATE, KIND_LOAD
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, ProviderError

CONFIGS = {"single": "single-node.yaml", "gpu": "gpu-worker.yaml"}


class KindProvider:
    name = "kind"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CREATES_CLUSTER, Capability.LOADS_IMAGES, Capability.PULLS_IMAGES, Capability.FAKE_GPUS}
    )

    def __init__(
        self,
        cluster_name: str,
        keep: bool,
        kubeconfig: Path | None = None,
        node_image: str | None = None,
        layout: str = "single",
    ) -> None:
        kind = shutil.which("kind")
        kubectl = shutil.which("kubectl")
        if kind is None:
            raise ProviderError(
                "kind is not on PATH: install kind (https://kind.sigs.k8s.io) or use --argo-provider local"
            )
        if layout not in CONFIGS:
            raise ProviderError(f"kind layout {layout!r}: choose one of {', '.join(CONFIGS)}")
        self.keep = keep
        self.config_file = clusters_dir() / "kind" / CONFIGS[layout]
        self.cluster = KindCluster(
            cluster_name,
            kubeconfig,
            image=node_image,
            kind_path=Path(kind),
            kubectl_path=Path(kubectl) if kubectl else None,
        )
        self.created = False

    def up(self) -> ClusterInfo:
        existing = subprocess.run(
            [str(self.cluster.kind_path), "get", "clusters"],
            capture_output=True,
            text=True,
            timeout=KIND_CREATE,
            check=False,
        )
        if existing.returncode != 0:
            raise ProviderError(f"`kind get clusters` failed (exit {existing.returncode}): "
                                f"{_kind_error(existing.stderr) or 'no output'}")
        self.created = self.cluster.name not in existing.stdout.split()
        if not self.created:  # pytest-kind reads the kubeconfig of a cluster it reuses: have kind write it
            exported = subprocess.run(
                [
                    str(self.cluster.kind_path),
                    "export",
                    "kubeconfig",
                    f"--name={self.cluster.name}",
                    f"--kubeconfig={self.cluster.kubeconfig_path}",
                ],
                capture_output=True,
                text=True,
                timeout=KIND_CREATE,
                check=False,
            )
            if exported.returncode != 0:
                raise ProviderError(
                    f"`kind export kubeconfig --name={self.cluster.name}` failed (exit {exported.returncode}): "
                    f"{_kind_error(exported.stderr) or 'no output'}"
                )
        try:
            self.cluster.create(self.config_file)
        except subprocess.CalledProcessError as exc:
            raise ProviderError(
                f"`kind create cluster --name={self.cluster.name}` failed (exit {exc.returncode})"
            ) from None
        return ClusterInfo(
            provider=self.name,
            name=self.cluster.name,
            kubeconfig=Path(self.cluster.kubeconfig_path),
            context=f"kind-{self.cluster.name}",
            created=self.created,
            capabilities=self.capabilities,
        )

    def load_image(self, image: str, archive: Path | None = None) -> None:
        """`kind load docker-image` (from this machine's Docker) or `kind load image-archive`; a failure is one
        ProviderError line that names the image and what to do."""
        kind = str(self.cluster.kind_path)
        if archive is None:
            args = [kind, "load", "docker-image", "--name", self.cluster.name, image]
        else:
            args = [kind, "load", "image-archive", str(archive), "--name", self.cluster.name]
        what = f"`kind load {args[2]}` of {image} into cluster {self.cluster.name}"
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=KIND_LOAD, check=False)
        except subprocess.TimeoutExpired:
            raise ProviderError(f"{what} still running after {KIND_LOAD}s: check that Docker answers "
                                "(docker info)") from None
        if done.returncode == 0:
            return
        said = _kind_error(done.stderr or done.stdout)
        if archive is None and "not present locally" in said:
            raise ProviderError(
                f"image {image} is not in this machine's Docker, so kind cannot load it into cluster "
                f"{self.cluster.name}: pull or build it first (docker pull {image}), or name an image that is there "
                "with --argo-controller NAME=IMAGE[,argoexec=IMAGE]"
            )
        raise ProviderError(f"{what} failed (exit {done.returncode}): {said or 'no output'}")

    def missing_images(self, names: Sequence[str]) -> list[str]:
        return []  # kind's nodes pull what was not loaded

    def down(self) -> None:
        if self.created and not self.keep:
            self.cluster.delete()


def _kind_error(output: str) -> str:
    """kind's own complaint in one line: its last `ERROR: ...` line, else its last line of output."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    said = (errors or lines or [""])[-1]
    return said if len(said) <= 240 else said[:237] + "..."
