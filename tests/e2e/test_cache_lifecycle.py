"""The cache PVC survives `helm upgrade` (a new rollout) and `helm uninstall`."""

from __future__ import annotations

from typing import Any

import pytest

from .kube import Cluster, condition, wait_until
from .release import Release, values_files

pytestmark = pytest.mark.e2e


def bound_claim(release: Release) -> dict[str, Any] | None:
    claims = release.cluster.get("pvc", namespace=release.namespace)["items"]
    assert len(claims) == 1, f"expected one cache PVC, found {[c['metadata']['name'] for c in claims]}"
    return claims[0] if claims[0]["status"].get("phase") == "Bound" else None


def claims_mounted(release: Release) -> set[str]:
    return {
        volume["persistentVolumeClaim"]["claimName"]
        for pod in release.pods()
        if not pod["metadata"].get("deletionTimestamp")
        for volume in pod["spec"].get("volumes") or []
        if "persistentVolumeClaim" in volume
    }


def test_upgrade_rolls_out_and_uninstall_keeps_the_cache(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "cache", namespace, values_files(None, "cache"))
    release.install()
    claim = wait_until("cache PVC Bound", lambda: bound_claim(release), timeout_s=180)
    name, uid = claim["metadata"]["name"], claim["metadata"]["uid"]
    [deployment] = release.objects("deployment")
    old_template = deployment["spec"]["template"]

    release.upgrade("rocm.shmSize=96Mi")
    [deployment] = release.objects("deployment")
    assert deployment["spec"]["template"] != old_template, (
        "the changed value must roll out a new pod template"
    )
    available = condition(deployment, "Available")
    assert available and available["status"] == "True"
    assert deployment["status"].get("updatedReplicas") == deployment["spec"]["replicas"]
    after = cluster.get("pvc", name, namespace=namespace)
    assert after["metadata"]["uid"] == uid, "helm upgrade replaced the cache PVC"
    wait_until("new pods to mount the same claim", lambda: claims_mounted(release) == {name}, timeout_s=120)

    release.uninstall()
    kept = cluster.get("pvc", name, namespace=namespace)
    assert kept["metadata"]["uid"] == uid, "helm uninstall must keep the cache PVC"
