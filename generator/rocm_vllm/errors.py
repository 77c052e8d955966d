"""The error hierarchy and the one place that decides exit codes.

Library code raises these; `exit_code_for` turns any exception into the process's exit code (the CLI's
`main` is its only caller), so a problem in the user's input never becomes a traceback or an exit 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INTERNAL = 3
    INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


class RocmVllmError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InvalidInputError(RocmVllmError):
    """A recipe, values file, stack or option value the user gave is wrong."""

    exit_code = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class InputProblem:
    """Where a file the user gave is broken: the file, the 1-based line (0: unknown), the JSON path, and what."""

    file: str
    line: int
    path: str
    message: str

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class InputFileError(InvalidInputError):
    """A file could not be read as the data it must hold; `problem` says where, as data (never re-parsed)."""

    def __init__(self, problem: InputProblem) -> None:
        super().__init__(problem.format())
        self.problem = problem


class FindingsError(InvalidInputError):
    """Checks refused the input: `findings` (rocm_vllm.findings.Finding) list every reason, and `summary`
    says what was not produced; `checked` counts the files checked, when that is worth saying. The reporter
    prints the findings; the exit code is 1."""

    def __init__(self, summary: str, findings: list[Any], checked: int | None = None) -> None:
        details = "\n".join(f.format() for f in findings)
        super().__init__(f"{summary}:\n{details}" if details else summary)
        self.summary = summary
        self.findings = findings
        self.checked = checked


class LiveSourceError(InvalidInputError):
    """A live source (a cluster's API server) gave no answer in time, or an answer we cannot use."""


class UsageError(RocmVllmError):
    """The command line itself is wrong (a missing file, conflicting options)."""

    exit_code = ExitCode.USAGE


class HelmEngineError(RocmVllmError):
    """Helm's engine failed on a chart we ship: a bug in the chart, not in the user's input."""

    exit_code = ExitCode.INTERNAL


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an exception that ended a command: ours carry their own, click's usage errors are 2,
    Ctrl-C is 130, anything else is a bug (3)."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, RocmVllmError):
        return error.exit_code
    import click

    if isinstance(error, click.exceptions.Abort):
        return ExitCode.INTERRUPTED
    if isinstance(error, click.UsageError):
        return ExitCode.USAGE
    if isinstance(error, click.ClickException):
        known = {int(code) for code in ExitCode}
        return ExitCode(error.exit_code) if error.exit_code in known else ExitCode.INTERNAL
    return ExitCode.INTERNAL
