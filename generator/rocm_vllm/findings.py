"""What a check reports (a finding addressed by file, line and JSON path) and the reporter layer: the one place that
writes to stdout and stderr. Findings come out as text, JSON or GitHub Actions annotations (`--format github`:
`::error file=F,line=L::message`, so a CI run shows each problem on the diff); a failed command's error is
reported here too, and commands never print on their own."""

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


def _escape_data(text: str) -> str:
    """GitHub's workflow-command escaping for the message part."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding) -> str:
    """`::error file=…,line=…,title=…::message`; a finding about a --set string (no file) carries no file=."""
    properties = []
    if not finding.file.startswith("--"):
        properties.append(f"file={_escape_property(finding.file)}")
        if finding.line:
            properties.append(f"line={finding.line}")
    properties.append(f"title={_escape_property(f'{finding.check} {finding.path}')}")
    where = "" if not finding.file.startswith("--") else f"{finding.file}: "
    message = f"{where}{finding.path}: {finding.message}"
    return f"::{finding.severity.value} {','.join(properties)}::{_escape_data(message)}"


def render_github(findings: list[Finding], checked_files: int) -> str:
    """One annotation per finding, then the summary line (GitHub shows it in the log)."""
    lines = [github_annotation(f) for f in sorted(findings)]
    errors = sum(f.severity is Severity.ERROR for f in findings)
    lines.append(f"{checked_files} file(s) checked: {errors} error(s), {len(findings) - errors} warning(s)")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], checked_files: int) -> str:
    payload = {
        "checkedFiles": checked_files,
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "findings": [{**asdict(f), "severity": f.severity.value} for f in sorted(findings)],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


FINDINGS_FORMATS = {"text": render_text, "json": render_json, "github": render_github}


def write_out(text: str) -> None:
    """Command output (manifests, listings, reports) to stdout, exactly as given."""
    import click

    click.echo(text, nl=False)


def write_err(text: str) -> None:
    """One diagnostic line (or block) to stderr."""
    import click

    click.echo(text.rstrip("\n"), err=True)


def report_findings(findings: list[Finding], checked_files: int, output_format: str = "text") -> None:
    """A checking command's result on stdout, in the format the user chose."""
    write_out(FINDINGS_FORMATS[output_format](findings, checked_files))


def report_warnings(findings: list[Finding]) -> None:
    """Warnings of a run that goes on (errors stop it through FindingsError)."""
    for finding in sorted(findings):
        write_err(finding.format())


def report_failure(error: BaseException) -> None:
    """The one-line (or findings-listing) message for the exception that ended a command."""
    import click

    from rocm_vllm.errors import FindingsError, RocmVllmError

    if isinstance(error, (KeyboardInterrupt, click.exceptions.Abort)):
        write_err("interrupted")
    elif isinstance(error, click.ClickException):
        error.show()
    elif isinstance(error, FindingsError):
        if error.checked is not None:
            write_err(render_text(error.findings, error.checked))
        else:
            for finding in sorted(error.findings):
                write_err(finding.format())
        write_err(f"error: {error.summary}")
    elif isinstance(error, RocmVllmError):
        write_err(f"error: {error}")
    else:
        write_err(f"internal error: {type(error).__name__}: {error}")
