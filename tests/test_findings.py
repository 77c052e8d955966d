"""The reporter layer: findings as text, JSON and GitHub Actions annotations."""

from __future__ import annotations

import json

from rocm_vllm.findings import Finding, Severity, github_annotation, render_github, render_json, render_text


def _finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "file": "recipes/a.yaml",
        "line": 7,
        "path": "$.serving.maxModelLen",
        "check": "memory",
        "message": "too long",
    }
    fields.update(changes)
    return Finding(**fields)  # type: ignore[arg-type]


def test_annotation_names_file_line_and_escapes_github_syntax() -> None:
    line = github_annotation(_finding(message="50% used,\nsplit: here", file="a,b:c.yaml"))
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=7,title=memory $.serving.maxModelLen::")
    assert line.endswith("$.serving.maxModelLen: 50%25 used,%0Asplit: here") and "\n" not in line


def test_a_set_string_is_not_a_file_and_warnings_are_warnings() -> None:
    line = github_annotation(_finding(file="--set a=1", line=0, severity=Severity.WARNING))
    assert line.startswith("::warning title=") and "file=" not in line and "--set a=1: $." in line


def test_three_formats_agree_on_the_counts() -> None:
    findings = [_finding(), _finding(severity=Severity.WARNING, line=9)]
    assert render_text(findings, 2).endswith("2 file(s) checked: 1 error(s), 1 warning(s)\n")
    assert render_github(findings, 2).endswith("2 file(s) checked: 1 error(s), 1 warning(s)\n")
    payload = json.loads(render_json(findings, 2))
    assert (payload["errors"], payload["warnings"], payload["checkedFiles"]) == (1, 1, 2)
