"""Parse `vllm serve` argument lists with vLLM's own parser (run with the Python of a vLLM install).

Input: a JSON file, a list of {"name": ..., "argv": [...]} where argv is what follows `vllm serve` (the
model first). Output: the RESULTS file (vLLM logs to stdout), a JSON list of {"name", "ok", "error"} in
input order. Exit 0 when every argv was accepted, 1 when any was refused, 2 on a usage problem.

The platform is pinned to CPU before any other vLLM import, as vLLM's bench command does, so the parser
builds on a machine without a GPU (neither the ROCm nor the CPU platform adds `serve` options). Each argv
goes through what `vllm serve` runs before it touches a device: the parser built by the `serve`
subcommand's `subparser_init` (FlexibleArgumentParser with its rewriting of dotted keys, -O and
underscores), the subcommand's `validate`, and `AsyncEngineArgs.from_cli_args`. Engine configuration
needs a GPU and the model's config, so it is not run.

`--options OPTIONS.json` writes the real parser's option strings and arities instead, so the lists the
extraction script derived from the wheel can be compared with vLLM itself.

This script imports nothing from rocm_vllm: it runs in vLLM's environment, not the project's.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def _pin_cpu_platform() -> None:
    import vllm.platforms
    from vllm.platforms.cpu import CpuPlatform

    vllm.platforms._current_platform = CpuPlatform()  # type: ignore[attr-defined]


def _parse(argv: list[str]) -> str | None:
    """None when vLLM accepts `argv`; else the last line vLLM printed (argparse) or the exception text."""
    from vllm.engine.arg_utils import AsyncEngineArgs
    from vllm.entrypoints.cli.serve import ServeSubcommand
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = FlexibleArgumentParser(prog="vllm")
    subparsers = parser.add_subparsers(dest="subparser")
    serve = ServeSubcommand()
    serve.subparser_init(subparsers)
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = parser.parse_args(["serve", *argv])
            serve.validate(args)
            AsyncEngineArgs.from_cli_args(args)
    except SystemExit:
        lines = [line for line in stderr.getvalue().splitlines() if line.strip()]
        return lines[-1] if lines else "refused (no message)"
    except Exception as error:
        return f"{type(error).__name__}: {error}".splitlines()[0][:400]
    return None


def serve_options() -> dict[str, str]:
    """Every option string of the real `serve` parser -> switch | optional | list | value (one word: value or json)."""
    import argparse

    from vllm.entrypoints.cli.serve import ServeSubcommand
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = FlexibleArgumentParser(prog="vllm")
    serve = ServeSubcommand().subparser_init(parser.add_subparsers(dest="subparser"))
    options: dict[str, str] = {}
    for action in serve._actions:
        if isinstance(action, argparse.BooleanOptionalAction) or action.nargs == 0:
            arity = "switch"
        elif action.nargs == "?":
            arity = "optional"
        elif action.nargs in ("+", "*"):
            arity = "list"
        else:
            arity = "value"
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                options[option] = arity
    return options


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--options":
        _pin_cpu_platform()
        with open(argv[1], "w", encoding="utf-8") as handle:
            json.dump(serve_options(), handle, indent=1, sort_keys=True)
        return 0
    if len(argv) != 2:
        print("usage: vllm_parse_argv.py CASES.json RESULTS.json | --options OPTIONS.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        cases = json.load(handle)
    _pin_cpu_platform()
    results = []
    for case in cases:
        error = _parse([str(token) for token in case["argv"]])
        results.append({"name": case["name"], "ok": error is None, "error": error})
    with open(argv[1], "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
        handle.write("\n")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
