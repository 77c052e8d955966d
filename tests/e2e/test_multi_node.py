"""Multi-node serving on a LeaderWorkerSet: group formation, leader-only Service, recreation, scale-out."""

from __future__ import annotations

from typing import Any

import pytest

from .kube import Cluster, wait_until
from .lws import leader_address, ready_groups, resolves_from_pod
from .release import SERVED_MODEL, Client, Release, values_files, wait_for_models

pytestmark = pytest.mark.e2e

GROUP_SIZE = 2  # multiNode.nodesPerReplica in ci/kind/values/multi-node.yaml
CLIENT_IMAGE = "busybox:1.37.0"  # ci/kind/versions.yaml clientImage


def install(cluster: Cluster, namespace: str) -> Release:
    release = Release(cluster, "multi", namespace, values_files(None, "multi-node"))
    release.install()
    return release


def wait_for_groups(release: Release, count: int) -> dict[str, dict[str, dict[str, Any]]]:
    return wait_until(
        f"{count} Ready LeaderWorkerSet group(s) of {GROUP_SIZE}",
        lambda: g if (g := ready_groups(release.pods(), GROUP_SIZE)) and len(g) == count else None,
        timeout_s=420,
    )


def ready_endpoint_pods(cluster: Cluster, namespace: str, service: str) -> set[str]:
    slices = cluster.items("endpointslice", namespace, f"kubernetes.io/service-name={service}")
    return {
        ep["targetRef"]["name"]
        for s in slices
        for ep in s.get("endpoints") or []
        if ep.get("conditions", {}).get("ready") and ep.get("targetRef")
    }


def test_group_forms_and_service_reaches_only_the_leader(cluster: Cluster, namespace: str) -> None:
    release = install(cluster, namespace)
    [lws] = release.objects("leaderworkerset")
    assert lws["spec"]["leaderWorkerTemplate"]["size"] == GROUP_SIZE
    group = wait_for_groups(release, 1)["0"]
    leader, worker = group["0"], group["1"]

    address = leader_address(worker)
    assert resolves_from_pod(cluster, namespace, worker["metadata"]["name"], address, CLIENT_IMAGE), (
        f"LWS_LEADER_ADDRESS {address} does not resolve from the worker"
    )

    service = release.serving_service()["metadata"]["name"]
    endpoints = wait_until(
        f"endpoints of {service}", lambda: ready_endpoint_pods(cluster, namespace, service), timeout_s=120
    )
    assert endpoints == {leader["metadata"]["name"]}, (
        f"Service must reach only the leader, reaches {endpoints}"
    )

    client = Client(cluster, namespace).start()
    assert SERVED_MODEL in wait_for_models(client, service)
    release.helm_test()


def test_deleting_a_worker_recreates_the_group(cluster: Cluster, namespace: str) -> None:
    release = install(cluster, namespace)
    before = wait_for_groups(release, 1)["0"]
    old_uids = {p["metadata"]["uid"] for p in before.values()}

    cluster.kubectl("delete", "pod", before["1"]["metadata"]["name"], "--wait=false", namespace=namespace)

    def recreated() -> dict[str, dict[str, Any]] | None:
        groups = ready_groups(release.pods(), GROUP_SIZE)
        if not groups or len(groups) != 1:
            return None
        uids = {p["metadata"]["uid"] for p in groups["0"].values()}
        # RecreateGroupOnPodRestart: the leader is replaced along with the worker.
        return groups["0"] if not uids & old_uids else None

    wait_until("the group to be recreated with new leader and worker pods", recreated, timeout_s=420)


def test_scaling_to_two_replicas_creates_a_second_group(cluster: Cluster, namespace: str) -> None:
    release = install(cluster, namespace)
    wait_for_groups(release, 1)
    [lws] = release.objects("leaderworkerset")
    cluster.kubectl(
        "scale", f"leaderworkerset/{lws['metadata']['name']}", "--replicas=2", namespace=namespace
    )
    groups = wait_for_groups(release, 2)
    assert set(groups) == {"0", "1"}
