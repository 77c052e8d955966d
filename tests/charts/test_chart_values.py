"""charts/rocm-vllm/values.yaml is the documented contract and values.schema.json agrees with it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm"
VALUES_TEXT = (CHART / "values.yaml").read_text()
VALUES = yaml.safe_load(VALUES_TEXT)
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
PASSTHROUGH = {"type": "object"}  # a schema node without properties: a genuine passthrough map


def _value_paths(node: Any, prefix: str = "") -> list[str]:
    paths = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.append(path)
            if isinstance(value, dict) and value and _schema_at(path).get("properties"):
                paths += _value_paths(value, path)
    return paths


def _schema_at(path: str) -> dict[str, Any]:
    node = SCHEMA
    for part in path.split("."):
        node = node.get("properties", {}).get(part, {})
    return node


def _schema_paths(node: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, child in (node.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        paths.append(path)
        paths += _schema_paths(child, path)
    return paths


def test_first_line_points_editors_at_the_schema() -> None:
    assert VALUES_TEXT.splitlines()[0] == "# yaml-language-server: $schema=values.schema.json"


def test_schema_is_draft_07_and_accepts_the_defaults() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator(SCHEMA).validate(VALUES)


def test_every_key_is_documented_by_a_comment_starting_with_its_name() -> None:
    lines = VALUES_TEXT.splitlines()
    stack: list[tuple[int, str]] = []
    undocumented = []
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z][\w.-]*):", line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack and stack[-1][1] is None:
            continue
        path = ".".join([k for _, k in stack] + [key])
        if index > 0 and lines[index - 1].lstrip().startswith("- "):
            continue
        comments = []
        j = index - 1
        while j >= 0 and lines[j].lstrip().startswith("#"):
            comments.insert(0, lines[j].strip())
            j -= 1
        if not any(re.match(rf"# {re.escape(path)}\b(?![.\w])", c) for c in comments):
            undocumented.append(path)
        passthrough = not _schema_at(path).get("properties")
        stack.append((indent, None if passthrough else key))  # type: ignore[arg-type]
    assert undocumented == []


# Optional Kubernetes fields the schema allows but values.yaml leaves unset (Kubernetes' defaults apply).
OPTIONAL_UNSET = {
    "initialDelaySeconds",
    "successThreshold",
    "requests",
    "limits",
    "claims",
    "localhostProfile",
}


def test_every_values_key_is_in_the_schema_and_every_schema_key_has_a_default() -> None:
    values_paths = set(_value_paths(VALUES))
    schema_paths = {p for p in _schema_paths(SCHEMA) if not p.startswith("global")}
    assert values_paths - schema_paths == set()
    assert {p for p in schema_paths - values_paths if p.rsplit(".", 1)[-1] not in OPTIONAL_UNSET} == set()


def test_every_object_level_is_closed_except_passthrough_maps() -> None:
    def walk(node: dict[str, Any], path: str) -> list[str]:
        open_levels = []
        if node.get("properties") is not None and node.get("additionalProperties") is not False:
            open_levels.append(path)
        for key, child in (node.get("properties") or {}).items():
            open_levels += walk(child, f"{path}.{key}" if path else key)
        for sub in ("items",):
            if isinstance(node.get(sub), dict):
                open_levels += walk(node[sub], f"{path}[]")
        return open_levels

    assert walk(SCHEMA, "") == []


# "" passes the schema (a digest-only reference, image.digest); rendering refuses it without a digest.
@pytest.mark.parametrize(("tag", "ok"), [("latest", False), ("", True), ("rocm7.14.0_vllm_0.23.0", True)])
def test_schema_rejects_latest_and_empty_tags(tag: str, ok: bool) -> None:
    valid = jsonschema.Draft7Validator(SCHEMA).is_valid({**VALUES, "image": {**VALUES["image"], "tag": tag}})
    assert valid is ok
