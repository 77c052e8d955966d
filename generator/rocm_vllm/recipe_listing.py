"""The recipe and stack listing `rocm-vllm catalog --recipes` prints: what each recipe serves, on which GPUs,
at which precision, and what each stack holds (the listing Chart-index.yaml carried before it became a Helm
repository index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rocm_vllm.catalog import Catalog
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.recipe import Recipe
from rocm_vllm.stack import StackResult


def recipe_precision(recipe: Recipe, catalog: Catalog) -> dict[str, str]:
    """Weights' format in GPU memory (after any quantization at load), activation dtype, KV cache dtype."""
    from rocm_vllm.capacity import weight_storage_dtype

    found = catalog.checkpoint(recipe.model_id)
    if found is None:
        raise InvalidInputError(f"recipe {recipe.name}: model {recipe.model_id} is not in the catalog")
    precision = {
        "weights": weight_storage_dtype(found[1], recipe.quantization, recipe.dtype),
        "dtype": recipe.dtype,
        "kvCacheDtype": recipe.kv_cache_dtype,
    }
    if recipe.quantization:
        precision["quantization"] = recipe.quantization
    return precision


def recipe_entry(recipe: Recipe, catalog: Catalog) -> dict[str, Any]:
    """A recipe in the listing: name, model, GPU, GPUs and nodes per replica, precision, goal."""
    return {
        "name": recipe.name,
        "model": recipe.model_id,
        "gpu": recipe.gpu,
        "gpus": recipe.gpus_per_replica,
        "nodes": recipe.nodes_per_replica,
        "precision": recipe_precision(recipe, catalog),
        "goal": recipe.goal,
    }


def stack_entry(stack: StackResult) -> dict[str, Any]:
    """A stack in the listing: its models (key, served name, recipe, GPUs per replica, starting replicas) and
    the GPUs the whole stack holds at its starting replicas."""
    return {
        "name": stack.name,
        "models": [
            {
                "key": model.key,
                "servedModelName": model.served_name,
                "recipe": model.recipe.name,
                "gpu": model.recipe.gpu,
                "gpus": model.recipe.gpus_per_replica,
                "replicas": model.replicas[0],
            }
            for model in stack.models
        ],
        "totalGpus": stack.total_gpus(),
    }


def recipe_listing(
    recipes: Sequence[Recipe], catalog: Catalog, stacks: Sequence[StackResult] = ()
) -> dict[str, list[dict[str, Any]]]:
    """{"recipes": [...], "stacks": [...]}, each list sorted by name."""
    return {
        "recipes": [recipe_entry(r, catalog) for r in sorted(recipes, key=lambda r: r.name)],
        "stacks": [stack_entry(s) for s in sorted(stacks, key=lambda s: s.name)],
    }


def listing_text(listing: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The listing as aligned text lines: one line per recipe, then one per stack."""
    lines = ["Recipes:"]
    width = max((len(r["name"]) for r in listing["recipes"]), default=0)
    for r in listing["recipes"]:
        weights = r["precision"]["weights"]
        lines.append(
            f"  {r['name']:<{width}}  {r['gpu']:<7} {r['gpus']:>3} GPU(s) {r['nodes']} node(s)  "
            f"{weights:<8} {r['goal']:<10} {r['model']}"
        )
    lines.append("Stacks:")
    for s in listing["stacks"]:
        models = ", ".join(f"{m['servedModelName']} ({m['recipe']} x{m['replicas']})" for m in s["models"])
        lines.append(f"  {s['name']}  {s['totalGpus']} GPU(s): {models}")
    return lines
