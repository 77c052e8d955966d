"""The PodDisruptionBudget allows exactly the configured number of voluntary disruptions."""

from __future__ import annotations

import json

import pytest

from .kube import Cluster, load_manifest, wait_until
from .lws import is_ready
from .release import Release, values_files

pytestmark = pytest.mark.e2e

MAX_UNAVAILABLE = 1  # podDisruptionBudget.maxUnavailable in ci/kind/values/disruption.yaml
REPLICAS = 2  # replicaCount there


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
