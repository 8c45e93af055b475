"""The dsp-managed topology on a cluster that runs the Data Science Pipelines operator: write the cell's DSPA,
wait until the operator has rendered the workflow controller of the build under test, report the state of the
components the checks do not need, and delete the DSPA (and, through it, what the operator made) afterwards.

The DSPA itself is `dsp_layout.dspa`; this module only talks to the cluster."""

from __future__ import annotations

import logging
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.components.argo import dsp_layout
from pytest_argo_conformance.config.timeouts import API_REQUEST, DSPA_GONE
from pytest_argo_conformance.kube import objects

log = logging.getLogger(__name__)


class DSPAError(RuntimeError):
    """The cell's DSPA cannot be made, or was not reconciled (the message says what was seen)."""


def available(api: client.ApiClient) -> bool:
    """Whether the cluster serves the DSPA CRD (Data Science Pipelines is installed)."""
    try:
        client.ApiextensionsV1Api(api).read_custom_resource_definition(dsp_layout.CRD, _request_timeout=API_REQUEST)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _resource(api: client.ApiClient) -> Any:
    return kube.dynamic_client(api).resources.get(api_version=dsp_layout.API_VERSION, kind=dsp_layout.KIND)


def create(api: client.ApiClient, wanted: dict[str, Any], run_id: str) -> None:
    """Create the cell's DSPA; a DSPA in the namespace that this run did not make stops the cell with one line."""
    resource = _resource(api)
    namespace = wanted["metadata"]["namespace"]
    found = resource.get(namespace=namespace, _request_timeout=API_REQUEST).items
    foreign = [x.metadata.name for x in found
               if (x.metadata.labels or {}).get(kube.RUN_LABEL) != run_id]
    if foreign:
        raise DSPAError(f"namespace {namespace} already has DataSciencePipelinesApplication {', '.join(foreign)}, "
                        "which this run did not make; it is left as it is (one DSPA per namespace)")
    resource.create(body=wanted, namespace=namespace, _request_timeout=API_REQUEST)
    log.info("DSPA %s/%s created; waiting for the operator's workflow controller", namespace,
             wanted["metadata"]["name"])


def conditions(api: client.ApiClient, namespace: str, name: str = dsp_layout.NAME) -> list[str]:
    """The DSPA's status conditions as `Type=Status (reason: message)`, for the cell's notes."""
    try:
        found = _resource(api).get(name=name, namespace=namespace, _request_timeout=API_REQUEST)
    except ApiException as exc:
        return [f"(DSPA {namespace}/{name} not readable: {exc.reason})"]
    status = found.to_dict().get("status") or {}
    return [f"{c.get('type')}={c.get('status')} ({c.get('reason', '')}: {c.get('message', '')})".replace(" (: )", "")
            for c in status.get("conditions") or []] or ["(the DSPA has no status conditions yet)"]


def operator_images(api: client.ApiClient, namespace: str) -> tuple[str, str]:
    """The controller and executor images of the Deployment the operator rendered."""
    dep = client.AppsV1Api(api).read_namespaced_deployment(dsp_layout.deployment_name(), namespace,
                                                           _request_timeout=API_REQUEST)
    spec = objects.present(objects.present(dep.spec, "spec").template.spec, "spec.template.spec")
    container = spec.containers[0]
    args = list(container.args or [])
    executor = args[args.index("--executor-image") + 1] if "--executor-image" in args[:-1] else "(none)"
    return str(container.image), executor


def delete(api: client.ApiClient, namespace: str, run_id: str) -> None:
    """Delete the cell's DSPA (only if it is this run's) and wait until it and the operator's controller are gone."""
    dyn = kube.dynamic_client(api)

    def owner() -> str:
        return kube.object_owner(dyn, dsp_layout.API_VERSION, dsp_layout.KIND, dsp_layout.NAME, namespace=namespace,
                                 run_id=run_id)

    if owner() != "ours":
        return
    kube.delete_quietly(_resource(api).delete, name=dsp_layout.NAME, namespace=namespace)
    apps = client.AppsV1Api(api)

    def gone() -> tuple[bool, str]:
        left = []
        if owner() != "absent":
            left.append(f"DSPA {dsp_layout.NAME} ({'; '.join(conditions(api, namespace))})")
        deps = apps.list_namespaced_deployment(namespace, label_selector=f"dspa={dsp_layout.NAME}").items
        left += [f"deployment {objects.name(d)}" for d in deps]
        return not left, ", ".join(left)

    kube.wait_for(f"the DSPA in {namespace} and the workflow controller the operator made to be gone", gone,
                  DSPA_GONE)

