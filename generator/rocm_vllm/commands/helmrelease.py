"""`rocm-vllm helmrelease RECIPE`: a Flux HelmRelease carrying one recipe's chart values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    recipes_dir_option,
    write_output,
)
from rocm_vllm.commands.flux_options import FluxRequest, flux_options


@click.command("helmrelease")
@click.argument("recipe")
@flux_options("rocm-vllm", "recipe")
@catalog_option
@recipes_dir_option
def helmrelease(recipe: str, catalog_dirs: tuple[Path, ...], recipes_dir: Path, **flux_args: Any) -> None:
    """A Flux HelmRelease for RECIPE (a file, or a recipe name in --recipes-dir) with its values inline, after the
    Flux source object it installs the chart from (by default an OCIRepository of the published chart)."""
    from rocm_vllm.flux import helmrelease_document, helmrelease_for
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.validate import load_valid_recipe
    from rocm_vllm.values import recipe_to_values

    request = FluxRequest.pop_from(flux_args)
    loaded = load_valid_recipe(recipe, check_context(catalog_dirs), recipes_dir)
    stamp = request.stamp(["rocm-vllm", "helmrelease"], loaded.document.path.as_posix())
    source = request.source_object("rocm-vllm", chart_dir(), stamp)
    obj = helmrelease_for(
        request.release_name or loaded.name,
        recipe_to_values(loaded),
        namespace=request.namespace,
        source=request.source("rocm-vllm", chart_dir()),
        interval=request.interval,
        stamp=stamp,
    )
    write_output(helmrelease_document(obj, stamp, source), request.output)
