"""The `rocm-vllm` command line: a thin layer that turns options into library calls and results into exit codes.

Heavy modules (Helm's engine, the Kubernetes client, jsonschema) are imported inside the commands
that need them, so `rocm-vllm --help` and `--version` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import click

from rocm_vllm import VLLM_VERSION, __version__
from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    output_format_option,
    recipes_dir_option,
    reports_errors,
    stop_on_errors,
    write_or_check,
)
from rocm_vllm.errors import ExitCode, UsageError, exit_code_for
from rocm_vllm.paths import default_sources


class LazyGroup(click.Group):
    """A group whose commands beyond validate/generate/catalog are imported when used (or listed by --help),
    so `rocm-vllm --version` and a plain `validate` never load the other command modules."""

    LAZY_COMMANDS: ClassVar[dict[str, str]] = {
        "cache": "rocm_vllm.commands.cache:cache",
        "helmrelease": "rocm_vllm.commands.helmrelease:helmrelease",
        "index": "rocm_vllm.commands.index:index",
        "plan": "rocm_vllm.commands.plan:plan",
        "render": "rocm_vllm.commands.render:render",
        "select": "rocm_vllm.commands.select:select",
        "stack": "rocm_vllm.commands.stack:stack",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY_COMMANDS:
            import importlib

            module_name, _, attribute = self.LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message=f"rocm-vllm %(version)s (vLLM {VLLM_VERSION})")
def cli() -> None:
    """Recipes, Helm values and manifests for serving vLLM on AMD Instinct GPUs in Kubernetes."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@output_format_option
@catalog_option
@reports_errors
def validate(paths: tuple[Path, ...], output_format: str, catalog_dirs: tuple[Path, ...]) -> None:
    """Check recipes (default: recipes/) and report every problem with file, line and path."""
    from rocm_vllm.findings import render_json, render_text
    from rocm_vllm.validate import validate_paths

    result = validate_paths(
        list(paths) or [default_sources(Path("recipes"), "recipes")], check_context(catalog_dirs)
    )
    render = render_json if output_format == "json" else render_text
    click.echo(render(result.findings, len(result.files)), nl=False)
    sys.exit(int(ExitCode.OK if result.ok else ExitCode.INVALID_INPUT))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("values"),
    show_default=True,
    help="Directory for values/<recipe-name>.yaml.",
)
@click.option(
    "--manifests",
    "manifests_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write each recipe's rendered manifests (through charts/rocm-vllm) to DIR/<recipe-name>.yaml.",
)
@click.option(
    "--helmreleases",
    "helmreleases_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write a Flux HelmRelease per recipe to DIR/<recipe-name>.yaml.",
)
@click.option("--namespace", default="default", show_default=True, help="Namespace of the HelmReleases.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every file that would change.")
@catalog_option
@reports_errors
def generate(
    paths: tuple[Path, ...],
    out_dir: Path,
    manifests_dir: Path | None,
    helmreleases_dir: Path | None,
    namespace: str,
    check: bool,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """Turn recipes (default: recipes/) into chart values; a run with any invalid recipe writes nothing."""
    from rocm_vllm.generate import GenerationTargets, plan_generation
    from rocm_vllm.paths import display_path

    targets = GenerationTargets(
        values_dir=out_dir,
        manifests_dir=manifests_dir,
        helmreleases_dir=helmreleases_dir,
        helmrelease_namespace=namespace,
    )
    result = plan_generation(
        list(paths) or [default_sources(Path("recipes"), "recipes")], targets, check_context(catalog_dirs)
    )
    stop_on_errors(result.findings, len(result.validation.files), "recipes")
    command = ["rocm-vllm generate", *(str(p) for p in paths), "--out", display_path(out_dir)]
    if manifests_dir:
        command += ["--manifests", display_path(manifests_dir)]
    if helmreleases_dir:
        command += ["--helmreleases", display_path(helmreleases_dir)]
    write_or_check(
        result.outputs, check=check, rerun=" ".join(command), changed=result.changed, stale=result.stale
    )


@cli.command("catalog")
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
@reports_errors
def catalog_command(
    output_format: str,
    list_recipes: bool,
    recipes_dir: Path,
    stacks_dir: Path,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """List the GPUs and models the checks know, or with --recipes the recipes and stacks."""
    import json

    if list_recipes:
        listing = _recipe_listing(recipes_dir, stacks_dir, catalog_dirs)
        if output_format == "json":
            click.echo(json.dumps(listing, indent=2, sort_keys=True))
        else:
            from rocm_vllm.recipe_listing import listing_text

            click.echo("\n".join(listing_text(listing)))
        return

    from rocm_vllm.catalog import load_catalog

    catalog = load_catalog(catalog_dirs)
    if output_format == "json":
        payload = {
            "gpus": {
                n: {
                    "arch": g.arch,
                    "memoryBytes": g.memory_bytes,
                    "precisions": list(g.precisions),
                    "deviceIds": list(g.device_ids),
                }
                for n, g in catalog.gpus.items()
            },
            "models": {n: [c.hf_id for c in m.checkpoints] for n, m in catalog.models.items()},
        }
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    click.echo("GPUs:")
    for name, gpu in catalog.gpus.items():
        click.echo(
            f"  {name:<8} {gpu.arch:<7} {gpu.memory_bytes / 1e9:>4.0f} GB  {', '.join(gpu.precisions)}"
        )
    click.echo("Models:")
    for name, model in catalog.models.items():
        click.echo(f"  {name}: {', '.join(c.hf_id for c in model.checkpoints)}")


def _recipe_listing(
    recipes_dir: Path, stacks_dir: Path, catalog_dirs: tuple[Path, ...]
) -> dict[str, list[dict[str, object]]]:
    """Every recipe and stack, validated first: anything invalid lists its findings and exits 1."""
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: click's own usage errors exit 2; anything unexpected is an internal error (3)."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="rocm-vllm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return int(ExitCode.INVALID_INPUT)
    except click.ClickException as error:
        error.show()
        return int(ExitCode.USAGE) if isinstance(error, click.UsageError) else error.exit_code
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int) else int(ExitCode.INTERNAL)
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        return int(ExitCode.USAGE)
    except Exception as error:
        click.echo(f"internal error: {type(error).__name__}: {error}", err=True)
        return int(exit_code_for(error))
    return int(ExitCode.OK)


if __name__ == "__main__":
    raise SystemExit(main())
