"""The recipe field table (data/fields.yaml): one row per recipe field, and what is derived from it.

The recipe schema's properties, the recipe -> chart values mapping (rocm_vllm.values), the flags a recipe may
not pass in vllm.extraArgs (checks/vllm_cli.py) and the field reference in the docs all come from this table,
so a field is described once.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

TABLE_RESOURCE = "data/fields.yaml"
WHEN_RULES = ("present", "truthy", "multiNode", "notAutoscaled")
_ROW_KEYS = {
    "path",
    "object",
    "schema",
    "required",
    "default",
    "value",
    "when",
    "empty",
    "enables",
    "catalogValue",
    "checkOverrides",
    "flag",
    "aliases",
    "check",
    "doc",
    "pool",
}


class FieldTableError(ValueError):
    """The field table itself is malformed (a bug in data/fields.yaml, not in a user's recipe)."""


@dataclass(frozen=True)
class Field:
    """One row of the table: a recipe field (or, with `is_object`, a section holding fields)."""

    path: str
    doc: str = ""
    is_object: bool = False
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False
    has_default: bool = False
    default: Any = None
    value: str | None = None
    when: str = "present"
    has_empty: bool = False
    empty: Any = None
    enables: tuple[str, ...] = ()
    catalog_value: str | None = None
    check_overrides: bool = False
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    check: str | None = None
    pool: tuple[str, ...] = ()  # a pool overlay row: the recipe rows and sections the overlay may set

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))

    @property
    def parent(self) -> str:
        return self.path.rpartition(".")[0]

    def default_value(self) -> Any:
        return copy.deepcopy(self.default) if self.has_default else None

    def property_schema(self) -> dict[str, Any]:
        """This field's entry under its parent's `properties` in the recipe schema."""
        if self.is_object:
            schema: dict[str, Any] = {"description": self.doc} if self.doc else {}
            return {**schema, "type": "object", "additionalProperties": False}
        schema = {"description": self.doc, **copy.deepcopy(dict(self.schema))}
        if self.has_default:
            schema["default"] = self.default_value()
        return schema


def _row(raw: Any, index: int) -> Field:
    where = f"fields[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise FieldTableError(f"{where}: a row is a mapping with a path")
    unknown = sorted(set(raw) - _ROW_KEYS)
    if unknown:
        raise FieldTableError(f"{where} ({raw['path']}): unknown column(s) {', '.join(unknown)}")
    when = raw.get("when", "present")
    if when not in WHEN_RULES:
        raise FieldTableError(f"{where} ({raw['path']}): when {when!r} is not one of {', '.join(WHEN_RULES)}")
    if not raw.get("object") and not raw.get("doc"):
        raise FieldTableError(f"{where} ({raw['path']}): every field needs its one-line doc")
    return Field(
        path=raw["path"],
        doc=" ".join(str(raw.get("doc", "")).split()),
        is_object=bool(raw.get("object", False)),
        schema=raw.get("schema") or {},
        required=bool(raw.get("required", False)),
        has_default="default" in raw,
        default=raw.get("default"),
        value=raw.get("value"),
        when=when,
        has_empty="empty" in raw,
        empty=raw.get("empty"),
        enables=tuple(raw.get("enables") or ()),
        catalog_value=raw.get("catalogValue"),
        check_overrides=bool(
            raw.get(
                "checkOverrides",
                bool(raw.get("value")) and not raw.get("enables") and when != "notAutoscaled",
            )
        ),
        flag=raw.get("flag"),
        aliases=tuple(raw.get("aliases") or ()),
        check=raw.get("check"),
        pool=tuple(raw.get("pool") or ()),
    )


@dataclass(frozen=True)
class FieldTable:
    schema_header: Mapping[str, Any]
    rows: tuple[Field, ...]
    chart_flags: Mapping[str, str]

    @property
    def fields(self) -> tuple[Field, ...]:
        """The rows that hold a value (every row but the sections)."""
        return tuple(row for row in self.rows if not row.is_object)

    def row(self, path: str) -> Field:
        for row in self.rows:
            if row.path == path:
                return row
        raise KeyError(path)

    @cached_property
    def recipe_schema(self) -> dict[str, Any]:
        """The recipe's JSON schema: the header, then every row under its section, strict at every level."""
        top: dict[str, Any] = {**copy.deepcopy(dict(self.schema_header)), "type": "object"}
        top["additionalProperties"] = False
        sections: dict[str, dict[str, Any]] = {"": top}
        for row in self.rows:
            parent = sections.get(row.parent)
            if parent is None:
                raise FieldTableError(
                    f"{row.path}: its section {row.parent!r} has no row of its own before it"
                )
            entry = row.property_schema()
            if row.required:
                parent.setdefault("required", []).append(row.parts[-1])
            parent.setdefault("properties", {})[row.parts[-1]] = entry
            if row.is_object:
                sections[row.path] = entry
        for row in self.rows:
            if row.pool:
                parent = sections[row.parent]
                parent["properties"][row.parts[-1]] = self._pool_schema(row, sections)
        for section in sections.values():
            # Keep `required` before `properties`, as a reader expects them.
            if "properties" in section:
                section["properties"] = section.pop("properties")
        return top

    def _pool_schema(self, row: Field, sections: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        """A pool overlay's schema: the listed rows and sections as the recipe has them, every one optional."""
        schema: dict[str, Any] = {"description": row.doc, "type": "object", "additionalProperties": False}
        for path in row.pool:
            parent_path, _, leaf = path.rpartition(".")
            source = sections[path] if path in sections else sections[parent_path]["properties"][leaf]
            node = schema
            for part in parent_path.split(".") if parent_path else ():
                holder = sections[parent_path]
                node = node.setdefault("properties", {}).setdefault(
                    part,
                    {k: v for k, v in holder.items() if k in ("description", "type", "additionalProperties")},
                )
            node.setdefault("properties", {})[leaf] = {
                k: copy.deepcopy(v) for k, v in source.items() if k not in ("required", "default")
            }
        return schema

    def owned_flags(self) -> dict[str, str]:
        """Every flag the chart writes, and where its value comes from (a recipe field, or the chart itself)."""
        owned: dict[str, str] = {}
        for row in self.fields:
            for flag in (row.flag, *row.aliases):
                if flag:
                    owned[flag] = row.path
        owned.update(self.chart_flags)
        return owned

    def recipe_field_of_value(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Chart value -> the recipe field it comes from, for the values an override is checked like a recipe by."""
        return {
            tuple(row.value.split(".")): row.parts for row in self.fields if row.value and row.check_overrides
        }

    def values_optional_in_recipes(self) -> set[tuple[str, ...]]:
        """Chart values whose recipe field is optional with no default: their empty form means "unset"."""
        return {
            tuple(row.value.split("."))
            for row in self.fields
            if row.value and row.check_overrides and not row.required and not row.has_default
        }

    def values_of(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Each field's value in a recipe document (already schema-checked), its default where left out."""
        result: dict[str, Any] = {}
        for row in self.fields:
            node: Any = data
            for part in row.parts:
                node = node.get(part) if isinstance(node, Mapping) else None
            result[row.path] = copy.deepcopy(node) if node is not None else row.default_value()
        return result


def parse_field_table(raw: Any) -> FieldTable:
    """A FieldTable from the parsed YAML of a table file (the packaged one or, in tests, a modified copy)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list):
        raise FieldTableError("the field table is a mapping with a `fields` list")
    rows = tuple(_row(entry, index) for index, entry in enumerate(raw["fields"]))
    paths = [row.path for row in rows]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    if duplicates:
        raise FieldTableError(f"fields listed twice: {', '.join(duplicates)}")
    return FieldTable(
        schema_header=raw.get("schema") or {},
        rows=rows,
        chart_flags=dict(raw.get("chartFlags") or {}),
    )


@lru_cache(maxsize=1)
def field_table() -> FieldTable:
    """The packaged table, read once."""
    import yaml

    text = resources.files("rocm_vllm").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_field_table(yaml.load(text, Loader=loader))


def chart_schema_with_fields(chart_schema: Mapping[str, Any], table: FieldTable) -> dict[str, Any]:
    """The chart's values schema with an entry for every chart value a row sets that the chart lacks.

    A value the chart already has keeps its own, usually broader, entry (the chart also takes values no recipe
    writes, such as "" to leave a flag out); a new one takes the row's schema, null allowed (its default in
    values.yaml is null: the flag is left out), and its doc, so a new option needs no hand edit of
    values.schema.json.
    """
    schema = copy.deepcopy(dict(chart_schema))
    for row in table.fields:
        if row.value is None:
            continue
        node = schema
        *parents, leaf = row.value.split(".")
        for part in parents:
            properties = node.setdefault("properties", {})
            node = properties.setdefault(part, {"type": "object", "additionalProperties": False})
        properties = node.setdefault("properties", {})
        if leaf not in properties:
            properties[leaf] = {**_nullable(row.schema), "description": row.doc}
    return schema


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A row's schema that also takes null: the chart's default for a new option is null (its flag left out)."""
    result = copy.deepcopy(dict(schema))
    kinds = result.get("type")
    if isinstance(kinds, str) and kinds != "null":
        result["type"] = [kinds, "null"]
    elif isinstance(kinds, list) and "null" not in kinds:
        result["type"] = [*kinds, "null"]
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result
