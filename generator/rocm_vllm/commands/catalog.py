"""`rocm-vllm catalog`: the GPUs and models the checks know (built in, plus --catalog directories), or with
--recipes the recipes and stacks; `rocm-vllm catalog import` turns a model's config.json into an entry."""

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


@click.group("catalog", invoke_without_command=True)
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
@click.pass_context
def catalog(
    ctx: click.Context,
    output_format: str,
    list_recipes: bool,
    recipes_dir: Path,
    stacks_dir: Path,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """List the GPUs and models the checks know, or with --recipes the recipes and stacks.

    `rocm-vllm catalog import` makes a model entry from a config.json (see its --help)."""
    if ctx.invoked_subcommand is not None:
        return
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
                    "partitions": {
                        m.profile: {
                            "devices": m.devices,
                            "memoryBytes": g.memory_bytes // m.devices,
                            "computeUnits": g.compute_units // m.devices if g.compute_units else None,
                            "confirmed": m.confirmed,
                        }
                        for m in g.partitions
                    },
                }
                for n, g in known.gpus.items()
            },
            "models": {n: [c.hf_id for c in m.checkpoints] for n, m in known.models.items()},
        }
        write_out(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return
    lines = ["GPUs:"]
    lines += [
        f"  {name:<8} {gpu.arch:<7} {gpu.memory_bytes / 2**30:>6.2f} GiB  {', '.join(gpu.precisions)}"
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


@catalog.command("import")
@click.argument("config", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--from-hub",
    "hub_id",
    metavar="MODEL",
    help="Download MODEL's config.json from the Hugging Face Hub (needs the `hub` extra: huggingface_hub).",
)
@click.option("--revision", help="With --from-hub: the commit, branch or tag to read.")
@click.option("--id", "hf_id", help="The Hugging Face id the entry lists.  [default: --from-hub MODEL]")
@click.option("--name", help="The entry's catalog name.  [default: the id's repository part, lower case]")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a models.yaml there (use its directory with --catalog DIR) instead of printing it.",
)
def import_config(
    config: Path | None,
    hub_id: str | None,
    revision: str | None,
    hf_id: str | None,
    name: str | None,
    output: Path | None,
) -> None:
    """Print a catalog entry (models.yaml) for the model CONFIG (a config.json) describes.

    Offline from a file; with --from-hub MODEL the config is downloaded first.  The result works with
    --catalog DIR when written as DIR/models.yaml."""
    from rocm_vllm.catalog.hf_config import entry_from_config, entry_name, load_config
    from rocm_vllm.findings import write_out
    from rocm_vllm.stamp import stamp
    from rocm_vllm.yamlio import dump_yaml, write_files_atomically

    if (config is None) == (hub_id is None):
        raise click.UsageError("give a config.json path or --from-hub MODEL (one of them)")
    if revision and not hub_id:
        raise click.UsageError("--revision needs --from-hub")
    if hub_id:
        config = _download_config(hub_id, revision)
    assert config is not None
    model_id = hf_id or hub_id
    if not model_id:
        raise click.UsageError("with a config file, give --id ORG/NAME (the Hugging Face id the entry lists)")
    entry = entry_from_config(load_config(config), model_id, where=str(config))
    if hub_id and revision:
        entry["huggingFaceIds"][model_id]["revision"] = revision
    command = ["rocm-vllm", "catalog", "import", *([f"--from-hub={hub_id}"] if hub_id else [str(config)])]
    text = dump_yaml({"models": {name or entry_name(model_id): entry}}, header=stamp(command))
    if output is None:
        write_out(text)
    else:
        write_files_atomically({output: text})


def _download_config(hub_id: str, revision: str | None) -> Path:
    """config.json of `hub_id` through huggingface_hub (its cache and token handling)."""
    from rocm_vllm.errors import InvalidInputError

    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise InvalidInputError(
            "--from-hub needs huggingface_hub: pip install 'rocm-vllm[hub]' (or import a downloaded config.json)"
        ) from None
    try:
        return Path(hf_hub_download(repo_id=hub_id, filename="config.json", revision=revision))
    except Exception as error:  # the hub client raises many kinds (network, auth, missing repo)
        raise InvalidInputError(f"cannot download {hub_id}'s config.json: {error}") from None
