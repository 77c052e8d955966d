"""`rocm-vllm index`: write (or check) Chart-index.yaml, the charts with their archive digests and the recipes."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    recipes_dir_option,
    stop_on_errors,
    write_or_check,
)
from rocm_vllm.errors import ExitCode


@click.command("index")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("Chart-index.yaml"),
    show_default=True,
    help="The index file.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the index would change.")
@recipes_dir_option
@click.option(
    "--charts-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("charts"),
    show_default=True,
    help="Every directory below it with a Chart.yaml is a chart.",
)
@click.option(
    "--stacks-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("stacks"),
    show_default=True,
    help="The stacks (skipped when the directory does not exist).",
)
@catalog_option
def index(
    out: Path,
    check: bool,
    recipes_dir: Path,
    charts_dir: Path,
    stacks_dir: Path,
    catalog_dirs: tuple[Path, ...],
) -> ExitCode:
    """Index every chart (with its packaged archive's digest), every recipe and every stack; anything invalid
    writes nothing."""
    from rocm_vllm.index import build_index, index_document, index_stamp
    from rocm_vllm.paths import display_path
    from rocm_vllm.stack import load_stack
    from rocm_vllm.validate import validate_paths
    from rocm_vllm.yamlio import iter_yaml_files

    context = check_context(catalog_dirs)
    result = validate_paths([recipes_dir], context)
    stop_on_errors(result.findings, len(result.files), "recipes")
    stack_files = list(iter_yaml_files([stacks_dir])) if stacks_dir.is_dir() else []
    stacks = [load_stack(path, context, recipes_dir=recipes_dir) for path in stack_files]
    stop_on_errors(sorted({f for stack in stacks for f in stack.findings}), len(stack_files), "stacks")
    shown = display_path(out)
    stamp = index_stamp(shown, display_path(recipes_dir), display_path(charts_dir))
    text = index_document(build_index(charts_dir, result.recipes, context.catalog, stacks), stamp)
    rerun = (
        f"rocm-vllm index --out {shown} --recipes-dir {display_path(recipes_dir)} "
        f"--charts-dir {display_path(charts_dir)}"
    )
    return write_or_check({out: text}, check=check, rerun=rerun)
