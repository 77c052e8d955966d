"""The kind stack overlay (ci/kind/stacks/) over the example stack's generated values renders, offline, a GPU-free
stack kind can schedule, in which each model's simulator answers only to its own served name and the router's
static backends point at those models' Services in the same order."""

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


def test_each_simulator_answers_to_the_name_the_router_routes_to_it() -> None:
    objects = render()
    (router,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "stack-router"]
    args = router["spec"]["template"]["spec"]["containers"][0]["args"]
    urls = args[args.index("--static-backends") + 1].split(",")
    names = args[args.index("--static-models") + 1].split(",")
    workloads = {k.removesuffix("-lws"): v for k, v in pod_specs(objects).items()}
    for url, name in zip(urls, names, strict=True):
        service = url.removeprefix("http://").split(".")[0]
        sim_args = workloads[service][0]["containers"][0]["args"]
        assert sim_args[sim_args.index("--served-model-name") + 1] == name
        assert workloads[service][0]["containers"][0]["image"].startswith(
            "ghcr.io/llm-d/llm-d-inference-sim:"
        )
    assert sorted(names) == ["llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b"]
