"""The Argo Server REST API of the proof of concept, with a least-privilege Bearer token (httpx)."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import Installation, WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo.install import pod_logs


@pytest.mark.conformance(id="server.submit-and-resubmit", area="server")
def test_rest_api_submit_and_resubmit(argo: Installation, argo_workflows: WorkflowRunner) -> None:
    """The Argo Server's REST API MUST report its version, submit a workflow from a WorkflowTemplate, list it, and
    resubmit it."""
    if argo.server is None:
        pytest.skip(f"the installation of {argo.topology.id} has no Argo Server")
    ns = argo_workflows.namespace
    argo_workflows.create_template(argo_workflows.load("template-greeting"))
    with argo_workflows.rest() as rest:
        assert rest.version()["version"].startswith(argo.server.release), rest.version()
        assert isinstance(rest.info(), dict)
        assert "greeting" in rest.templates(ns)

        first = rest.submit_template(ns, "greeting", {"message": "submitted-through-rest"})
        argo_workflows.submitted.append(first)
        wf = argo_workflows.wait_phase(first, "Succeeded")
        assert shapes.output_parameter(shapes.pod_nodes(wf)[0], "message") == "submitted-through-rest"

        again = rest.resubmit(ns, first)
        argo_workflows.submitted.append(again)
        wf = argo_workflows.wait_phase(again, "Succeeded")
        assert shapes.output_parameter(shapes.pod_nodes(wf)[0], "message") == "submitted-through-rest"

        # The boolean first, and no local holds the log: pytest's assertion explanation (and --showlocals) would
        # otherwise print the log, token and all.
        leaked = rest.leaked_into(pod_logs(argo.core(), argo.server.namespace, "app=argo-server", tail=500))
        assert not leaked, ("the Bearer token appears in the Argo Server's log (last 500 lines of the pods "
                            f"app=argo-server in {argo.server.namespace}; not shown here, as it holds the token)")
