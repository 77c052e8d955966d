#!/usr/bin/env python3
"""Render the generated parts of the docs with jinja2, so nothing in them is kept twice.

- charts/*/README.md: the values table, from each chart's values.yaml comments and defaults and its
  values.schema.json types;
- README.md: the recipe field reference, from the field table (generator/rocm_vllm/data/fields.yaml).

Each generated part sits between `<!-- BEGIN GENERATED: NAME ... -->` and `<!-- END GENERATED: NAME -->` markers;
the rest of each file is written by hand. tests/scripts/test_render_docs.py fails while any part is stale.

    python scripts/render_docs.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generator"))

from rocm_vllm.fields import FieldTable, field_table  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "doc_templates"
CHARTS = ("rocm-vllm", "rocm-vllm-stack", "rocm-vllm-cache")
VALUES_TABLE = "values table"
RECIPE_FIELDS = "recipe fields"
_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")
_MAX_DEFAULT = 60


@dataclass(frozen=True)
class ValueRow:
    key: str
    type: str
    default: str
    doc: str


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters["cell"] = lambda text: str(text or "").replace("|", "\\|")
    return env


def describe_type(schema: dict[str, Any]) -> str:
    """A schema node in a few words: `integer 1–64`, `string or null`, `one of: ray, mp`."""
    if "enum" in schema:
        choices = [json.dumps(c) if not isinstance(c, str) or c == "" else c for c in schema["enum"]]
        return "one of: " + ", ".join(choices) if len(choices) <= 8 else f"one of {len(choices)} names"
    if "anyOf" in schema:
        return " or ".join(describe_type(option) for option in schema["anyOf"])
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    text = " or ".join(str(k) for k in kinds)
    if "array" in kinds and isinstance(schema.get("items"), dict) and "type" in schema["items"]:
        text = text.replace("array", f"list of {_plural(describe_type(schema['items']))}")
    if "object" in kinds and isinstance(schema.get("additionalProperties"), dict):
        text = text.replace("object", f"map of {_plural(describe_type(schema['additionalProperties']))}")
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum")
    if low is not None and high is not None:
        text += f" ({low}, {high}]" if "exclusiveMinimum" in schema else f" {low}–{high}"
    elif low is not None:
        text += f" > {low}" if "exclusiveMinimum" in schema else f" ≥ {low}"
    return text


def _plural(kind: str) -> str:
    return f"{kind}s" if kind.isalpha() else f"({kind})"


def _default_text(value: Any) -> str:
    if isinstance(value, dict) and value:
        return ""  # a section: its keys have rows of their own
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_DEFAULT else "(see values.yaml)"


def _schema_at(schema: dict[str, Any], parts: list[str]) -> dict[str, Any] | None:
    node: Any = schema
    for part in parts:
        properties = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(properties, dict) or part not in properties:
            return None
        node = properties[part]
    return node if isinstance(node, dict) else None


def _value_at(data: Any, parts: list[str]) -> tuple[bool, Any]:
    node = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _first_paragraph(lines: list[str]) -> str:
    """The comment's prose: up to a `For example` block or an indented example line."""
    words: list[str] = []
    for line in lines:
        if line.startswith("  ") or not line.strip():
            break
        words.append(line.strip())
    text = " ".join(words)
    return re.split(r"\s*For example:?\s*$", text)[0].strip()


def value_rows(values_text: str, schema: dict[str, Any]) -> list[ValueRow]:
    """Every key of a values.yaml with the comment block right above it, in file order, then every key only
    the schema has (a value the chart added from the field table before values.yaml documents it)."""
    data = yaml.safe_load(values_text) or {}
    rows: list[ValueRow] = []
    seen: set[str] = set()
    comment: list[str] = []
    stack: list[tuple[int, str]] = []
    for line in values_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped[1:][1:] if stripped[1:2] == " " else stripped[1:])
            continue
        match = _KEY_LINE.match(line)
        if not match:
            comment = []
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parts = [key for _, key in stack] + [match["key"]]
        stack.append((indent, match["key"]))
        found, value = _value_at(data, parts)
        if found and comment:
            node = _schema_at(schema, parts) or {}
            key = ".".join(parts)
            rows.append(ValueRow(key, describe_type(node), _default_text(value), _first_paragraph(comment)))
            seen.add(key)
        comment = []
    rows.extend(_schema_only_rows(schema, [], seen))
    return rows


def _schema_only_rows(schema: dict[str, Any], parts: list[str], seen: set[str]) -> list[ValueRow]:
    rows: list[ValueRow] = []
    for name, node in (schema.get("properties") or {}).items():
        key = ".".join([*parts, name])
        if key not in seen and isinstance(node, dict) and "properties" not in node:
            rows.append(ValueRow(key, describe_type(node), "", str(node.get("description", ""))))
        if isinstance(node, dict):
            rows.extend(_schema_only_rows(node, [*parts, name], seen))
    return rows


def render_values_table(chart: Path) -> str:
    schema = json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    rows = value_rows((chart / "values.yaml").read_text(encoding="utf-8"), schema)
    return str(_environment().get_template("values-table.md.j2").render(rows=rows))


def render_recipe_fields(table: FieldTable) -> str:
    rows = []
    for row in table.fields:
        default = json.dumps(row.default, ensure_ascii=False) if row.has_default else ""
        required = (
            "yes"
            if row.required and all(table.row(p).required for p in _sections(row.path))
            else ("in its section" if row.required else "no")
        )
        rows.append(
            {
                "path": row.path,
                "type": describe_type(dict(row.schema)),
                "required": required,
                "default": default,
                "value": f"`{row.value}`" if row.value else "",
                "flag": f"`{row.flag}`" if row.flag else "",
                "check": f"`{row.check}`" if row.check else "",
                "doc": row.doc,
            }
        )
    flags = [f"`{flag}`" for flag in table.chart_flags]
    return str(_environment().get_template("recipe-fields.md.j2").render(rows=rows, chart_flags=flags))


def _sections(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def replace_block(text: str, name: str, body: str, where: Path) -> str:
    """`text` with the generated block `name` replaced by `body`."""
    begin = re.compile(rf"^<!-- BEGIN GENERATED: {re.escape(name)}\b.*-->\n", re.M)
    end = f"<!-- END GENERATED: {name} -->"
    match = begin.search(text)
    stop = text.find(end)
    if match is None or stop < match.end():
        raise SystemExit(
            f"{where}: no generated block {name!r} (markers <!-- BEGIN GENERATED: {name} ... --> ... {end})"
        )
    return text[: match.end()] + body.rstrip("\n") + "\n" + text[stop:]


def rendered_docs(repo: Path = REPO, table: FieldTable | None = None) -> dict[Path, str]:
    """Every file with a generated block, as it should read."""
    outputs: dict[Path, str] = {}
    for name in CHARTS:
        chart = repo / "charts" / name
        readme = chart / "README.md"
        outputs[readme] = replace_block(
            readme.read_text(encoding="utf-8"), VALUES_TABLE, render_values_table(chart), readme
        )
    readme = repo / "README.md"
    outputs[readme] = replace_block(
        readme.read_text(encoding="utf-8"),
        RECIPE_FIELDS,
        render_recipe_fields(table or field_table()),
        readme,
    )
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="Write nothing; exit 1 when a generated part is stale."
    )
    args = parser.parse_args(argv)
    stale = [path for path, text in rendered_docs().items() if path.read_text(encoding="utf-8") != text]
    for path, text in rendered_docs().items():
        if path in stale and not args.check:
            path.write_text(text, encoding="utf-8")
    shown = ", ".join(str(p.relative_to(REPO)) for p in stale)
    if args.check and stale:
        print(f"stale generated docs: {shown}; run `make docs`", file=sys.stderr)
        return 1
    print(f"wrote {shown}" if stale else "generated docs up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
