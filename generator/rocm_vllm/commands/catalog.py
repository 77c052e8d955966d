"""`rocm-vllm catalog`: the GPUs and models the checks know (built in, plus --catalog directories), or with
--recipes the recipes and stacks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    output_format_option,
    recipes_dir_option,
    stop_on_errors,
)


@click.command("catalog")
@output_format_option
@click.option(
    "--recipes",
    "list_recipes",
    is_flag=True,
    help="List the recipes (model, GPUs, nodes, precision, goal) and stacks instead of the GPUs and models.",
)
@recipes_dir_option
@click.option(
    "--stacks-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("stacks"),
    show_default=True,
    help="The stacks --recipes lists.  [default: ./stacks, else the example stacks rocm-vllm ships]",
)
@catalog_option
def catalog(
    output_format: str,
    list_recipes: bool,
    recipes_dir: Path,
    stacks_dir: Path,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """List the GPUs and models the checks know, or with --recipes the recipes and stacks."""
    from rocm_vllm.catalog import load_catalog
    from rocm_vllm.findings import write_out

    if list_recipes:
        listing = _recipe_listing(recipes_dir, stacks_dir, catalog_dirs)
        if output_format == "json":
            write_out(json.dumps(listing, indent=2, sort_keys=True) + "\n")
        else:
            from rocm_vllm.recipe_listing import listing_text

            write_out("\n".join(listing_text(listing)) + "\n")
        return
    known = load_catalog(catalog_dirs)
    if output_format == "json":
        payload = {
            "gpus": {
                n: {
                    "arch": g.arch,
                    "memoryBytes": g.memory_bytes,
                    "precisions": list(g.precisions),
                    "deviceIds": list(g.device_ids),
                }
                for n, g in known.gpus.items()
            },
            "models": {n: [c.hf_id for c in m.checkpoints] for n, m in known.models.items()},
        }
        write_out(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return
    lines = ["GPUs:"]
    lines += [
        f"  {name:<8} {gpu.arch:<7} {gpu.memory_bytes / 1e9:>4.0f} GB  {', '.join(gpu.precisions)}"
        for name, gpu in known.gpus.items()
    ]
    lines.append("Models:")
    lines += [f"  {name}: {', '.join(c.hf_id for c in m.checkpoints)}" for name, m in known.models.items()]
    write_out("\n".join(lines) + "\n")


def _recipe_listing(
    recipes_dir: Path, stacks_dir: Path, catalog_dirs: tuple[Path, ...]
) -> dict[str, list[dict[str, object]]]:
    """Every recipe and stack, validated first: anything invalid lists its findings and exits 1."""
    from rocm_vllm.paths import default_sources
    from rocm_vllm.recipe_listing import recipe_listing
    from rocm_vllm.stack import load_stack
    from rocm_vllm.validate import validate_paths
    from rocm_vllm.yamlio import iter_yaml_files

    context = check_context(catalog_dirs)
    # ./recipes and ./stacks when they exist, else the catalog and example stacks shipped with the package.
    recipes = default_sources(recipes_dir, "recipes")
    result = validate_paths([recipes], context)
    stop_on_errors(result.findings, len(result.files), "recipes")
    stack_files = list(iter_yaml_files([default_sources(stacks_dir, "stacks")]))
    stacks = [load_stack(path, context, recipes_dir=recipes_dir) for path in stack_files]
    stop_on_errors(sorted({f for stack in stacks for f in stack.findings}), len(stack_files), "stacks")
    return recipe_listing(result.recipes, context.catalog, stacks)
