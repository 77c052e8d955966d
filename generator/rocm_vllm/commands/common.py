"""Options and endings shared by every command module.

Commands return their exit code (None is 0) or raise; they print only through rocm_vllm.findings (the reporter
layer), and rocm_vllm.cli.main maps whatever they raise to an exit code in one place (rocm_vllm.errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rocm_vllm.errors import ExitCode

_catalog_dirs_option = click.option(
    "--catalog",
    "catalog_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory with extra gpus.yaml/models.yaml entries laid over the built-in catalog (repeatable).",
)
ALLOW_FILES_KEY = "rocm_vllm.allow_files"


def _remember_allow_files(ctx: click.Context, _param: click.Parameter, value: tuple[Path, ...]) -> None:
    ctx.meta[ALLOW_FILES_KEY] = tuple(value)


_allow_option = click.option(
    "--allow",
    "--env-allow",
    "allow_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="ROCM_VLLM_ALLOW",
    expose_value=False,
    callback=_remember_allow_files,
    help="Allow-list file: extra env vars and vllm serve flags your image reads, each with a reason "
    "(repeatable; docs/vllm.md#allow-list). Also $ROCM_VLLM_ALLOW.",
)


def catalog_option(func: Any) -> Any:
    """--catalog DIR and --allow FILE: the two ways a user extends what the checks know."""
    return _catalog_dirs_option(_allow_option(func))


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

findings_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text; json; github: GitHub Actions annotations (::error file=…,line=…::…) shown on the diff.",
)


def check_context(catalog_dirs: tuple[Path, ...]) -> Any:
    from rocm_vllm.validate import default_context

    ctx = click.get_current_context(silent=True)
    allow_files = ctx.meta.get(ALLOW_FILES_KEY, ()) if ctx is not None else ()
    return default_context(catalog_dirs, allow_files)


def write_output(text: str, output: Path | None) -> None:
    """To stdout, or to `output` atomically (a failed run leaves no partial file)."""
    if output is None:
        from rocm_vllm.findings import write_out

        write_out(text)
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
) -> ExitCode:
    """The end of every generate command: with --check list what would change and return 1 (writing nothing);
    otherwise write the changed files atomically (all or none) and remove stale generated ones."""
    from rocm_vllm.findings import write_err, write_out
    from rocm_vllm.paths import display_path
    from rocm_vllm.yamlio import write_files_atomically

    if changed is None:
        changed = [
            p for p, text in sorted(outputs.items()) if not p.is_file() or p.read_text("utf-8") != text
        ]
    stale = stale or []
    if check:
        lines = [f"{display_path(path)} would change" for path in changed]
        lines += [f"{display_path(path)} is stale (no source left)" for path in stale]
        if changed or stale:
            write_out("".join(f"{line}\n" for line in lines))
            write_err(f"error: {len(changed) + len(stale)} file(s) out of date; run: {rerun}")
            return ExitCode.INVALID_INPUT
        write_out(f"{len(outputs)} generated file(s) up to date\n")
        return ExitCode.OK
    write_files_atomically({path: outputs[path] for path in changed})
    for path in stale:
        path.unlink()
    write_out(
        f"{len(outputs)} generated file(s): {len(changed)} written, {len(outputs) - len(changed)} unchanged, "
        f"{len(stale)} stale removed\n"
    )
    return ExitCode.OK


def stop_on_errors(findings: list[Any], checked: int, what: str) -> None:
    """Shared by every command that writes files: any error raises FindingsError (the reporter lists every
    finding; exit 1) before anything is written; warnings alone are shown and the run goes on."""
    from rocm_vllm.errors import FindingsError
    from rocm_vllm.findings import has_errors, report_warnings

    if has_errors(findings):
        raise FindingsError(f"invalid {what}; nothing was written", findings, checked)
    report_warnings(findings)
