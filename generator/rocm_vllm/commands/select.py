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
@click.option(
    "--gpus-per-node",
    type=click.IntRange(1, 64),
    help="Allocatable GPUs per node (partitions, with --partition).",
)
@click.option(
    "--partition",
    help="Partition profile of the --gpu nodes' GPUs, e.g. cpx_nps4 (an MI300X in CPX mode: 8 partitions per GPU).",
)
@click.option(
    "--nodes", type=click.IntRange(1, 10000), default=1, show_default=True, help="Nodes of that kind."
)
@click.option(
    "--from-cluster",
    is_flag=True,
    help="Read the inventory from the current kubeconfig's cluster (node labels and allocatable, and the AMD DRA "
    "driver's ResourceSlices where the cluster serves resource.k8s.io).",
)
@click.option(
    "--nodes-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Read the inventory from recorded node objects (`kubectl get nodes -o json`).",
)
@click.option(
    "--resource-slices",
    "slices_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Also read recorded DRA ResourceSlices (`kubectl get resourceslices -o json`); alone or with --nodes-file.",
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
    partition: str | None,
    nodes: int,
    from_cluster: bool,
    nodes_file: Path | None,
    slices_file: Path | None,
    kube_context: str | None,
    goal: str | None,
    prefer_precision: str,
    output_format: str,
    catalog_dirs: tuple[Path, ...],
    recipes_dir: Path,
) -> ExitCode:
    """Choose the recipe for MODEL (a Hugging Face id or catalog name) that best fits the inventory."""
    from rocm_vllm import inventory
    from rocm_vllm.findings import write_out
    from rocm_vllm.inventory import NodePool
    from rocm_vllm.partitions import PROFILE_PATTERN
    from rocm_vllm.select import render_selection_text, select_recipe
    from rocm_vllm.validate import validate_paths

    sources = sum([bool(gpu), from_cluster, nodes_file is not None or slices_file is not None])
    if sources != 1:
        raise UsageError(
            "give the inventory one way: --gpu/--gpus-per-node/--nodes, --from-cluster or "
            "--nodes-file/--resource-slices"
        )
    if partition is not None and not gpu:
        raise UsageError(
            "--partition describes the --gpu nodes; the other inventories carry their own partitions"
        )
    if partition is not None and not PROFILE_PATTERN.match(partition):
        raise UsageError(
            f"--partition {partition!r}: a profile is <compute>_<memory> in lower case, e.g. cpx_nps4"
        )
    context = check_context(catalog_dirs)
    notes: list[str] = []
    if gpu:
        if gpu not in context.catalog.gpus:
            raise UsageError(f"unknown GPU '{gpu}'; known: {', '.join(context.catalog.gpus)}")
        if partition and context.catalog.gpus[gpu].partition_mode(partition) is None:
            modes = ", ".join(m.profile for m in context.catalog.gpus[gpu].partitions) or "none"
            raise UsageError(
                f"--partition {partition}: not a partition mode of {gpu} in the catalog ({modes})"
            )
        pools = [NodePool(gpu, gpus_per_node or 8, nodes, inventory.whole_or_partition(partition))]
    else:
        if from_cluster:
            raw_nodes = inventory.nodes_from_cluster(kube_context)
            raw_slices = inventory.slices_from_cluster(kube_context)
        else:
            raw_nodes = inventory.nodes_from_file(nodes_file) if nodes_file is not None else []
            raw_slices = inventory.slices_from_file(slices_file) if slices_file is not None else []
        dra_pools, notes, dra_nodes = inventory.pools_from_resource_slices(raw_slices, context.catalog)
        plugin_pools, plugin_notes = inventory.pools_from_nodes(
            raw_nodes, context.catalog, skip_nodes=dra_nodes
        )
        pools, notes = inventory.merge_pools(dra_pools, plugin_pools), notes + plugin_notes
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
