"""Single-node serving: the Deployment becomes Available and its Service answers the OpenAI API."""

from __future__ import annotations

import pytest

from .kube import Cluster, condition, wait_until
from .release import SERVED_MODEL, SERVING_PORT, Client, Release, values_files, wait_for_models

pytestmark = pytest.mark.e2e


def test_deployment_available_and_service_answers(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "single", namespace, values_files(None, "single-node"))
    release.install()

    [deployment] = release.objects("deployment")
    available = condition(deployment, "Available")
    assert available and available["status"] == "True", f"Deployment not Available: {deployment['status']}"
    assert release.objects("leaderworkerset") == [], "a single-node release must not create a LeaderWorkerSet"

    client = Client(cluster, namespace).start()
    service = release.serving_service()["metadata"]["name"]
    assert SERVED_MODEL in wait_for_models(client, service)
    wait_until(
        "/health",
        lambda: client.http_get(f"http://{service}:{SERVING_PORT}/health") is not None,
        timeout_s=60,
    )

    release.helm_test()
