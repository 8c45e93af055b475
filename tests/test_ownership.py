"""What a cell's install writes, without a cluster: names of its own (so parallel runs and xdist workers stay
apart and a user's `argo-cluster-role` is never written), an instanceID for its controllers, no aggregated roles."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.components.argo.install import _global_objects, _renamed_for, cell_namespaces
from pytest_argo_conformance.kube.ownership import new_run_id, owner_labels

RBAC = "rbac.authorization.k8s.io/v1"


def test_cell_namespaces_carry_the_run_and_stay_within_63_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert cell_namespaces("0123456789ab", "v3-7-18-upstream-global") == (
        "acf-012345-v3-7-18-upstream-global", "acf-012345-v3-7-18-upstream-global-sys")
    long_a = cell_namespaces("0123456789ab", "a-very-long-build-name-of-a-vendor-fork-namespaced-copy")
    long_b = cell_namespaces("0123456789ab", "a-very-long-build-name-of-a-vendor-fork-native-namespaced")
    assert all(len(name) <= 63 for name in (*long_a, *long_b))
    assert long_a != long_b
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert cell_namespaces("0123456789ab", "b-dropin-global")[0] == "acf-012345-b-dropin-global-gw1"
    assert cell_namespaces("ffffff000000", "b-dropin-global")[0] == "acf-ffffff-b-dropin-global-gw1"


def test_cluster_scoped_objects_and_their_references_are_renamed_for_the_cell() -> None:
    objects: list[dict[str, Any]] = [
        {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": "argo-cluster-role"}},
        {"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": "argo-binding"},
         "roleRef": {"kind": "ClusterRole", "name": "argo-cluster-role"}},
        {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": "argo-binding", "namespace": "x"},
         "roleRef": {"kind": "Role", "name": "argo-role"}},
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "workflow-controller"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "workflow-controller"},
         "spec": {"template": {"spec": {"priorityClassName": "workflow-controller"}}}},
    ]
    renamed = _renamed_for(objects, "acf-1-sys")
    names = [(o["kind"], o["metadata"]["name"]) for o in renamed]
    assert names == [("ClusterRole", "argo-cluster-role-acf-1-sys"), ("ClusterRoleBinding", "argo-binding-acf-1-sys"),
                     ("RoleBinding", "argo-binding"), ("PriorityClass", "workflow-controller-acf-1-sys"),
                     ("Deployment", "workflow-controller")]
    assert renamed[1]["roleRef"]["name"] == "argo-cluster-role-acf-1-sys"
    assert renamed[2]["roleRef"]["name"] == "argo-role"  # a Role in the cell's own namespace keeps its name
    assert renamed[4]["spec"]["template"]["spec"]["priorityClassName"] == "workflow-controller-acf-1-sys"


def test_the_global_install_writes_no_upstream_cluster_name_and_no_aggregated_role(tmp_path: Any) -> None:
    install = tmp_path / "manifests" / "cluster-install"
    install.mkdir(parents=True)
    (install / "kustomization.yaml").write_text("resources: [rbac.yaml]\n")
    (install / "rbac.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: argo-aggregate-to-admin\n"
        "  labels:\n    rbac.authorization.k8s.io/aggregate-to-admin: 'true'\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: argo-cluster-role\n---\n"
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: argo\n")
    found = _global_objects(tmp_path, "acf-1-sys")
    assert sorted((o["kind"], o["metadata"]["name"], o["metadata"].get("namespace", "")) for o in found) == [
        ("ClusterRole", "argo-cluster-role-acf-1-sys", ""), ("ServiceAccount", "argo", "acf-1-sys")]


def test_run_ids_are_label_values_and_the_environment_shares_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARGO_CONFORMANCE_RUN_ID", raising=False)
    first, second = new_run_id(), new_run_id()
    assert first != second and len(first) == 12 and first.isalnum()
    monkeypatch.setenv("ARGO_CONFORMANCE_RUN_ID", "ABCDEF0123456789")
    assert new_run_id() == "abcdef012345"
    assert owner_labels("abcdef012345", "s3") == {"argo-conformance/owned": "true",
                                                   "argo-conformance/run": "abcdef012345",
                                                   "argo-conformance/component": "s3"}


SIGNALS_SCRIPT = """
import os, signal, sys
from pytest_argo_conformance.process import signals

assert signals.install()
steps = []
try:
    with signals.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        steps.append("after the first signal")
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("after the second signal")
except KeyboardInterrupt as exc:
    print("deferred, then raised", exc, signals.received(), steps)
signals.uninstall()
signals.install()
try:
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):
        pass
    print("SIGTERM did not interrupt")
except KeyboardInterrupt as exc:
    print("interrupted at once by", exc)
signals.uninstall()
print("restored", signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
"""


def test_a_signal_during_a_clean_up_waits_for_it_a_second_is_ignored_and_sigterm_interrupts() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SIGNALS_SCRIPT], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.stdout.splitlines() == [
        "deferred, then raised SIGTERM SIGTERM ['after the first signal', 'after the second signal']",
        "interrupted at once by SIGTERM",
        "restored True",
    ], done.stdout + done.stderr
    assert "SIGINT ignored: cleaning up after SIGTERM" in done.stderr
