"""The start budget by hand: an 8B, a 70B and a 405B recipe at stated bandwidths, and the probe each produces."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm.checks import check_recipe_data
from rocm_vllm.findings import Severity
from rocm_vllm.recipe import Recipe
from rocm_vllm.startup import start_budget, startup_defaults, weight_source
from rocm_vllm.validate import default_context
from rocm_vllm.values import recipe_to_values

RECIPES = Path(__file__).resolve().parents[1] / "recipes"


def _recipe(name: str, **sections: dict[str, Any]) -> Recipe:
    data = yaml.safe_load((RECIPES / f"{name}.yaml").read_text(encoding="utf-8"))
    for section, fields in sections.items():
        data.setdefault(section, {}).update(copy.deepcopy(fields))
    recipe, findings = check_recipe_data(data, default_context(), source=f"{name}.yaml")
    assert recipe is not None and not [f for f in findings if f.severity is Severity.ERROR], findings
    return recipe


def test_defaults_are_the_documented_ones() -> None:
    d = startup_defaults()
    assert (d.image_size_gb, d.registry_mbps, d.probe_period_s, d.probe_margin) == (30, 125, 10, 1.5)
    assert d.weight_sources_mbps == {
        "claim": 500,
        "nodeLocal": 2000,
        "objectStorage": 1000,
        "huggingFace": 100,
    }
    assert sum(d.compile_cold.values()) == 1020 and sum(d.compile_warm.values()) == 105
    assert d.graph_capture_s == 120


def test_8b_from_the_hub_at_100_mb_s() -> None:
    recipe = _recipe("llama-3-1-8b-mi300x-bf16-tp1-throughput")
    budget = start_budget(recipe)
    assert budget.source == "huggingFace"
    steps = {s.name: s.seconds for s in budget.steps}
    # 30 GB image at 125 MB/s; 16,059,990,016 B of BF16 weights at 100 MB/s
    assert steps["image pull"] == pytest.approx(240)
    assert steps["weights"] == pytest.approx(160.5999)
    # in the container: 160.6 + 1,020 compile (cold) + 120 graph capture = 1,300.6 s; x 1.5 / 10 s -> 196
    assert budget.probe_seconds == pytest.approx(1300.5999)
    assert budget.probe_failure_threshold == 196
    assert budget.cold_seconds == pytest.approx(1540.5999)
    assert budget.warm_seconds is None
    values = recipe_to_values(recipe)
    assert values["probes"] == {"startup": {"periodSeconds": 10, "failureThreshold": 196}}


def test_70b_tp8_from_a_shared_claim_at_500_mb_s_with_the_compile_cache() -> None:
    recipe = _recipe(
        "llama-3-1-70b-mi300x-bf16-tp8-latency",
        deployment={"cache": {"existingClaim": "llama-70b-cache"}},
        startup={"storageMBps": 500, "registryMBps": 250, "compileCache": True},
    )
    budget = start_budget(recipe)
    assert weight_source(recipe) == "claim"
    steps = {s.name: s.seconds for s in budget.steps}
    assert steps["image pull"] == pytest.approx(120)  # 30 GB at 250 MB/s
    assert steps["weights"] == pytest.approx(282.2096)  # 141,104,775,168 B at 500 MB/s
    # probe: (282.2 + 1,020 + 120) x 1.5 = 2,133.3 s -> 214 x 10 s; sized cold, so the first pod survives
    assert budget.probe_failure_threshold == 214
    assert budget.cold_seconds == pytest.approx(1542.2096)
    # warm: the compile steps drop from 1,020 s to 105 s for the pods after the first
    assert budget.warm_seconds == pytest.approx(627.2096)
    values = recipe_to_values(recipe)
    assert values["probes"]["startup"]["failureThreshold"] == 214
    assert values["compileCache"] == {"enabled": True, "gpuArch": "gfx942"}


def test_405b_fp8_streamed_from_object_storage_at_1000_mb_s_prepulled() -> None:
    recipe = _recipe(
        "llama-3-1-405b-mi300x-fp8-tp8-latency",
        deployment={"objectStorage": {"uri": "s3://models/llama-405b-fp8", "credentialsSecret": "s3-models"}},
        startup={"imagePrepull": True},
    )
    budget = start_budget(recipe)
    steps = {s.name: s.seconds for s in budget.steps}
    assert budget.source == "objectStorage"
    assert steps["image pull"] == 0  # the DaemonSet pulled it
    # 405,849,243,648 B at 1,000 MB/s, plus the BF16 embedding table and LM head an FP8 checkpoint keeps
    # (2 x 128,256 x 16,384 x 1 B more than FP8): 410,051,936,256 B
    assert steps["weights"] == pytest.approx(410.051936256)
    # (410.1 + 1,140) x 1.5 = 2,325.1 s -> 233
    assert budget.probe_failure_threshold == 233
    values = recipe_to_values(recipe)
    assert values["objectStorage"] == {
        "enabled": True,
        "uri": "s3://models/llama-405b-fp8",
        "credentialsSecret": "s3-models",
    }
    assert values["imagePrepull"] == {"enabled": True}


def test_405b_fp8_from_the_hub_gets_a_much_longer_probe_than_the_old_fixed_30_minutes() -> None:
    budget = start_budget(_recipe("llama-3-1-405b-mi300x-fp8-tp8-latency"))
    # 4,100.5 s of download + 1,140 s = 5,240.5 s; x 1.5 / 10 -> 787 (131 minutes, not 30)
    assert budget.probe_failure_threshold == 787


def test_multi_node_recipes_size_the_worker_probe_too() -> None:
    recipe = _recipe("llama-3-1-405b-mi300x-bf16-2node-ray")
    budget = start_budget(recipe)
    assert budget.source == "claim"
    # each pod reads its pipeline stage: 810 GB / 2 nodes at 500 MB/s = 811.7 s
    assert {s.name: s.seconds for s in budget.steps}["weights"] == pytest.approx(811.698487296)
    probes = recipe_to_values(recipe)["probes"]
    assert probes["startup"] == probes["worker"]["startup"] == {"periodSeconds": 10, "failureThreshold": 293}


def test_node_local_tier_and_its_bandwidth() -> None:
    recipe = _recipe(
        "llama-3-1-70b-mi300x-bf16-tp8-latency", deployment={"nodeCache": {"hostPath": "/mnt/nvme/models"}}
    )
    budget = start_budget(recipe)
    assert budget.source == "nodeLocal"
    assert {s.name: s.seconds for s in budget.steps}["weights"] == pytest.approx(70.5523875840)


def test_every_recipe_probe_comes_from_its_budget() -> None:
    from rocm_vllm.validate import validate_paths

    result = validate_paths([RECIPES])
    assert len(result.recipes) >= 20
    for recipe in result.recipes:
        generated = yaml.safe_load(
            (RECIPES.parent / "values" / f"{recipe.name}.yaml").read_text(encoding="utf-8")
        )
        assert (
            generated["probes"]["startup"]["failureThreshold"] == start_budget(recipe).probe_failure_threshold
        )
