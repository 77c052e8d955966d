"""Replica-aware routing on kind: the stack router's pod discovery sees both replicas of one model.

ci/kind/stacks/replicas-stand-in.yaml runs one model with two simulator pods behind the router
(router.serviceDiscovery pod). Each simulator counts the completions it served in vllm:request_success_total on
its own /metrics, read here per pod IP, so the counts show where the router sent each request: round-robin spreads
them over both replicas, and session routing keeps every request of one session on one replica.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from .kube import KIND_DIR, REPO_ROOT, Cluster, wait_until
from .release import INSTALL_TIMEOUT, SERVING_PORT, Client, wait_for_models

pytestmark = pytest.mark.e2e

STACK_CHART = REPO_ROOT / "charts" / "rocm-vllm-stack"
VALUES = KIND_DIR / "stacks" / "replicas-stand-in.yaml"
RELEASE = "replicas"
ROUTER = f"{RELEASE}-router"
MODEL = "sim"
SESSION_HEADER = "x-session-id"
SUCCESS = re.compile(
    r'^vllm:request_success_total\{[^}]*model_name="sim"[^}]*\}\s+([0-9.e+]+)$', re.MULTILINE
)


@pytest.fixture
def stack(cluster: Cluster, namespace: str) -> Iterator[Client]:
    cluster.run(["helm", "dependency", "build", str(STACK_CHART)])
    cluster.helm(
        "install",
        RELEASE,
        str(STACK_CHART),
        "--values",
        str(VALUES),
        "--wait",
        "--timeout",
        INSTALL_TIMEOUT,
        namespace=namespace,
    )
    yield Client(cluster, namespace).start()
    cluster.helm("uninstall", RELEASE, "--wait", namespace=namespace)


def replica_ips(cluster: Cluster, namespace: str) -> list[str]:
    pods = cluster.items("pod", namespace, f"app.kubernetes.io/instance={RELEASE},model={MODEL}")
    return sorted(p["status"]["podIP"] for p in pods if p["status"].get("podIP"))


def served_counts(client: Client, ips: list[str]) -> dict[str, float]:
    """Completions each replica served, from its own /metrics."""
    counts = {}
    for ip in ips:
        text = client.http_get(f"http://{ip}:{SERVING_PORT}/metrics")
        counts[ip] = sum(float(v) for v in SUCCESS.findall(text))
    return counts


def complete(client: Client, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"model": MODEL, "prompt": "hello", "max_tokens": 4})
    args = ["wget", "-q", "-T", "20", "-O", "-", "--header", "Content-Type: application/json"]
    for name, value in (headers or {}).items():
        args += ["--header", f"{name}: {value}"]
    answer = json.loads(
        client.exec(*args, "--post-data", body, f"http://{ROUTER}:{SERVING_PORT}/v1/completions")
    )
    assert answer["model"] == MODEL


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {ip: after[ip] - before.get(ip, 0.0) for ip in after}


def test_round_robin_spreads_and_sessions_stick(stack: Client, cluster: Cluster, namespace: str) -> None:
    client = stack
    assert wait_for_models(client, ROUTER, timeout_s=300) == [MODEL]
    ips = replica_ips(cluster, namespace)
    assert len(ips) == 2, ips

    # The router needs a discovery round to see both pods; until then a burst may all go to one.
    def spread() -> dict[str, float] | None:
        before = served_counts(client, ips)
        for _ in range(10):
            complete(client)
        got = delta(before, served_counts(client, ips))
        return got if all(n > 0 for n in got.values()) else None

    counts = wait_until("requests served by both replicas", spread, timeout_s=180, interval_s=10)
    assert sum(counts.values()) == 10 and all(n >= 3 for n in counts.values()), counts

    cluster.helm(
        "upgrade",
        RELEASE,
        str(STACK_CHART),
        "--values",
        str(VALUES),
        "--set",
        "router.routingLogic=session",
        "--set",
        f"router.sessionKey={SESSION_HEADER}",
        "--wait",
        "--timeout",
        INSTALL_TIMEOUT,
        namespace=namespace,
    )
    wait_for_models(client, ROUTER, timeout_s=300)
    for session in ("alice", "bob", "carol"):
        before = served_counts(client, ips)
        for _ in range(6):
            complete(client, {SESSION_HEADER: session})
        got = delta(before, served_counts(client, ips))
        assert sorted(got.values()) == [0.0, 6.0], f"session {session} spread over replicas: {got}"
