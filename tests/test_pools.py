"""Prefill/decode pools of a recipe (rocm_vllm.pools), their chart values (rocm_vllm.values) and the rendered
NetworkPolicies' KV ports (rocm_vllm.kv_policy)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.kv_policy import closed_kv_ports, kv_listen_ports, pool_pods
from rocm_vllm.paths import chart_dir
from rocm_vllm.pools import pool_recipe
from rocm_vllm.render import RenderOptions, render_values
from rocm_vllm.validate import validate_paths
from rocm_vllm.values import recipe_to_values, values_schema_problems

CASE = Path(__file__).parent / "recipes" / "valid" / "pd-llama-1p1d.yaml"
PD_VALUES = yaml.safe_load((chart_dir() / "ci" / "pd-values.yaml").read_text())


def recipe() -> Any:
    result = validate_paths([CASE])
    assert result.ok, result.findings
    return result.recipes[0]


def test_a_pool_is_the_top_level_with_its_overlay() -> None:
    prefill, decode = pool_recipe(recipe(), "prefill"), pool_recipe(recipe(), "decode")
    assert (prefill.gpus_per_node, prefill.tensor) == (1, 1)
    assert (decode.gpus_per_node, decode.tensor) == (4, 4)
    assert prefill.model_id == decode.model_id == "meta-llama/Llama-3.3-70B-Instruct"
    assert prefill.gpu_device_ids == recipe().gpu_device_ids != ()
    # Lines: a field the overlay sets points into the overlay, an inherited one at the top level.
    assert prefill.document.line_of(("parallelism", "tensor")) > recipe().document.line_of(
        ("disaggregation",)
    )
    assert decode.document.line_of(("parallelism", "tensor")) < recipe().document.line_of(("disaggregation",))


def test_pool_values_are_overlays_of_what_differs() -> None:
    values = recipe_to_values(recipe())
    d = values["disaggregation"]
    assert d["enabled"] is True and d["connector"] == {"type": "NixlConnector"}
    assert d["prefill"]["gpu"] == {"count": 1}
    assert d["prefill"]["vllm"] == {"tensorParallelSize": 1}
    assert "model" not in d["prefill"] and "gpu" not in d["decode"]
    assert values_schema_problems(values, chart_dir()) == []


def test_a_recipe_without_disaggregation_writes_none() -> None:
    result = validate_paths([CASE.with_name("extras-and-deployment.yaml")])
    assert "disaggregation" not in recipe_to_values(result.recipes[0])


def rendered(values: dict[str, Any]) -> list[dict[str, Any]]:
    templates = helm.render_chart(chart_dir(), values, api_versions=helm.CRD_API_VERSIONS)
    return helm.split_manifests(templates)


def test_listen_ports_come_from_the_rendered_pods() -> None:
    pods = {p.role: p for p in pool_pods(rendered(PD_VALUES))}
    assert pods["prefill"].ports == (5600,) and pods["decode"].ports == (5600,)
    moriio = copy.deepcopy(PD_VALUES)
    moriio["disaggregation"]["connector"]["type"] = "MoRIIOConnector"
    pods = {p.role: p for p in pool_pods(rendered(moriio))}
    assert pods["decode"].ports == (6301, 6302, 6303, 6304, 61005, 61006, 61007, 61008)  # TP 4


def test_the_chart_leaves_no_kv_port_closed() -> None:
    assert closed_kv_ports(rendered(PD_VALUES)) == []


def test_a_side_channel_moved_by_a_pool_override_is_closed_and_refused() -> None:
    values = copy.deepcopy(PD_VALUES)
    values["disaggregation"]["prefill"]["vllm"]["extraEnv"] = [
        {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "value": "7000"}
    ]
    objects = rendered(values)
    (problem,) = closed_kv_ports(objects)
    assert "prefill pool's vLLM listens on TCP 7000" in problem and "disaggregation.connector" in problem
    with pytest.raises(InvalidInputError, match="close KV-transfer ports"):
        render_values(chart_dir(), values, RenderOptions(release_name="pd"))


def test_a_kv_policy_that_lost_its_port_is_reported() -> None:
    objects = rendered(PD_VALUES)
    for obj in objects:
        if obj["kind"] == "NetworkPolicy" and obj["metadata"]["name"].endswith("decode-kv"):
            obj["spec"]["ingress"][0]["ports"] = [{"port": 9999, "protocol": "TCP"}]
    (problem,) = closed_kv_ports(objects)
    assert problem.startswith("Deployment/rocm-vllm-decode: the decode pool's vLLM listens on TCP 5600")


def test_pods_without_a_connector_listen_on_nothing() -> None:
    template = {"spec": {"containers": [{"name": "vllm", "args": ["m", "--port", "8000"]}]}}
    assert kv_listen_ports(template) == ()
