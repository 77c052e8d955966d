"""scripts/render_docs.py: the generated doc tables are current, and each piece of the rendering works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def docs(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("render_docs")


def test_generated_doc_tables_are_current(docs: ModuleType) -> None:
    stale = [str(p.relative_to(REPO)) for p, text in docs.rendered_docs().items() if p.read_text() != text]
    assert stale == [], f"run `make docs`: {stale}"


def test_every_documented_value_of_the_model_chart_has_a_row(docs: ModuleType) -> None:
    import json

    import yaml

    chart = REPO / "charts" / "rocm-vllm"
    rows = docs.value_rows(
        (chart / "values.yaml").read_text(), json.loads((chart / "values.schema.json").read_text())
    )
    keys = {row.key for row in rows}
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    assert set(defaults) <= keys
    assert {"gpu.deviceIds", "vllm.maxModelLen", "multiNode.rolloutStrategy.maxSurge"} <= keys
    by_key = {row.key: row for row in rows}
    assert by_key["replicaCount"].type == "integer ≥ 0" and by_key["replicaCount"].default == "1"
    assert by_key["gpu.deviceIds"].doc.startswith("gpu.deviceIds are the PCI device ids")


def test_values_rows_read_comments_nesting_and_skip_list_items(docs: ModuleType) -> None:
    text = (
        "# top is a section.\ntop:\n  # top.leaf is a number. For example:\n  #   leaf: 2\n  leaf: 1\n"
        "  # top.items is a list.\n  items:\n    - name: x\n      value: y\n\nundocumented: 1\n"
    )
    schema = {
        "properties": {"top": {"type": "object", "properties": {"leaf": {"type": "integer", "minimum": 1}}}}
    }
    rows = docs.value_rows(text, schema)
    assert [(r.key, r.type, r.default, r.doc) for r in rows] == [
        ("top", "object", "", "top is a section."),
        ("top.leaf", "integer ≥ 1", "1", "top.leaf is a number."),
        ("top.items", "any", '[{"name": "x", "value": "y"}]', "top.items is a list."),
    ]


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"type": "integer", "minimum": 1, "maximum": 64}, "integer 1–64"),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 1}, "number (0, 1]"),
        ({"type": ["string", "null"]}, "string or null"),
        ({"enum": ["ray", "mp"]}, "one of: ray, mp"),
        ({"type": "array", "items": {"type": "string"}}, "list of strings"),
        ({"type": "object", "additionalProperties": {"type": "string"}}, "map of strings"),
    ],
)
def test_describe_type(docs: ModuleType, schema: dict, text: str) -> None:  # type: ignore[type-arg]
    assert docs.describe_type(schema) == text


def test_a_file_without_its_markers_is_an_error(docs: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no generated block 'values table'"):
        docs.replace_block("# a README\n", "values table", "body", tmp_path / "README.md")
