"""`rocm-vllm upgrade-check --to VERSION [PATH...]`: which recipes need a change to run on another vLLM release."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, check_context, findings_format_option
from rocm_vllm.errors import ExitCode, UsageError


@click.command("upgrade-check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--to", "version", required=True, help="The vLLM release to move to (one with extracted lists)."
)
@findings_format_option
@catalog_option
def upgrade_check(
    paths: tuple[Path, ...], version: str, output_format: str, catalog_dirs: tuple[Path, ...]
) -> ExitCode:
    """Tell, for a target vLLM release, which recipes (default: recipes/) need a change and why.

    Errors: flags the release refuses (removed, renamed), env vars it no longer reads, precision values it no
    longer accepts. Warnings: changed defaults the recipe inherits. Exit 1 when any recipe needs a change.
    """
    from rocm_vllm.findings import has_errors, report_findings, write_err
    from rocm_vllm.paths import default_sources
    from rocm_vllm.upgrade import chart_flag_gaps, target_images, upgrade_findings
    from rocm_vllm.validate import validate_paths
    from rocm_vllm.vllm_facts import known_versions, load_vllm_facts

    if version not in known_versions():
        raise UsageError(f"--to {version}: flags are known for vLLM {', '.join(known_versions())}")
    context = check_context(catalog_dirs)
    result = validate_paths(list(paths) or [default_sources(Path("recipes"), "recipes")], context)
    findings = upgrade_findings(result.recipes, context, version)
    report_findings(findings, len(result.files), output_format)
    images = ", ".join(target_images(version)) or "none listed in rocm_vllm/data/vllm-images.yaml"
    write_err(f"images carrying vLLM {version}: {images}")
    gaps = chart_flag_gaps(load_vllm_facts(version))
    if gaps:
        write_err(f"the chart itself writes flags vLLM {version} lacks: {', '.join(gaps)}")
    return ExitCode.INVALID_INPUT if has_errors(findings) or gaps else ExitCode.OK
