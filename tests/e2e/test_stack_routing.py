"""A stack on kind: the example stack (three models, one of them a LeaderWorkerSet) with the vLLM simulator standing
in for vLLM behind vLLM production-stack's router. A request for model A reaches A's pods, for model B reaches B's.

Each model's simulator answers only to its own served name (ci/kind/stacks/mi300x-mixed-stand-in.yaml), so a
completion for A that succeeds through the router was served by A's pods; the same request sent straight to B's
Service is refused, which proves the simulators cannot mask a wrong route.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .kube import KIND_DIR, REPO_ROOT, Cluster, CommandError, wait_until
from .release import INSTALL_TIMEOUT, SERVING_PORT, Client, wait_for_models

pytestmark = pytest.mark.e2e

STACK_CHART = REPO_ROOT / "charts" / "rocm-vllm-stack"
VALUES = [
    REPO_ROOT / "values" / "stacks" / "mi300x-mixed.yaml",
    KIND_DIR / "stacks" / "mi300x-mixed-stand-in.yaml",
]
RELEASE = "mixed"
ROUTER = f"{RELEASE}-router"
MODELS = {"llama-3.1-8b": "llama-8b", "llama-3.1-70b": "llama-70b", "llama-3.1-405b": "llama-405b"}


@pytest.fixture
def stack(cluster: Cluster, namespace: str) -> Iterator[Client]:
    cluster.run(["helm", "dependency", "build", str(STACK_CHART)])
    args = ["install", RELEASE, str(STACK_CHART), "--wait", "--timeout", INSTALL_TIMEOUT]
    for path in VALUES:
        args += ["--values", str(path)]
    cluster.helm(*args, namespace=namespace)
    yield Client(cluster, namespace).start()
    cluster.helm("uninstall", RELEASE, "--wait", namespace=namespace)


def complete(client: Client, host: str, model: str, port: int = SERVING_PORT) -> dict[str, object] | None:
    body = json.dumps({"model": model, "prompt": "hello", "max_tokens": 4})
    try:
        out = client.exec(
            "wget",
            "-q",
            "-T",
            "20",
            "-O",
            "-",
            "--header",
            "Content-Type: application/json",
            "--post-data",
            body,
            f"http://{host}:{port}/v1/completions",
        )
    except CommandError:
        return None
    answer: dict[str, object] = json.loads(out)
    return answer


def test_router_lists_every_model_and_routes_by_model_name(
    stack: Client, cluster: Cluster, namespace: str
) -> None:
    client = stack
    listed = wait_for_models(client, ROUTER, timeout_s=300)
    assert sorted(listed) == sorted(MODELS)
    for served, key in MODELS.items():
        answer = wait_until(
            f"completion for {served} via the router",
            lambda s=served: complete(client, ROUTER, s),
            timeout_s=120,
        )
        assert answer["model"] == served
        # Straight to the model's own Service it works; to another model's Service it is refused.
        assert complete(client, f"{RELEASE}-{key}", served) is not None
        other = next(k for s, k in MODELS.items() if s != served)
        assert complete(client, f"{RELEASE}-{other}", served) is None, f"{other} accepted {served}"
    assert complete(client, ROUTER, "no-such-model") is None
    proc = cluster.helm("test", RELEASE, "--timeout", "300s", "--logs", namespace=namespace)
    for served in MODELS:
        assert f"OK: {served} is routed" in proc.stdout
