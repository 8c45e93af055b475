"""Options parsed once into a frozen `Settings` (command line > environment > ini > default)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_argo_conformance.components.argo.build_refs import BuildError, ControllerBuild, Source, parse_build
from pytest_argo_conformance.components.argo.topologies import TOPOLOGIES, Topology, topology_ids
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.plugin.nightly import Quarantined, Rerun, load_quarantine, load_rerun
from pytest_argo_conformance.plugin.scale_options import scale_settings
from pytest_argo_conformance.scale.settings import ScaleSettings

PROVIDERS = ("auto", "kind", "existing", "local")
DEFAULT_REPORT_DIR = "argo-conformance-report"
DEFAULT_CLUSTER_NAME = "argo-conformance"
UPSTREAM_EXAMPLES = "upstream-examples"  # --argo-workflows value: the build lines' own examples/
PYTEST_KIND_DEFAULT_NAME = "pytest-kind"
DEFAULT_LOOKAHEAD = 4  # --argo-lookahead


@dataclass(frozen=True)
class Option:
    """One `--argo-*` option with its ini twin and environment variable."""

    flag: str
    help: str
    multiple: bool = False
    choices: tuple[str, ...] | None = None
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        return "ARGO_CONFORMANCE_" + self.flag.lstrip("-").removeprefix("argo-").replace("-", "_").upper()


OPTIONS = (
    Option(
        "--argo-controller",
        "controller build under test, NAME=REF (repeatable). REF: an image "
        "(quay.io/acme/workflow-controller:v3.5.6-acme[,argoexec=IMAGE]), an upstream version (v3.6.10), "
        "go:MODULE@VERSION or a source directory (local provider)",
        multiple=True,
        metavar="NAME=REF",
    ),
    Option(
        "--argo-baseline",
        "name of the build every other build is compared with (default: 'upstream', the pinned upstream version)",
        metavar="NAME",
    ),
    Option(
        "--argo-provider",
        "where the cluster comes from: auto (kind when a Docker daemon answers, else local), kind, "
        "existing (--kubeconfig) or local",
        choices=PROVIDERS,
    ),
    Option(
        "--argo-topology",
        "topologies to run, comma-separated or repeated (default: all, including those a plugin adds): "
        + ", ".join(topology_ids()),
        multiple=True,
        metavar="ID[,ID]",
    ),
    Option(
        "--argo-workflows",
        "your own Workflow manifests (files, directories or globs; repeatable): each becomes a check that must "
        "succeed for every build and topology; label a manifest argo-conformance/skip=<reason> to leave it out; "
        f"'{UPSTREAM_EXAMPLES}': the examples/ shipped in each build line's Argo module (suites/examples)",
        multiple=True,
        metavar="PATH_OR_GLOB",
    ),
    Option(
        "--argo-image",
        "load an image archive into the cluster before the run, NAME=ARCHIVE (repeatable; an OCI image layout or "
        "`docker save` tarball): workflows that name NAME run on it (local and kind providers)",
        multiple=True,
        metavar="NAME=ARCHIVE",
    ),
    Option(
        "--argo-image-alias",
        "on (default): on the local provider, images a workflow names that are not there are answered by the image "
        "catalog (clusters/local/images.yaml: alpine/debian/ubuntu, python, curl, argosay); off: they are skipped",
        choices=("on", "off"),
    ),
    Option(
        "--argo-kueue",
        "Kueue version(s) the Kueue checks install, comma-separated or repeated (default: the pinned one); "
        "with several, each check runs once per version; 'existing': the cluster's own Kueue, used as it is",
        multiple=True,
        metavar="VERSION[,VERSION]",
    ),
    Option(
        "--argo-suites",
        "collect checks beside the ones given to pytest (repeatable): a folder of your own, or 'packaged' for the "
        "packaged suites; with it, folders from pytest_argo_suite_paths hooks are collected too "
        "(argo-conformance run gives 'packaged' and its --suites)",
        multiple=True,
        metavar="PATH|packaged",
    ),
    Option("--argo-report-dir", f"where the matrix is written (default: ./{DEFAULT_REPORT_DIR})", metavar="DIR"),
    Option("--argo-context", "kubeconfig context for the existing provider (default: current)", metavar="NAME"),
    Option("--argo-run-label", "label of this run in the matrix, e.g. the CI job name", metavar="TEXT"),
    Option(
        "--argo-rerun-failed",
        "rerun exactly the failed and errored cells (build x topology x check) of an earlier run's matrix.json; "
        "its builds and topologies are used unless --argo-controller / --argo-topology are given",
        metavar="MATRIX.json",
    ),
    Option(
        "--argo-quarantine",
        "a YAML list of known failures ({check, build, topology: fnmatch patterns; reason; expires: YYYY-MM-DD}): "
        "a matching failure is a known-fail until its expiry date, and an ordinary failure after it",
        metavar="FILE",
    ),
    Option(
        "--argo-lookahead",
        f"how many checks ahead a cell's workflows are submitted, so that they run while earlier checks wait "
        f"(default {DEFAULT_LOOKAHEAD}; 0: one check after another); checks marked argo_serial keep the cluster "
        "to themselves",
        metavar="N",
    ),
    Option(
        "--argo-scale-workflows",
        "run the scale lane (suites/test_scale.py; argo-conformance scale sets it): N workflows per build through one "
        "controller, their pods on KWOK's simulated nodes; without it the scale checks are not collected",
        metavar="N",
    ),
    Option("--argo-scale-pods", "pods per workflow in the scale lane (default 2)", metavar="N"),
    Option("--argo-scale-pod-seconds", "how long each simulated pod runs in the scale lane (default 5)",
           metavar="SECONDS"),
    Option("--argo-scale-burst", "workflows the scale lane submits together, one burst every 5 s (default 100)",
           metavar="N"),
    Option("--argo-scale-nodes", "simulated nodes of the scale lane (default 50)", metavar="N"),
    Option(
        "--argo-scale-tolerance",
        "the scale gate: a build fails when its throughput or p95 submit-to-end latency is worse than its reference "
        "build's (same run, same settings) by more than PCT percent (default 30)",
        metavar="PCT",
    ),
)


@dataclass(frozen=True)
class Settings:
    builds: tuple[ControllerBuild, ...]
    provider: str  # as asked: auto resolves when the provider is made
    topologies: tuple[Topology, ...]  # the cells' columns, in order
    report_dir: Path
    user_workflows: tuple[Path, ...]
    upstream_examples: bool  # --argo-workflows upstream-examples
    user_images: tuple[tuple[str, Path], ...]  # --argo-image NAME=ARCHIVE, NAME fully qualified
    image_alias: bool  # --argo-image-alias on|off
    suites: tuple[Path, ...]  # collected beside pytest's own arguments (--argo-suites, pytest_argo_suite_paths)
    kueue_versions: tuple[str, ...]
    context: str | None
    run_label: str
    cluster_name: str
    keep_cluster: bool
    kubeconfig: Path | None
    rerun: Rerun | None  # --argo-rerun-failed
    quarantine: tuple[Quarantined, ...]  # --argo-quarantine
    lookahead: int  # --argo-lookahead: checks whose workflows are submitted ahead (plugin/lookahead.py)
    scale: ScaleSettings | None  # --argo-scale-*: the scale lane, when asked for
    origins: tuple[tuple[str, str], ...]  # (option, where its value came from), for the report header

    @property
    def baseline(self) -> ControllerBuild:
        return next(b for b in self.builds if b.baseline)

    def build(self, name: str) -> ControllerBuild:
        return next(b for b in self.builds if b.name == name)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("argo-conformance", "Argo Workflows controller conformance")
    for opt in OPTIONS:
        group.addoption(
            opt.flag,
            dest=opt.dest,
            action="append" if opt.multiple else "store",
            default=None,
            choices=opt.choices,
            metavar=opt.metavar,
            help=f"{opt.help} [env {opt.env}, ini {opt.dest}]",
        )
        if opt.multiple:
            parser.addini(opt.dest, opt.help, type="linelist", default=None)
        else:
            parser.addini(opt.dest, opt.help, type="string", default=None)


def _lookup(config: pytest.Config, opt: Option) -> tuple[Any, str]:
    value = config.getoption(opt.dest)
    if value:
        return value, "command line"
    env = os.environ.get(opt.env)
    if env:
        return (env.split() if opt.multiple else env), f"env {opt.env}"
    ini = config.getini(opt.dest)
    if ini:
        return ini, f"ini {opt.dest}"
    return None, "default"


def load(config: pytest.Config) -> Settings:
    """Parse and validate every option; raise pytest.UsageError naming the bad value and the fix."""
    values: dict[str, Any] = {}
    origins: list[tuple[str, str]] = []
    for opt in OPTIONS:
        value, origin = _lookup(config, opt)
        values[opt.dest] = value
        origins.append((opt.flag, origin))

    provider = values["argo_provider"] or "auto"
    if provider not in PROVIDERS:
        raise pytest.UsageError(f"--argo-provider {provider!r}: choose one of {', '.join(PROVIDERS)}")
    rerun = load_rerun(values["argo_rerun_failed"]) if values["argo_rerun_failed"] else None
    build_specs, baseline = values["argo_controller"] or [], values["argo_baseline"]
    topology_specs = values["argo_topology"] or []
    if rerun is not None:  # the earlier run's builds and topologies, unless given
        build_specs = build_specs or list(rerun.build_specs)
        baseline = baseline or (rerun.baseline if not values["argo_controller"] else None)
        topology_specs = topology_specs or list(rerun.topologies)
    builds = _builds(build_specs, baseline, provider)
    topologies = _topologies(topology_specs, _topology_registry(config))
    kubeconfig = config.getoption("kubeconfig", None)
    if _attaches(provider):  # a provider that makes no cluster attaches to one through a kubeconfig
        kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
        if not Path(kubeconfig).is_file():
            raise pytest.UsageError(
                f"--argo-provider {provider}: kubeconfig {kubeconfig} not found; pass --kubeconfig PATH or set "
                "KUBECONFIG"
            )
    return Settings(
        builds=builds,
        provider=provider,
        topologies=topologies,
        report_dir=Path(values["argo_report_dir"] or DEFAULT_REPORT_DIR),
        user_workflows=_user_workflows([v for v in values["argo_workflows"] or [] if v != UPSTREAM_EXAMPLES]),
        upstream_examples=UPSTREAM_EXAMPLES in (values["argo_workflows"] or []),
        user_images=_user_images(values["argo_image"] or []),
        image_alias=(values["argo_image_alias"] or "on") == "on",
        suites=_suites(config, values["argo_suites"] or []),
        kueue_versions=_kueue_versions(values["argo_kueue"] or []),
        context=values["argo_context"],
        run_label=values["argo_run_label"] or "",
        cluster_name=_cluster_name(config),
        keep_cluster=bool(config.getoption("keep_cluster", False)),
        kubeconfig=Path(kubeconfig) if kubeconfig else None,
        rerun=rerun,
        quarantine=load_quarantine(values["argo_quarantine"]) if values["argo_quarantine"] else (),
        lookahead=_lookahead(values["argo_lookahead"]),
        scale=scale_settings(values),
        origins=tuple(origins),
    )


def _lookahead(value: str | None) -> int:
    if value is None:
        return DEFAULT_LOOKAHEAD
    if not value.strip().isdigit():
        raise pytest.UsageError(f"--argo-lookahead {value!r}: give a number of checks (0 or more; 0 runs the checks "
                                f"of a cell one after another)")
    return int(value)


def _attaches(provider: str) -> bool:
    from pytest_argo_conformance.providers.base import Capability
    from pytest_argo_conformance.providers.registry import capabilities_of

    caps = capabilities_of(provider)
    return caps is not None and Capability.CREATES_CLUSTER not in caps


def _cluster_name(config: pytest.Config) -> str:
    """pytest-kind's --cluster-name, with our own default instead of pytest-kind's ("pytest-kind")."""
    name = config.getoption("cluster_name", None)
    return DEFAULT_CLUSTER_NAME if name in (None, PYTEST_KIND_DEFAULT_NAME) else str(name)


def _builds(specs: list[str], baseline_name: str | None, provider: str) -> tuple[ControllerBuild, ...]:
    builds: list[ControllerBuild] = []
    for spec in specs:
        try:
            build = parse_build(spec)
        except BuildError as exc:
            raise pytest.UsageError(str(exc)) from None
        if any(b.name == build.name for b in builds):
            raise pytest.UsageError(
                f"--argo-controller {spec!r}: build name {build.name!r} is given twice; give each build its own name"
            )
        _check_provider_fits(spec, build, provider)
        builds.append(build)
    names = [b.name for b in builds]
    baseline_name = baseline_name or "upstream"
    if baseline_name == "upstream" and "upstream" not in names:
        builds.insert(0, parse_build(f"upstream={version('argo-workflows')}"))
        names.insert(0, "upstream")
    if baseline_name not in names:
        known = f"name one of {', '.join(names)}" if names else "no builds were given"
        raise pytest.UsageError(
            f"--argo-baseline {baseline_name!r}: no such build; {known} "
            f"(add it with --argo-controller {baseline_name}=REF)"
        )
    from pytest_argo_conformance.components.argo.lines import reference_first

    marked = [ControllerBuild(b.name, b.ref, b.source, baseline=(b.name == baseline_name), images=b.images)
              for b in builds]
    return tuple(reference_first(marked))


def _check_provider_fits(spec: str, build: ControllerBuild, provider: str) -> None:
    from pytest_argo_conformance.providers.base import Capability
    from pytest_argo_conformance.providers.registry import capabilities_of

    caps = capabilities_of(provider)
    if caps is None:  # auto, or a provider of a conftest's: known once it is made
        return
    if build.needs_source_build and Capability.BUILDS_FROM_SOURCE not in caps:
        raise pytest.UsageError(
            f"--argo-controller {spec!r}: a {build.source.value} is built from source by the local provider only; "
            f"use --argo-provider local, or build the images and pass NAME=IMAGE with --argo-provider {provider}"
        )
    if build.source is Source.IMAGE and Capability.PULLS_IMAGES not in caps:
        raise pytest.UsageError(
            f"--argo-controller {spec!r}: the local provider cannot pull images; pass an upstream version (v3.6.10), "
            "go:MODULE@VERSION or a source directory, or use --argo-provider kind/existing for image references"
        )


def _topology_registry(config: pytest.Config) -> dict[str, Topology]:
    """The built-in topologies, then those that pytest_argo_topologies implementations add."""
    known = {t.id: t for t in TOPOLOGIES}
    for added in config.hook.pytest_argo_topologies(config=config):
        for topology in added:
            if not isinstance(topology, Topology):
                raise pytest.UsageError(f"pytest_argo_topologies returned {topology!r}; return Topology objects")
            if topology.id in known and known[topology.id] != topology:
                raise pytest.UsageError(f"pytest_argo_topologies: topology id {topology.id!r} is taken; rename yours")
            known[topology.id] = topology
    return known


def _topologies(specs: list[str], known: dict[str, Topology]) -> tuple[Topology, ...]:
    if not specs:
        return tuple(known.values())
    chosen: list[Topology] = []
    for spec in specs:
        for tid in filter(None, (part.strip() for part in spec.split(","))):
            if tid not in known:
                raise pytest.UsageError(f"--argo-topology {tid!r}: unknown topology; choose from {', '.join(known)}")
            if known[tid] not in chosen:
                chosen.append(known[tid])
    return tuple(chosen)


def _suites(config: pytest.Config, specs: list[str]) -> tuple[Path, ...]:
    """--argo-suites folders ('packaged': the packaged suites), then the pytest_argo_suite_paths folders."""
    if not specs:
        return ()
    from pytest_argo_conformance.config.paths import suites_dir

    found: list[Path] = []
    for spec in specs:
        path = suites_dir() if spec == "packaged" else Path(spec).expanduser()
        if not path.exists():
            raise pytest.UsageError(f"--argo-suites {spec!r}: no such folder or file; give a folder of checks")
        found.append(path.resolve())
    for paths in config.hook.pytest_argo_suite_paths(config=config):
        for path in map(Path, paths):
            if not path.exists():
                raise pytest.UsageError(f"pytest_argo_suite_paths returned {path}, which does not exist")
            found.append(path.resolve())
    return tuple(dict.fromkeys(found))


def _user_workflows(specs: list[str]) -> tuple[Path, ...]:
    import glob

    found: list[Path] = []
    for spec in specs:
        matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
        if not matches:
            raise pytest.UsageError(f"--argo-workflows {spec!r}: no such file, directory or glob match")
        for match in map(Path, matches):
            files = sorted(p for p in match.rglob("*") if p.is_file()) if match.is_dir() else [match]
            found += [f for f in files if f.suffix in (".yaml", ".yml", ".json") and f not in found]
    return tuple(found)


def _user_images(specs: list[str]) -> tuple[tuple[str, Path], ...]:
    from pytest_argo_conformance.toolchain.image_catalog import normalize
    from pytest_argo_conformance.toolchain.oci import ImageError, check_name

    chosen: dict[str, Path] = {}
    for spec in specs:
        name, eq, archive = spec.partition("=")
        if not eq or not name.strip() or not archive.strip():
            raise pytest.UsageError(f"--argo-image {spec!r}: give NAME=ARCHIVE, e.g. "
                                    "quay.io/acme/trainer:1.2=./trainer.tar")
        full = normalize(name.strip())
        try:
            check_name(full, allow_latest=True)
        except ImageError as exc:
            raise pytest.UsageError(f"--argo-image {spec!r}: {exc}") from None
        path = Path(os.path.expanduser(archive.strip()))
        if not path.is_file():
            raise pytest.UsageError(f"--argo-image {spec!r}: archive {path} does not exist; give the path of an OCI "
                                    "image layout or `docker save` tarball")
        if full in chosen and chosen[full] != path:
            raise pytest.UsageError(f"--argo-image {full} is given twice ({chosen[full]} and {path}): give it once")
        chosen[full] = path.resolve()
    return tuple(chosen.items())


def _kueue_versions(specs: list[str]) -> tuple[str, ...]:
    import re

    chosen: list[str] = []
    for spec in specs:
        for release in filter(None, (part.strip() for part in spec.split(","))):
            if release == "existing":
                chosen.append(release)
                continue
            if not re.fullmatch(r"v\d+\.\d+\.\d+", release):
                raise pytest.UsageError(
                    f"--argo-kueue {release!r}: give a Kueue release version such as {version('kueue')}"
                )
            if release not in chosen:
                chosen.append(release)
    if "existing" in chosen and len(chosen) > 1:
        raise pytest.UsageError("--argo-kueue existing uses the cluster's own Kueue: give it alone, without "
                                f"releases (given: {', '.join(chosen)})")
    return tuple(dict.fromkeys(chosen)) or (version("kueue"),)
