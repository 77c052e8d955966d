"""The kind stack overlay (ci/kind/stacks/) over the example stack's generated values renders, offline, a GPU-free
stack kind can schedule, in which each model's simulator answers only to its own served name on the port the
router's pod discovery reads."""

from __future__ import annotations

from typing import Any

import yaml

from rocm_vllm import helm
from rocm_vllm.kube_schema import validate_objects

from .paths import KIND_DIR, REPO_ROOT
from .test_kind_renders import CLUSTER_APIS, helm_merge

STACK_CHART = REPO_ROOT / "charts" / "rocm-vllm-stack"
EXAMPLE = REPO_ROOT / "values" / "stacks" / "mi300x-mixed.yaml"
OVERLAY = KIND_DIR / "stacks" / "mi300x-mixed-stand-in.yaml"


def render() -> list[dict[str, Any]]:
    values = helm_merge(yaml.safe_load(EXAMPLE.read_text()), yaml.safe_load(OVERLAY.read_text()))
    rendered = helm.render_chart(STACK_CHART, values, release_name="stack", api_versions=CLUSTER_APIS)
    return helm.split_manifests(rendered)


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    specs: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        if obj["kind"] == "Deployment":
            specs[obj["metadata"]["name"]] = [obj["spec"]["template"]["spec"]]
        elif obj["kind"] == "LeaderWorkerSet":
            lwt = obj["spec"]["leaderWorkerTemplate"]
            specs[obj["metadata"]["name"]] = [lwt["leaderTemplate"]["spec"], lwt["workerTemplate"]["spec"]]
    return specs


def test_kind_stack_is_gpu_free_valid_and_schedulable() -> None:
    objects = render()
    assert validate_objects(objects, "1.33.0") == []
    assert not [o for o in objects if o["kind"] in {"PersistentVolumeClaim", "Job"}]
    for name, specs in pod_specs(objects).items():
        for spec in specs:
            for container in spec["containers"]:
                limits = (container.get("resources") or {}).get("limits") or {}
                assert not [r for r in limits if "gpu" in r], name
            assert "nodeAffinity" not in (spec.get("affinity") or {}), name
            assert not [e for e in spec["containers"][0].get("env", []) if e["name"] == "HF_TOKEN"], name


def test_each_simulator_answers_to_its_own_name_on_the_port_the_router_discovers() -> None:
    """Pod discovery: the router reads each pod's /v1/models on --k8s-port, so each model's simulator (the serving
    pod: single-node or leader) must listen there and answer to that model's served name alone."""
    objects = render()
    (router,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "stack-router"]
    args = router["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--service-discovery") + 1] == "k8s"
    port = args[args.index("--k8s-port") + 1]
    names = []
    for name, specs in pod_specs(objects).items():
        if name == "stack-router":
            continue
        container = specs[0]["containers"][0]
        sim_args = container["args"]
        assert sim_args[sim_args.index("--port") + 1] == port, name
        assert container["image"].startswith("ghcr.io/llm-d/llm-d-inference-sim:"), name
        names.append(sim_args[sim_args.index("--served-model-name") + 1])
    assert sorted(names) == ["llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b"]


def test_the_replica_stack_runs_two_labelled_replicas_behind_pod_discovery() -> None:
    """ci/kind/stacks/replicas-stand-in.yaml, as tests/e2e/test_replica_routing.py relies on it."""
    values = yaml.safe_load((KIND_DIR / "stacks" / "replicas-stand-in.yaml").read_text())
    rendered = helm.render_chart(STACK_CHART, values, release_name="replicas", api_versions=CLUSTER_APIS)
    objects = helm.split_manifests(rendered)
    assert validate_objects(objects, "1.33.0") == []
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    model = deployments["replicas-sim"]
    assert model["spec"]["replicas"] == 2
    assert model["spec"]["template"]["metadata"]["labels"]["model"] == "sim"  # the e2e test's pod selector
    args = deployments["replicas-router"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--service-discovery") + 1] == "k8s"
    assert [o["kind"] for o in objects if o["kind"] in {"Role", "RoleBinding"}] == ["Role", "RoleBinding"]
