"""The `rocm-vllm` command line: wiring only. Every command lives in rocm_vllm.commands (one module each) and is
imported when used, so `rocm-vllm --help` and `--version` load no heavy module; `main` is the one way out:
rocm_vllm.errors maps what a command raised to the exit code and rocm_vllm.findings reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import click

from rocm_vllm import VLLM_VERSION, __version__


class LazyGroup(click.Group):
    """A group whose commands are imported when used (or listed by --help)."""

    LAZY_COMMANDS: ClassVar[dict[str, str]] = {
        "cache": "rocm_vllm.commands.cache:cache",
        "catalog": "rocm_vllm.commands.catalog:catalog",
        "generate": "rocm_vllm.commands.generate:generate",
        "helmrelease": "rocm_vllm.commands.helmrelease:helmrelease",
        "index": "rocm_vllm.commands.index:index",
        "plan": "rocm_vllm.commands.plan:plan",
        "render": "rocm_vllm.commands.render:render",
        "select": "rocm_vllm.commands.select:select",
        "stack": "rocm_vllm.commands.stack:stack",
        "upgrade-check": "rocm_vllm.commands.upgrade_check:upgrade_check",
        "validate": "rocm_vllm.commands.validate:validate",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.LAZY_COMMANDS:
            return None
        import importlib

        module_name, _, attribute = self.LAZY_COMMANDS[cmd_name].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message=f"rocm-vllm %(version)s (vLLM {VLLM_VERSION})")
def cli() -> None:
    """Recipes, Helm values and manifests for serving vLLM on AMD Instinct GPUs in Kubernetes."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code: 0 ok, 1 invalid input, 2 usage, 3 a bug, 130 interrupted."""
    from rocm_vllm.errors import ExitCode, exit_code_for

    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="rocm-vllm", standalone_mode=False
        )
    except SystemExit as exit_:
        # Something below exited on its own: keep an integer code, anything else is a bug.
        return int(exit_.code or 0) if isinstance(exit_.code, int) else int(ExitCode.INTERNAL)
    except BaseException as error:
        from rocm_vllm.findings import report_failure

        report_failure(error)
        return int(exit_code_for(error))
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


if __name__ == "__main__":
    raise SystemExit(main())
