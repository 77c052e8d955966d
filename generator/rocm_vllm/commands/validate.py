"""`rocm-vllm validate [PATH...]`: check recipes and report every problem with file, line and path."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, check_context, findings_format_option
from rocm_vllm.errors import ExitCode


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@findings_format_option
@catalog_option
def validate(paths: tuple[Path, ...], output_format: str, catalog_dirs: tuple[Path, ...]) -> ExitCode:
    """Check recipes (default: recipes/) and report every problem with file, line and path."""
    from rocm_vllm.findings import report_findings
    from rocm_vllm.paths import default_sources
    from rocm_vllm.validate import validate_paths

    result = validate_paths(
        list(paths) or [default_sources(Path("recipes"), "recipes")], check_context(catalog_dirs)
    )
    report_findings(result.findings, len(result.files), output_format)
    return ExitCode.OK if result.ok else ExitCode.INVALID_INPUT
