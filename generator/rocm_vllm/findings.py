"""What a check reports: a finding addressed by file, line and JSON path, and how findings are printed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

from rocm_vllm.yamlio import LoadedDocument, PathPart, format_path


class Severity(str, Enum):
    ERROR = "error"  # the recipe cannot start (or is refused): nothing is generated
    WARNING = "warning"  # it starts, but probably not as intended


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    path: str
    check: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.severity.value} [{self.check}] {self.message}"


def finding_at(
    document: LoadedDocument,
    parts: tuple[PathPart, ...],
    check: str,
    message: str,
    severity: Severity = Severity.ERROR,
) -> Finding:
    """A finding pointing at the line of `parts` in `document` (or its nearest ancestor's line)."""
    return Finding(
        file=str(document.path),
        line=document.line_of(parts) or 0,
        path=format_path(parts),
        check=check,
        message=message,
        severity=severity,
    )


def file_finding(path: Path | str, line: int, check: str, message: str) -> Finding:
    return Finding(file=str(path), line=line, path="$", check=check, message=message)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def render_text(findings: list[Finding], checked_files: int) -> str:
    lines = [f.format() for f in sorted(findings)]
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    lines.append(f"{checked_files} file(s) checked: {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], checked_files: int) -> str:
    payload = {
        "checkedFiles": checked_files,
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "findings": [{**asdict(f), "severity": f.severity.value} for f in sorted(findings)],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"
