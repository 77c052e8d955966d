"""`rocm-vllm index`: write (or check) Chart-index.yaml, the charts with their archive digests and the recipes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, check_context, reports_errors


@click.command("index")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("Chart-index.yaml"),
    show_default=True,
    help="The index file.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the index would change.")
@click.option(
    "--recipes-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("recipes"),
    show_default=True,
    help="The recipe catalog.",
)
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
@reports_errors
def index(
    out: Path,
    check: bool,
    recipes_dir: Path,
    charts_dir: Path,
    stacks_dir: Path,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """Index every chart (with its packaged archive's digest), every recipe and every stack; anything invalid
    writes nothing."""
    from rocm_vllm.errors import ExitCode
    from rocm_vllm.findings import render_text
    from rocm_vllm.index import build_index, index_document, index_stamp
    from rocm_vllm.paths import display_path
    from rocm_vllm.validate import validate_paths
    from rocm_vllm.yamlio import write_files_atomically

    context = check_context(catalog_dirs)
    result = validate_paths([recipes_dir], context)
    if not result.ok:
        click.echo(render_text(result.findings, len(result.files)), nl=False, err=True)
        click.echo("error: invalid recipes; nothing was written", err=True)
        sys.exit(int(ExitCode.INVALID_INPUT))
    from rocm_vllm.stack import load_stack
    from rocm_vllm.yamlio import iter_yaml_files

    stack_files = list(iter_yaml_files([stacks_dir])) if stacks_dir.is_dir() else []
    stacks = [load_stack(path, context, recipes_dir=recipes_dir) for path in stack_files]
    if not all(stack.ok for stack in stacks):
        findings = sorted({f for stack in stacks for f in stack.findings})
        click.echo(render_text(findings, len(stack_files)), nl=False, err=True)
        click.echo("error: invalid stacks; nothing was written", err=True)
        sys.exit(int(ExitCode.INVALID_INPUT))
    shown = display_path(out)
    stamp = index_stamp(shown, display_path(recipes_dir), display_path(charts_dir))
    text = index_document(build_index(charts_dir, result.recipes, context.catalog, stacks), stamp)
    current = out.read_text(encoding="utf-8") if out.is_file() else None
    if check:
        if current != text:
            click.echo(f"{shown} would change", err=False)
            click.echo(
                f"error: {shown} is out of date; run: rocm-vllm index --out {shown} "
                f"--recipes-dir {display_path(recipes_dir)} --charts-dir {display_path(charts_dir)}",
                err=True,
            )
            sys.exit(int(ExitCode.INVALID_INPUT))
        click.echo(f"{shown} up to date")
        return
    if current == text:
        click.echo(f"{shown} unchanged")
        return
    write_files_atomically({out: text})
    click.echo(f"{shown} written")
