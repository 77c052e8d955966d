"""The kind suite's LoRA stack (ci/kind/stacks/lora-stand-in.yaml) renders, offline, a GPU-free stack whose router
sends each adapter name to its base model's Service, where the simulator serves exactly those adapters."""

from __future__ import annotations

import json
from typing import Any

import yaml

from rocm_vllm import helm
from rocm_vllm.kube_schema import validate_objects

from .paths import KIND_DIR, REPO_ROOT
from .test_kind_renders import CLUSTER_APIS

STACK_CHART = REPO_ROOT / "charts" / "rocm-vllm-stack"
VALUES = KIND_DIR / "stacks" / "lora-stand-in.yaml"


def render() -> list[dict[str, Any]]:
    values = yaml.safe_load(VALUES.read_text())
    rendered = helm.render_chart(STACK_CHART, values, release_name="lora", api_versions=CLUSTER_APIS)
    return helm.split_manifests(rendered)


def test_lora_stack_is_gpu_free_valid_and_downloads_nothing() -> None:
    objects = render()
    assert validate_objects(objects, "1.33.0") == []
    for obj in objects:
        if obj["kind"] == "Deployment":
            spec = obj["spec"]["template"]["spec"]
            assert "initContainers" not in spec, obj["metadata"]["name"]
            limits = (spec["containers"][0].get("resources") or {}).get("limits") or {}
            assert not [r for r in limits if "gpu" in r]


def test_router_sends_each_adapter_to_the_simulator_serving_it() -> None:
    objects = render()
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    args = deployments["lora-router"]["spec"]["template"]["spec"]["containers"][0]["args"]
    urls = args[args.index("--static-backends") + 1].split(",")
    names = args[args.index("--static-models") + 1].split(",")
    assert names == ["base-a", "base-a-sql", "base-a-support", "base-b"]
    for url, name in zip(urls, names, strict=True):
        service = url.removeprefix("http://").split(".")[0]
        sim = deployments[service]["spec"]["template"]["spec"]["containers"][0]["args"]
        served = sim[sim.index("--served-model-name") + 1]
        if name == served:
            continue
        start = sim.index("--lora-modules") + 1
        adapters = {
            json.loads(item)["name"]: json.loads(item) for item in sim[start:] if item.startswith("{")
        }
        assert name in adapters and adapters[name]["base_model_name"] == served, (name, service)
