"""`rocm-vllm render RECIPE`: a recipe's complete manifests, rendered through charts/rocm-vllm."""

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
from rocm_vllm.commands.render_options import RenderRequest, render_options


@click.command("render")
@click.argument("recipe")
@render_options
@catalog_option
@recipes_dir_option
def render(recipe: str, catalog_dirs: tuple[Path, ...], recipes_dir: Path, **render_args: Any) -> None:
    """Print the Kubernetes manifests for RECIPE (a file, or a name from recipes/)."""
    from rocm_vllm.paths import display_path
    from rocm_vllm.render import render_recipe
    from rocm_vllm.validate import load_valid_recipe

    request = RenderRequest.pop_from(render_args)
    context = check_context(catalog_dirs)
    loaded = load_valid_recipe(recipe, context, recipes_dir)
    release = render_recipe(loaded, request.options(loaded.name), context)
    stamp = request.stamp(["rocm-vllm", "render", display_path(loaded.document.path)])
    write_output(release.manifest_text(stamp=stamp), request.output)
