"""The error hierarchy and the one place that decides exit codes.

Library code raises these; the CLI maps them to exit codes with `exit_code_for` and never
lets a traceback reach the user for a problem in their input.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INTERNAL = 3


class RocmVllmError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InvalidInputError(RocmVllmError):
    """A recipe, values file, stack or option value the user gave is wrong."""

    exit_code = ExitCode.INVALID_INPUT


class UsageError(RocmVllmError):
    """The command line itself is wrong (a missing file, conflicting options)."""

    exit_code = ExitCode.USAGE


class HelmEngineError(RocmVllmError):
    """Helm's engine failed on a chart we ship: a bug in the chart, not in the user's input."""

    exit_code = ExitCode.INTERNAL


def exit_code_for(error: BaseException) -> ExitCode:
    if isinstance(error, RocmVllmError):
        return error.exit_code
    return ExitCode.INTERNAL
