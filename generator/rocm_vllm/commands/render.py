"""`rocm-vllm render RECIPE`: a recipe's complete manifests, rendered through charts/rocm-vllm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    recipes_dir_option,
    reports_errors,
    write_output,
)
from rocm_vllm.commands.render_options import RenderRequest, render_options


@click.command("render")
@click.argument("recipe")
@render_options
@catalog_option
@recipes_dir_option
@reports_errors
def render(recipe: str, catalog_dirs: tuple[Path, ...], recipes_dir: Path, **render_args: Any) -> None:
    """Print the Kubernetes manifests for RECIPE (a file, or a name from recipes/)."""
    from rocm_vllm.paths import chart_dir, display_path
    from rocm_vllm.render import render_values
    from rocm_vllm.validate import load_valid_recipe
    from rocm_vllm.values import recipe_to_values

    request = RenderRequest.pop_from(render_args)
    loaded = load_valid_recipe(recipe, check_context(catalog_dirs), recipes_dir)
    release = render_values(chart_dir(), recipe_to_values(loaded), request.options(loaded.name))
    stamp = request.stamp(["rocm-vllm", "render", display_path(loaded.document.path)])
    write_output(release.manifest_text(stamp=stamp), request.output)
