"""The dsp-managed topology's DSPA and the operator's layout of its workflow controller (no cluster)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo import dsp_layout
from pytest_argo_conformance.components.argo.artifacts import BuildArtifacts
from pytest_argo_conformance.components.argo.build_refs import ControllerBuild, Source
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.matrix.markdown import render_markdown
from pytest_argo_conformance.matrix.merge import merge
from pytest_argo_conformance.matrix.model import Cell, Matrix, Outcome

OWNED = {"argo-conformance.io/owned": "true"}
CONTROLLER = "localhost/argo-conformance/workflow-controller:abc"
EXECUTOR = "localhost/argo-conformance/argoexec:abc"


def _artifacts() -> BuildArtifacts:
    build = ControllerBuild(name="mine", ref="v3.7.18+patch:x", source=Source.PATCHED)
    return BuildArtifacts(build=build, version="v3.7.18", source_dir=Path("/nonexistent"),
                          images={"workflow-controller": CONTROLLER, "argoexec": EXECUTOR, "server": "s"})


def test_the_dspa_deploys_only_the_build_under_test_with_the_suites_storage() -> None:
    dspa = dsp_layout.dspa("ns1", _artifacts(), OWNED)
    spec = dspa["spec"]
    assert dspa["apiVersion"] == "datasciencepipelinesapplications.opendatahub.io/v1"
    assert dspa["metadata"] == {"name": "conformance", "namespace": "ns1", "labels": OWNED}
    assert spec["workflowController"] == {"deploy": True, "image": CONTROLLER, "argoExecImage": EXECUTOR,
                                          "customConfig": dsp_layout.CUSTOM_CONFIG}
    for off in ("apiServer", "persistenceAgent", "scheduledWorkflow"):
        assert spec[off] == {"deploy": False}
    assert "mlmd" not in spec  # cannot be turned off for dspVersion v2: left to the operator, its state reported
    storage = spec["objectStorage"]["externalStorage"]
    assert f"{storage['host']}:{storage['port']}" == s3.endpoint()
    assert (storage["scheme"], storage["bucket"], storage["s3CredentialsSecret"]["secretName"]) == (
        "http", s3.BUCKET, s3.SECRET)
    assert spec["database"]["disableHealthCheck"] and spec["objectStorage"]["disableHealthCheck"]


def test_the_layout_is_what_the_operator_renders_for_that_dspa() -> None:
    rendered = dsp_layout.render(dsp_layout.dspa("ns1", _artifacts(), OWNED), OWNED)
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered}
    full = "ds-pipeline-workflow-controller-conformance"
    assert names == {("ServiceAccount", full), ("ConfigMap", full), ("NetworkPolicy", full), ("Deployment", full),
                     ("Role", "ds-pipeline-workflow-controller-role-conformance"),
                     ("RoleBinding", "ds-pipeline-workflow-controller-rolebinding-conformance")}
    for obj in rendered:
        assert obj["metadata"]["namespace"] == "ns1"
        assert obj["metadata"]["labels"] == {"app": full, "component": "data-science-pipelines",
                                             "dspa": "conformance", **OWNED}
    (deployment,) = [o for o in rendered if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    # --namespaced without --managed-namespace: the controller watches the namespace it runs in
    assert container["args"] == ["--configmap", dsp_layout.CUSTOM_CONFIG, "--executor-image", EXECUTOR, "--namespaced"]
    assert (container["image"], container["command"]) == (CONTROLLER, ["workflow-controller"])
    assert container["securityContext"]["readOnlyRootFilesystem"] and pod["securityContext"]["runAsNonRoot"]
    assert container["env"][0]["name"] == "LEADER_ELECTION_IDENTITY"
    assert container["resources"] == dsp_layout.DEFAULT_RESOURCES
    assert pod["serviceAccountName"] == full
    (binding,) = [o for o in rendered if o["kind"] == "RoleBinding"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": full, "namespace": "ns1"}]
    (configmap,) = [o for o in rendered if o["kind"] == "ConfigMap"]
    assert set(configmap["data"]) == {"artifactRepository", "executor"}
    repository = yaml.safe_load(configmap["data"]["artifactRepository"])["s3"]
    assert repository["endpoint"] == f"http://{s3.endpoint()}"
    assert yaml.safe_load(configmap["data"]["executor"]) == {"imagePullPolicy": "IfNotPresent"}


def test_without_custom_config_the_controller_reads_the_operators_configmap() -> None:
    dspa = dsp_layout.dspa("ns1", _artifacts(), OWNED)
    del dspa["spec"]["workflowController"]["customConfig"]
    (deployment,) = [o for o in dsp_layout.render(dspa, {}) if o["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["--configmap", "ds-pipeline-workflow-controller-conformance"]


def test_the_custom_config_has_the_operators_keys_the_instance_id_and_images() -> None:
    images = {"alpine:3.7": {"cmd": ["/bin/sh"], "entrypoint": []}}
    cm = dsp_layout.custom_config("ns1", "acf-1-sys", images, OWNED)
    assert cm["metadata"]["name"] == dsp_layout.CUSTOM_CONFIG
    assert cm["data"]["instanceID"] == "acf-1-sys"
    assert "containerRuntimeExecutor" not in cm["data"]  # Argo v3.4+ refuses it (dsp_layout._operator_keys)
    assert yaml.safe_load(cm["data"]["images"]) == images
    assert yaml.safe_load(cm["data"]["artifactRepository"]) == yaml.safe_load(s3.repository_config())


def test_the_variant_names_the_pinned_operator_line() -> None:
    assert dsp_layout.variant() == f"dsp-managed (DSPO {version('dspo')} layout, operator not running)"


def test_a_topology_variant_is_kept_merged_and_shown() -> None:
    variant = dsp_layout.variant()
    one = Matrix(topology_variants={"dsp-managed": variant})
    one.add(Cell(build="upstream", topology="dsp-managed", check="test_smoke", suite="s", outcome=Outcome.PASSED))
    two = Matrix()
    two.add(Cell(build="upstream", topology="upstream-global", check="test_smoke", suite="s", outcome=Outcome.PASSED))
    again = Matrix.from_dict(one.to_dict())
    assert again.topology_variants == {"dsp-managed": variant}
    merged = merge([again, two])
    assert merged.topology_title("dsp-managed") == variant
    assert merged.topology_title("upstream-global") == "upstream-global"
    assert f"### Topology `dsp-managed`: {variant}" in render_markdown(merged).replace("\\", "")
