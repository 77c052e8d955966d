"""`rocm-vllm plan MODEL --gpu GPU`: every layout of a model on a GPU type, with memory and a decode bound;
`rocm-vllm plan RECIPE.yaml`: a recipe's start budget, startup probe and KV offload."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, check_context, output_format_option
from rocm_vllm.errors import ExitCode


@click.command("plan")
@click.argument("model")
@click.option(
    "--gpu", help="GPU model from the catalog, e.g. MI300X (required with a MODEL, not a recipe file)."
)
@click.option("--gpus-per-node", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--max-nodes", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option(
    "--max-model-len",
    type=click.IntRange(-1),
    help="Context to size for (default: min(model's, 32768)); -1: the longest that fits each layout (vLLM's fit).",
)
@click.option("--dtype", default="auto", show_default=True)
@click.option(
    "--quantization", default=None, help="vLLM quantization method, e.g. fp8 (default: the checkpoint's)."
)
@click.option("--kv-cache-dtype", default="auto", show_default=True)
@click.option(
    "--gpu-memory-utilization", type=click.FloatRange(0, 1, min_open=True), default=0.9, show_default=True
)
@click.option(
    "--max-loras",
    type=click.IntRange(1, 256),
    default=None,
    help="Count LoRA slots in the memory (vLLM --max-loras; with --max-lora-rank, default 16).",
)
@click.option(
    "--max-lora-rank",
    type=click.Choice(["1", "8", "16", "32", "64", "128", "256", "320", "512"]),
    default=None,
    help="vLLM --max-lora-rank of the LoRA slots (with --max-loras, default 1).",
)
@click.option(
    "--aiter/--no-aiter",
    default=False,
    show_default=True,
    help="Size for VLLM_ROCM_USE_AITER=1 (MI300X/MI325X/MI355X): above TP 1 AITER's all-reduce takes 3 GiB per GPU.",
)
@click.option(
    "--all", "show_all", is_flag=True, help="JSON: include infeasible layouts (text always lists them)."
)
@output_format_option
@catalog_option
def plan(
    model: str,
    gpu: str | None,
    gpus_per_node: int,
    max_nodes: int,
    max_model_len: int | None,
    dtype: str,
    quantization: str | None,
    kv_cache_dtype: str,
    gpu_memory_utilization: float,
    max_loras: int | None,
    max_lora_rank: str | None,
    aiter: bool,
    show_all: bool,
    output_format: str,
    catalog_dirs: tuple[Path, ...],
) -> ExitCode:
    """Feasible (tensor, pipeline, nodes) layouts for MODEL (a Hugging Face id or catalog name) on --gpu.

    MODEL may instead be a recipe file (*.yaml): then plan shows its start budget (image pull, weights, compile,
    graph capture), the startup probe sized from it, and its KV offload buffer with the tokens it buys.
    """
    from rocm_vllm.findings import write_out
    from rocm_vllm.plan import (
        PlanRequest,
        plan_layouts,
        plan_recipe,
        render_plan_text,
        render_recipe_plan_text,
    )

    if model.endswith((".yaml", ".yml")):
        recipe_plan = plan_recipe(Path(model), check_context(catalog_dirs))
        if output_format == "json":
            write_out(json.dumps(recipe_plan.as_dict(), indent=2, sort_keys=True) + "\n")
        else:
            write_out(render_recipe_plan_text(recipe_plan))
        return ExitCode.OK
    if gpu is None:
        raise click.UsageError(
            "--gpu is required with a model (it is read from the recipe with a recipe file)"
        )

    request = PlanRequest(
        model=model,
        gpu=gpu,
        gpus_per_node=gpus_per_node,
        max_nodes=max_nodes,
        max_model_len=max_model_len,
        dtype=dtype,
        quantization=quantization,
        kv_cache_dtype=kv_cache_dtype,
        gpu_memory_utilization=gpu_memory_utilization,
        max_loras=max_loras,
        max_lora_rank=int(max_lora_rank) if max_lora_rank else None,
        aiter=aiter,
    )
    result = plan_layouts(request, check_context(catalog_dirs))
    if output_format == "json":
        layouts = result.layouts if show_all else result.feasible
        payload = {
            "model": result.hf_id,
            "catalogName": result.model_name,
            "gpu": gpu,
            "gpusPerNode": gpus_per_node,
            "maxModelLen": result.max_model_len,
            "aiter": aiter,
            "layouts": [layout.as_dict() for layout in layouts],
        }
        write_out(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    else:
        write_out(render_plan_text(result))
    return ExitCode.OK if result.feasible else ExitCode.INVALID_INPUT
