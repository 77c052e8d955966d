"""Recipe selection over the real recipe catalog: fit first, then goal, GPU generation, precision, GPU count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rocm_vllm.inventory import NodePool, gpu_model_for_labels, pools_from_nodes
from rocm_vllm.recipe import Recipe
from rocm_vllm.select import select_recipe
from rocm_vllm.validate import default_context, validate_paths

REPO = Path(__file__).resolve().parents[1]
NODES = REPO / "tests" / "fixtures" / "nodes"
LLAMA_405B = "meta-llama/Llama-3.1-405B-Instruct"


@pytest.fixture(scope="module")
def catalog_recipes() -> list[Recipe]:
    result = validate_paths([REPO / "recipes"])
    assert result.ok
    return result.recipes


def test_small_model_fits_one_mi300x(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    selection = select_recipe(
        "meta-llama/Llama-3.1-8B-Instruct", catalog_recipes, [NodePool("MI300X", 1, 1)], catalog
    )
    assert selection.chosen is not None
    assert selection.chosen.recipe.gpus_per_replica == 1 and selection.chosen.recipe.gpu == "MI300X"
    # Both 1-GPU recipes fit; the FP8 one wins on the default precision preference.
    assert selection.chosen.precision == "fp8"
    assert "preferred over llama-3-1-8b-mi300x-bf16-tp1-throughput by precision" in selection.why


def test_405b_on_one_node_rejects_the_two_node_recipes(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    selection = select_recipe(
        LLAMA_405B, catalog_recipes, [NodePool("MI300X", 8, 1)], catalog, goal="throughput"
    )
    assert selection.chosen is not None
    assert selection.chosen.recipe.name == "llama-3-1-405b-mi300x-bf16-tp8-throughput"
    rejected = {c.recipe.name: c.reasons[0] for c in selection.rejected}
    assert "needs 2 node(s) x 8 MI300X" in rejected["llama-3-1-405b-mi300x-bf16-2node-ray"]
    assert "needs MI355X GPUs" in rejected["llama-3-1-405b-mi355x-fp8-tp8-latency"]


def test_405b_on_two_nodes_can_use_the_two_node_recipe(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    pools = [NodePool("MI300X", 8, 2)]
    selection = select_recipe(
        LLAMA_405B, catalog_recipes, pools, catalog, goal="throughput", precision_preference=("bfloat16",)
    )
    names = [c.recipe.name for c in selection.ranked]
    assert "llama-3-1-405b-mi300x-bf16-2node-ray" in names
    # Equal on goal, generation and precision: fewer GPUs ranks first.
    assert names.index("llama-3-1-405b-mi300x-bf16-tp8-throughput") < names.index(
        "llama-3-1-405b-mi300x-bf16-2node-ray"
    )
    assert not any(c.recipe.name == "llama-3-1-405b-mi300x-bf16-2node-ray" for c in selection.rejected)


def test_mi355x_inventory_prefers_mi355x_recipes(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    pools = [NodePool("MI300X", 8, 2), NodePool("MI355X", 8, 2)]
    selection = select_recipe(LLAMA_405B, catalog_recipes, pools, catalog)
    assert selection.chosen is not None and selection.chosen.recipe.gpu == "MI355X"
    selection = select_recipe("deepseek-ai/DeepSeek-R1", catalog_recipes, pools, catalog, goal="throughput")
    assert selection.chosen is not None
    assert selection.chosen.recipe.name == "deepseek-r1-mi355x-fp8-dp8-ep-throughput"
    selection = select_recipe(LLAMA_405B, catalog_recipes, pools, catalog, goal="throughput")
    # The only throughput recipes for Llama 3.1 405B here are MI300X ones: goal outranks GPU generation.
    assert selection.chosen is not None and selection.chosen.recipe.gpu == "MI300X"


def test_no_feasible_recipe_names_the_nearest(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    selection = select_recipe("deepseek-ai/DeepSeek-R1", catalog_recipes, [NodePool("MI300X", 4, 1)], catalog)
    assert selection.chosen is None and selection.nearest is not None
    assert selection.nearest.recipe.name == "deepseek-r1-mi300x-fp8-tp8-throughput"


def test_requested_checkpoint_wins_a_tie_with_a_sibling_checkpoint(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    pools = [NodePool("MI300X", 8, 1)]
    # The R1 and R1-0528 8x MI300X throughput recipes tie on goal, GPU, precision and GPU count.
    selection = select_recipe("deepseek-ai/DeepSeek-R1", catalog_recipes, pools, catalog, goal="throughput")
    assert selection.chosen is not None
    assert selection.chosen.recipe.name == "deepseek-r1-mi300x-fp8-tp8-throughput"
    assert "preferred over deepseek-r1-0528-mi300x-fp8-tp8-ep-throughput by checkpoint" in selection.why
    selection = select_recipe(
        "deepseek-ai/DeepSeek-R1-0528", catalog_recipes, pools, catalog, goal="throughput"
    )
    assert selection.chosen is not None
    assert selection.chosen.recipe.name == "deepseek-r1-0528-mi300x-fp8-tp8-ep-throughput"
    assert "preferred over deepseek-r1-mi300x-fp8-tp8-throughput by checkpoint" in selection.why


def test_unknown_model_has_no_candidates(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    selection = select_recipe("org/unknown", catalog_recipes, [NodePool("MI300X", 8, 1)], catalog)
    assert selection.chosen is None and "rocm-vllm plan" in selection.why[0]


def test_ties_are_broken_by_name_deterministically(catalog_recipes: list[Recipe]) -> None:
    catalog = default_context().catalog
    pools = [NodePool("MI300X", 8, 4)]
    first = select_recipe(LLAMA_405B, catalog_recipes, pools, catalog)
    second = select_recipe(LLAMA_405B, list(reversed(catalog_recipes)), pools, catalog)
    assert [c.recipe.name for c in first.ranked] == [c.recipe.name for c in second.ranked]


def test_pools_from_recorded_nodes() -> None:
    catalog = default_context().catalog
    raw = json.loads((NODES / "mixed-mi300x-mi355x.json").read_text())["items"]
    pools, notes = pools_from_nodes(raw, catalog)
    assert pools == [NodePool("MI300X", 8, 2), NodePool("MI355X", 8, 2)]
    assert any("mi300x-cordoned: cordoned" in n for n in notes)
    assert any("mystery-0" in n and "match no catalog GPU" in n for n in notes)


def test_gpu_model_by_device_id_then_product_name() -> None:
    catalog = default_context().catalog
    assert gpu_model_for_labels({"amd.com/gpu.device-id": "74B5"}, catalog) == "MI300X"
    assert gpu_model_for_labels({"amd.com/gpu.product-name": "AMD_Instinct_MI300X_OAM"}, catalog) == "MI300X"
    assert gpu_model_for_labels({}, catalog) is None
