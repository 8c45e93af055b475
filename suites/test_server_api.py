"""The Argo Server's API beyond submit: listing with a label selector, and terminate (no exit handler)."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import Installation, WorkflowRunner
from pytest_argo_conformance.checks import pod_spec, shapes
from pytest_argo_conformance.components.argo import workflows as wfapi

PICK = "conformance.argoproj.io/pick"


def _needs_server(argo: Installation) -> None:
    if argo.server is None:
        pytest.skip(f"the installation of {argo.topology.id} has no Argo Server")


@pytest.mark.conformance(id="server.list-label-selector", area="server")
def test_list_honours_label_selector(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    """The Argo Server's workflow list MUST return only the workflows that match listOptions.labelSelector."""
    _needs_server(argo)
    ns = argo_workflows.namespace
    names: dict[str, str] = {}
    for pick in ("first", "second"):
        manifest = argo_workflows.load("pods-suspended")
        manifest["metadata"]["labels"] = {PICK: pick}
        names[pick] = argo_workflows.submit(manifest)
    try:
        with argo_workflows.rest() as rest:
            everything = pod_spec.rest_list_until(rest, ns, names["second"])
            assert set(names.values()) <= set(everything), f"the unfiltered list {everything} lacks {names}"
            picked = pod_spec.rest_list_until(rest, ns, names["first"], label_selector=f"{PICK}=first")
            assert picked == [names["first"]], (f"listOptions.labelSelector {PICK}=first: expected only "
                                                f"{names['first']}, the server listed {picked}")
            none = pod_spec.rest_list(rest, ns, label_selector=f"{PICK}=none")
            assert none == [], f"listOptions.labelSelector {PICK}=none matches no workflow; the server listed {none}"
    finally:
        for name in names.values():
            pod_spec.terminate(argo_workflows, name)


@pytest.mark.conformance(id="server.terminate-skips-exit-handler", area="server")
def test_terminate_skips_exit_handler(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    """Terminating a running workflow through the Argo Server MUST fail it without running its onExit handler."""
    _needs_server(argo)
    ns = argo_workflows.namespace
    name = argo_workflows.submit(argo_workflows.load("pods-terminate"))
    argo_workflows.wait(name, lambda wf: any(n.get("phase") == "Running" for n in shapes.pod_nodes(wf)),
                        "run its step", timeout=90)
    with argo_workflows.rest() as rest:
        rest.call("PUT", f"/api/v1/workflows/{ns}/{name}/terminate", {"namespace": ns, "name": name})
    wf = argo_workflows.wait(name, lambda w: wfapi.phase(w) in wfapi.TERMINAL, "end after terminate", timeout=90,
                             fail_fast=False)
    handler = [n["displayName"] for n in shapes.nodes(wf) if str(n.get("displayName", "")).endswith(".onExit")]
    assert not handler, (f"terminate must not run the exit handler; the workflow ran {handler} "
                         f"(message: {wf['status'].get('message', '')!r})")
    assert wfapi.phase(wf) == "Failed", (f"a terminated workflow must end Failed; it ended {wfapi.phase(wf)} "
                                         f"(message: {wf['status'].get('message', '')!r})")
    assert wf["spec"].get("shutdown") == "Terminate", (f"terminate through the API must set spec.shutdown: "
                                                       f"Terminate; the workflow has {wf['spec'].get('shutdown')!r}")


@pytest.mark.conformance(id="server.retry-with-parameters", area="server")
def test_retry_with_parameters(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    """Retrying a failed workflow through the Argo Server with new parameters MUST rerun its failed step with those
    values and MUST NOT rerun its succeeded steps."""
    _needs_server(argo)
    ns = argo_workflows.namespace
    name = argo_workflows.submit(argo_workflows.load("pods-retry"))
    failed = argo_workflows.wait_phase(name, "Failed")
    first = shapes.node(failed, "first")
    with pod_spec.retry_rest(argo_workflows) as rest:
        rest.call("PUT", f"/api/v1/workflows/{ns}/{name}/retry",
                  {"namespace": ns, "name": name, "parameters": ["fail=no"]})
    wf = argo_workflows.wait(name, lambda w: wfapi.phase(w) in wfapi.TERMINAL and w["status"].get("startedAt")
                             != failed["status"].get("startedAt"), "end after the retry", timeout=120,
                             fail_fast=False)
    second = shapes.node(wf, "second")
    assert wfapi.phase(wf) == "Succeeded" and second["phase"] == "Succeeded", (
        f"retried with fail=no, the failed step `second` must pass: it ended {second['phase']} and the workflow "
        f"{wfapi.phase(wf)} (message: {wf['status'].get('message', '')!r}); parameters now "
        f"{wf['spec'].get('arguments', {}).get('parameters')}")
    again = shapes.node(wf, "first")
    assert (again["id"], again.get("startedAt")) == (first["id"], first.get("startedAt")), (
        f"the succeeded step `first` must not be rerun by a retry: it started at {first.get('startedAt')}, "
        f"now at {again.get('startedAt')}")
