"""The recipe JSON schema (draft 2020-12), with messages that say what to change."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from rocm_vllm.findings import Finding, finding_at
from rocm_vllm.recipe import recipe_schema
from rocm_vllm.yamlio import LoadedDocument, PathPart

CHECK = "schema"


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = recipe_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _subschema(schema: dict[str, Any], parts: tuple[PathPart, ...]) -> dict[str, Any]:
    node = schema
    for part in parts:
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return node


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "a mapping"


def _message(error: Any, schema: dict[str, Any]) -> tuple[tuple[PathPart, ...], str]:
    parts: tuple[PathPart, ...] = tuple(error.absolute_path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(_subschema(schema, parts).get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        messages = []
        for extra in extras:
            close = difflib.get_close_matches(extra, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed fields: {', '.join(allowed)}"
            messages.append(f"unknown field '{extra}': {hint}")
        target = (*parts, extras[0]) if len(extras) == 1 else parts
        return target, "; ".join(messages) or error.message
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return parts, f"missing required field '{missing}'"
    if validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        hint = ""
        if isinstance(error.instance, str) and expected_text in {"integer", "number", "boolean"}:
            hint = " (remove the quotes: numbers are numbers and booleans are booleans)"
        return parts, f"expected {expected_text}, got {_describe(error.instance)}{hint}"
    if validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return parts, f"{_describe(error.instance)} is not allowed; use one of: {options}"
    if validator == "pattern":
        description = _subschema(schema, parts).get("description", "")
        return (
            parts,
            f"{_describe(error.instance)} does not match {error.validator_value}. {description}".strip(),
        )
    if validator == "dependentRequired":
        given = next((key for key in error.validator_value if key in (error.instance or {})), "")
        needed = ", ".join(f"'{key}'" for key in error.validator_value.get(given, []))
        return parts, f"'{given}' needs {needed} beside it (missing here)"
    if validator in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"}:
        return parts, f"{_describe(error.instance)} is out of range: {error.message}"
    return parts, str(error.message)


def check_schema(document: LoadedDocument) -> list[Finding]:
    return check_against_schema(document, recipe_schema(), _validator(), "recipe")


def check_against_schema(
    document: LoadedDocument, schema: dict[str, Any], validator: Any, kind: str
) -> list[Finding]:
    """Every violation of `schema` (a compiled `validator` of it) by `document`, as findings that say what to change.
    `kind` names the document in messages ("recipe", "stack")."""
    if document.data is None:
        return [
            finding_at(
                document, (), CHECK, f"the file is empty; a {kind} is a mapping of fields (see README)"
            )
        ]
    if not isinstance(document.data, dict):
        return [
            finding_at(
                document, (), CHECK, f"a {kind} must be a mapping of fields, got {_describe(document.data)}"
            )
        ]
    findings = []
    for error in validator.iter_errors(document.data):
        parts, message = _message(error, schema)
        findings.append(finding_at(document, parts, CHECK, message))
    return sorted(set(findings))
