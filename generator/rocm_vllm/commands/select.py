"""`rocm-vllm select MODEL`: the best catalog recipe for the GPUs a cluster has, and why."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    output_format_option,
    recipes_dir_option,
)
from rocm_vllm.errors import ExitCode, UsageError


@click.command("select")
@click.argument("model")
@click.option("--gpu", help="GPU model of the inventory's nodes, e.g. MI300X.")
@click.option("--gpus-per-node", type=click.IntRange(1, 64), help="Allocatable GPUs per node.")
@click.option(
    "--nodes", type=click.IntRange(1, 10000), default=1, show_default=True, help="Nodes of that kind."
)
@click.option(
    "--from-cluster",
    is_flag=True,
    help="Read the inventory from the current kubeconfig's cluster (node labels).",
)
@click.option(
    "--nodes-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Read the inventory from recorded node objects (`kubectl get nodes -o json`).",
)
@click.option("--context", "kube_context", help="kubeconfig context for --from-cluster.")
@click.option("--goal", type=click.Choice(["latency", "throughput"]), help="Prefer recipes with this goal.")
@click.option(
    "--prefer-precision",
    default="fp8,bfloat16,float16,mxfp4",
    show_default=True,
    help="Weight formats in order of preference.",
)
@output_format_option
@catalog_option
@recipes_dir_option
def select(
    model: str,
    gpu: str | None,
    gpus_per_node: int | None,
    nodes: int,
    from_cluster: bool,
    nodes_file: Path | None,
    kube_context: str | None,
    goal: str | None,
    prefer_precision: str,
    output_format: str,
    catalog_dirs: tuple[Path, ...],
    recipes_dir: Path,
) -> ExitCode:
    """Choose the recipe for MODEL (a Hugging Face id or catalog name) that best fits the inventory."""
    from rocm_vllm.findings import write_out
    from rocm_vllm.inventory import NodePool, nodes_from_cluster, nodes_from_file, pools_from_nodes
    from rocm_vllm.select import render_selection_text, select_recipe
    from rocm_vllm.validate import validate_paths

    sources = sum([bool(gpu), from_cluster, nodes_file is not None])
    if sources != 1:
        raise UsageError(
            "give the inventory one way: --gpu/--gpus-per-node/--nodes, --from-cluster or --nodes-file"
        )
    context = check_context(catalog_dirs)
    notes: list[str] = []
    if gpu:
        if gpu not in context.catalog.gpus:
            raise UsageError(f"unknown GPU '{gpu}'; known: {', '.join(context.catalog.gpus)}")
        pools = [NodePool(gpu, gpus_per_node or 8, nodes)]
    else:
        raw = nodes_from_file(nodes_file) if nodes_file is not None else nodes_from_cluster(kube_context)
        pools, notes = pools_from_nodes(raw, context.catalog)
    if not recipes_dir.is_dir():
        raise UsageError(f"{recipes_dir}: recipe directory not found (set --recipes-dir)")
    validation = validate_paths([recipes_dir], context)
    preference = tuple(p.strip() for p in prefer_precision.split(",") if p.strip())
    selection = select_recipe(
        model, validation.recipes, pools, context.catalog, goal=goal, precision_preference=preference
    )
    selection.why += [f"note: {note}" for note in notes]
    skipped = sorted({f.file for f in validation.findings if f.severity.value == "error"})
    selection.why += [f"note: invalid recipe skipped: {path}" for path in skipped]
    if output_format == "json":
        write_out(json.dumps(selection.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        write_out(render_selection_text(selection))
    return ExitCode.INVALID_INPUT if selection.chosen is None else ExitCode.OK
