"""charts/rocm-vllm-stack's inferencePools mode: an InferencePool, endpoint picker and model-name-matched HTTPRoute per
model, rendered through charts/rocm-vllm's named templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import helm
from rocm_vllm.errors import InvalidInputError

STACK = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm-stack"
MODELS: dict[str, Any] = {
    "qwen": {"model": {"id": "Qwen/Qwen3-8B"}},
    "llama": {
        "model": {"id": "meta-llama/Llama-3.1-8B-Instruct", "servedModelName": "llama"},
        "httpRoute": {"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}]},
    },
}
POOLS = {"inferencePools": {"enabled": True, "gateway": {"name": "gw", "namespace": "gateway-system"}}}


def render(values: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("api_versions", helm.CRD_API_VERSIONS)
    return helm.split_manifests(helm.render_chart(STACK, values, release_name="st", **kwargs))


def names(objects: list[dict[str, Any]], kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects if o["kind"] == kind)


def test_off_by_default_no_model_gets_a_pool() -> None:
    objects = render({"models": MODELS})
    assert names(objects, "InferencePool") == [] and names(objects, "HTTPRoute") == []


def test_every_model_gets_its_pool_picker_and_routes_by_model_name() -> None:
    objects = render({**POOLS, "models": MODELS})
    assert names(objects, "InferencePool") == ["st-llama", "st-qwen"]
    assert names(objects, "Role") == ["st-llama-epp", "st-qwen-epp"]
    assert {"st-llama-epp", "st-qwen-epp", "st-router"} <= set(names(objects, "Deployment"))
    pools = {o["metadata"]["name"]: o for o in objects if o["kind"] == "InferencePool"}
    assert pools["st-qwen"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "qwen"
    assert pools["st-qwen"]["spec"]["endpointPickerRef"]["name"] == "st-qwen-epp"
    routes = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "HTTPRoute"}
    header = {"type": "Exact", "name": "X-Gateway-Model-Name"}
    assert routes["st-qwen"]["parentRefs"] == [{"name": "gw", "namespace": "gateway-system"}]
    assert routes["st-qwen"]["rules"][0]["matches"] == [
        {"path": {"type": "PathPrefix", "value": "/"}, "headers": [{**header, "value": "Qwen/Qwen3-8B"}]}
    ]
    assert routes["st-llama"]["rules"][0]["matches"] == [
        {"path": {"type": "PathPrefix", "value": "/v1"}, "headers": [{**header, "value": "llama"}]}
    ]
    assert routes["st-llama"]["rules"][0]["backendRefs"] == [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "st-llama"}
    ]


def test_model_name_header_is_a_value() -> None:
    values = {**POOLS, "models": MODELS}
    values["inferencePools"] = {**POOLS["inferencePools"], "modelNameHeader": "x-model"}
    routes = [o for o in render(values) if o["kind"] == "HTTPRoute"]
    assert {r["spec"]["rules"][0]["matches"][0]["headers"][0]["name"] for r in routes} == {"x-model"}


def test_a_single_model_may_use_a_pool_without_the_stack_mode() -> None:
    models = {**MODELS, "qwen": {**MODELS["qwen"], "inferencePool": {"enabled": True}}}
    objects = render({"models": models})
    assert names(objects, "InferencePool") == ["st-qwen"] and names(objects, "ConfigMap") == ["st-qwen-epp"]


@pytest.mark.parametrize(
    ("values", "api_versions", "expected"),
    [
        ({"inferencePools": {"enabled": True}, "models": MODELS}, None, "inferencePools.gateway.name"),
        ({**POOLS, "models": MODELS}, (), "inference.networking.k8s.io/v1"),
    ],
    ids=["no-gateway", "no-pool-api"],
)
def test_invalid_stack_pool_values_say_what_to_change(
    values: dict[str, Any], api_versions: tuple[str, ...] | None, expected: str
) -> None:
    kwargs = {} if api_versions is None else {"api_versions": api_versions}
    with pytest.raises(InvalidInputError) as info:
        render(values, **kwargs)
    assert expected in str(info.value)
