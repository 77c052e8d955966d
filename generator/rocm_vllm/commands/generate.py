"""`rocm-vllm generate [PATH...]`: recipes -> chart values (and optionally manifests and HelmReleases)."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, check_context, stop_on_errors, write_or_check
from rocm_vllm.errors import ExitCode


@click.command("generate")
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
def generate(
    paths: tuple[Path, ...],
    out_dir: Path,
    manifests_dir: Path | None,
    helmreleases_dir: Path | None,
    namespace: str,
    check: bool,
    catalog_dirs: tuple[Path, ...],
) -> ExitCode:
    """Turn recipes (default: recipes/) into chart values; a run with any invalid recipe writes nothing."""
    from rocm_vllm.generate import GenerationTargets, plan_generation
    from rocm_vllm.paths import default_sources, display_path

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
    return write_or_check(
        result.outputs, check=check, rerun=" ".join(command), changed=result.changed, stale=result.stale
    )
