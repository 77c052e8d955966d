"""Options and error handling shared by every command module."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from rocm_vllm.errors import RocmVllmError

F = TypeVar("F", bound=Callable[..., Any])

catalog_option = click.option(
    "--catalog",
    "catalog_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory with extra gpus.yaml/models.yaml entries laid over the built-in catalog (repeatable).",
)

recipes_dir_option = click.option(
    "--recipes-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("recipes"),
    show_default=True,
    help="Where recipes named without a path are looked up.",
)

output_format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def reports_errors(command: F) -> F:
    """Map library errors to exit codes and one-line messages; never a traceback for the user's input."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RocmVllmError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(int(error.exit_code))

    return wrapper  # type: ignore[return-value]


def check_context(catalog_dirs: tuple[Path, ...]) -> Any:
    from rocm_vllm.validate import default_context

    return default_context(catalog_dirs)


def write_output(text: str, output: Path | None) -> None:
    """To stdout, or to `output` atomically (a failed run leaves no partial file)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from rocm_vllm.yamlio import write_files_atomically

    write_files_atomically({output: text})


def write_or_check(
    outputs: dict[Path, str],
    *,
    check: bool,
    rerun: str,
    changed: list[Path] | None = None,
    stale: list[Path] | None = None,
) -> None:
    """The end of every generate command: with --check list what would change and exit 1 (writing nothing);
    otherwise write the changed files atomically (all or none) and remove stale generated ones."""
    from rocm_vllm.errors import ExitCode
    from rocm_vllm.paths import display_path
    from rocm_vllm.yamlio import write_files_atomically

    if changed is None:
        changed = [
            p for p, text in sorted(outputs.items()) if not p.is_file() or p.read_text("utf-8") != text
        ]
    stale = stale or []
    if check:
        for path in changed:
            click.echo(f"{display_path(path)} would change")
        for path in stale:
            click.echo(f"{display_path(path)} is stale (no source left)")
        if changed or stale:
            click.echo(f"error: {len(changed) + len(stale)} file(s) out of date; run: {rerun}", err=True)
            sys.exit(int(ExitCode.INVALID_INPUT))
        click.echo(f"{len(outputs)} generated file(s) up to date")
        return
    write_files_atomically({path: outputs[path] for path in changed})
    for path in stale:
        path.unlink()
    click.echo(
        f"{len(outputs)} generated file(s): {len(changed)} written, {len(outputs) - len(changed)} unchanged, "
        f"{len(stale)} stale removed"
    )


def stop_on_errors(findings: list[Any], checked: int, what: str) -> None:
    """Shared by every command that writes files: any error lists all findings and exits 1 before anything is
    written; warnings alone are shown and the run goes on."""
    from rocm_vllm.errors import ExitCode
    from rocm_vllm.findings import has_errors, render_text

    if has_errors(findings):
        click.echo(render_text(findings, checked), nl=False, err=True)
        click.echo(f"error: invalid {what}; nothing was written", err=True)
        sys.exit(int(ExitCode.INVALID_INPUT))
    for finding in findings:
        click.echo(finding.format(), err=True)
