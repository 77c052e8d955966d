"""LoRA on kind: a stack whose first model serves two LoRA adapters (ci/kind/stacks/lora-stand-in.yaml), with the
llm-d vLLM simulator standing in for vLLM (its --lora-modules) behind production-stack's router. A request naming an
adapter reaches its base model's pods; the other base model's Service refuses it, so the simulators cannot mask a
wrong route.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .kube import KIND_DIR, REPO_ROOT, Cluster, wait_until
from .release import INSTALL_TIMEOUT, Client, wait_for_models
from .test_stack_routing import complete

pytestmark = pytest.mark.e2e

STACK_CHART = REPO_ROOT / "charts" / "rocm-vllm-stack"
VALUES = KIND_DIR / "stacks" / "lora-stand-in.yaml"
RELEASE = "lora"
ROUTER = f"{RELEASE}-router"
ADAPTERS = ("base-a-sql", "base-a-support")


@pytest.fixture
def stack(cluster: Cluster, namespace: str) -> Iterator[Client]:
    cluster.run(["helm", "dependency", "build", str(STACK_CHART)])
    args = [
        "install",
        RELEASE,
        str(STACK_CHART),
        "--wait",
        "--timeout",
        INSTALL_TIMEOUT,
        "--values",
        str(VALUES),
    ]
    cluster.helm(*args, namespace=namespace)
    yield Client(cluster, namespace).start()
    cluster.helm("uninstall", RELEASE, "--wait", namespace=namespace)


def test_a_lora_name_routes_to_its_base_models_pods(stack: Client) -> None:
    client = stack
    listed = wait_for_models(client, ROUTER, timeout_s=300)
    assert set(ADAPTERS) | {"base-a", "base-b"} <= set(listed)
    # The base model's own Service lists its adapters (vLLM: /v1/models, each with the base as parent).
    assert set(ADAPTERS) <= set(wait_for_models(client, f"{RELEASE}-base-a"))
    for adapter in ADAPTERS:
        answer = wait_until(
            f"completion for {adapter} via the router",
            lambda a=adapter: complete(client, ROUTER, a),
            timeout_s=120,
        )
        assert answer["model"] == adapter
        assert complete(client, f"{RELEASE}-base-a", adapter) is not None
        assert complete(client, f"{RELEASE}-base-b", adapter) is None, f"base-b accepted {adapter}"
