"""The PodDisruptionBudget allows exactly the configured number of voluntary disruptions; for a LeaderWorkerSet it
lets drains break at most one group at a time."""

from __future__ import annotations

import json

import pytest

from .kube import Cluster, load_manifest, wait_until
from .lws import groups, is_ready, ready_groups
from .release import Release, values_files

pytestmark = pytest.mark.e2e

MAX_UNAVAILABLE = 1  # podDisruptionBudget.maxUnavailable in ci/kind/values/disruption.yaml
REPLICAS = 2  # replicaCount there
GROUPS = 2  # replicaCount in ci/kind/values/disruption-groups.yaml
GROUP_SIZE = 2  # multiNode.nodesPerReplica there


def evict(cluster: Cluster, namespace: str, pod: str) -> bool:
    """POST an Eviction (as `kubectl drain` does); False when the API refuses it (HTTP 429, budget spent)."""
    body = load_manifest("eviction.yaml")
    body["metadata"].update(name=pod, namespace=namespace)
    proc = cluster.kubectl(
        "create",
        "--raw",
        f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction",
        "-f",
        "-",
        stdin=json.dumps(body),
        check=False,
    )
    if proc.returncode == 0:
        return True
    assert "disruption budget" in proc.stderr or "429" in proc.stderr, proc.stderr
    return False


def test_pdb_allows_exactly_max_unavailable_evictions(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "pdb", namespace, values_files(None, "disruption"))
    release.install()
    pods = wait_until(
        f"{REPLICAS} Ready pods",
        lambda: p if len(p := [x for x in release.pods() if is_ready(x)]) == REPLICAS else None,
        timeout_s=300,
    )
    [pdb] = release.objects("pdb")
    wait_until(
        f"PDB to allow {MAX_UNAVAILABLE} disruption(s)",
        lambda: (
            cluster.get("pdb", pdb["metadata"]["name"], namespace=namespace)["status"].get(
                "disruptionsAllowed"
            )
            == MAX_UNAVAILABLE
        ),
        timeout_s=120,
    )

    # Back to back: the eviction handler spends the budget at once, long before a replacement is Ready.
    results = [evict(cluster, namespace, p["metadata"]["name"]) for p in pods]
    assert results.count(True) == MAX_UNAVAILABLE, f"evictions allowed: {results}"


def test_lws_budget_breaks_at_most_one_group_at_a_time(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "pdbgroups", namespace, values_files(None, "disruption-groups"))
    release.install()
    formed = wait_until(
        f"{GROUPS} Ready groups of {GROUP_SIZE}",
        lambda: g if (g := ready_groups(release.pods(), GROUP_SIZE)) and len(g) == GROUPS else None,
        timeout_s=420,
    )
    [pdb] = release.objects("pdb")
    assert pdb["spec"]["maxUnavailable"] == 1
    wait_until(
        "PDB to allow one disruption",
        lambda: (
            cluster.get("pdb", pdb["metadata"]["name"], namespace=namespace)["status"].get(
                "disruptionsAllowed"
            )
            == 1
        ),
        timeout_s=120,
    )
    first, second = sorted(formed)
    untouched = {p["metadata"]["name"] for p in formed[second].values()}

    # A drain evicts the worker of the first group: allowed, and the whole group is recreated.
    assert evict(cluster, namespace, formed[first]["1"]["metadata"]["name"])
    # Back to back, as parallel drains would: every pod of the other group is refused while the first reloads.
    for pod in formed[second].values():
        assert not evict(cluster, namespace, pod["metadata"]["name"]), "a second group was broken"
    assert {p["metadata"]["name"] for p in groups(release.pods())[second].values()} == untouched

    # Once the recreated group serves again, the budget frees up for the next group.
    wait_until(
        f"{GROUPS} Ready groups again",
        lambda: g if (g := ready_groups(release.pods(), GROUP_SIZE)) and len(g) == GROUPS else None,
        timeout_s=420,
    )
    wait_until(
        "PDB to allow one disruption again",
        lambda: (
            cluster.get("pdb", pdb["metadata"]["name"], namespace=namespace)["status"].get(
                "disruptionsAllowed"
            )
            == 1
        ),
        timeout_s=120,
    )
    assert evict(cluster, namespace, formed[second]["1"]["metadata"]["name"])
