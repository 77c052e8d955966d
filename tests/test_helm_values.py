"""Helm's value semantics, checked against Helm's own engine rather than a Python expectation.

A tiny chart whose only template is `{{ toJson .Values }}` shows the values Helm's templates see; `coalesce`
must produce exactly that for every case in the table.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import helm
from rocm_vllm.helm_values import coalesce, merge_maps
from rocm_vllm.paths import chart_dir
from rocm_vllm.values import values_schema_problems

DEFAULTS: dict[str, Any] = {
    "table": {"kept": 1, "inner": {"a": 2, "b": 3}},
    "list": [1, 2],
    "scalar": "x",
    "defaultNull": None,
    "withNull": {"gone": None, "stays": True},
    "emptyMap": {},
}

# (name, user values): each is compared with what Helm's engine hands its templates.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("nothing set", {}),
    ("null deletes a defaulted table", {"table": None}),
    ("null deletes a nested key", {"table": {"inner": None}}),
    ("null deletes a leaf, unknown null stays", {"table": {"inner": {"a": None, "new": None}}}),
    ("null for an undefaulted key stays", {"other": None}),
    ("null over a null default deletes it", {"defaultNull": None}),
    ("a value over a nested null default", {"withNull": {"gone": 1}}),
    ("null over a nested null default", {"withNull": {"gone": None}}),
    ("a map over a null default", {"defaultNull": {"k": 1}}),
    ("lists replace", {"list": [3]}),
    ("maps merge", {"table": {"inner": {"c": 4}}}),
    ("a map replaces a scalar", {"scalar": {"k": 1}}),
    ("a scalar replaces a map", {"table": 5}),
    ("null deletes an empty map default", {"emptyMap": None}),
    ("an empty map keeps the defaults", {"table": {}}),
    ("a nested null in a new map stays", {"withNull": {"new": {"deep": None}}}),
]


@pytest.fixture(scope="module")
def probe_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("probe")
    (root / "templates").mkdir()
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n", encoding="utf-8")
    (root / "values.yaml").write_text(json.dumps(DEFAULTS), encoding="utf-8")
    (root / "templates" / "values.yaml").write_text(
        "values: {{ toJson .Values | quote }}\n", encoding="utf-8"
    )
    return root


def helm_sees(chart: Path, user: dict[str, Any]) -> Any:
    rendered = helm.render_chart(chart, user, release_name="probe")
    document = helm.split_manifests(rendered)[0]
    return json.loads(document["values"])


@pytest.mark.parametrize(("case", "user"), CASES, ids=[name for name, _ in CASES])
def test_coalesce_matches_helms_engine(probe_chart: Path, case: str, user: dict[str, Any]) -> None:
    before = copy.deepcopy(user)
    assert coalesce(user, DEFAULTS) == helm_sees(probe_chart, user), case
    assert user == before  # the input is not modified


def test_merge_maps_keeps_nulls_for_helm_to_apply() -> None:
    """Several -f files: maps merge, lists replace, and a null survives until it meets the chart defaults."""
    merged = merge_maps({"a": {"b": 1, "c": 2}, "l": [1, 2]}, {"a": {"b": 3}, "l": [3], "table": None})
    assert merged == {"a": {"b": 3, "c": 2}, "l": [3], "table": None}
    assert "table" not in coalesce(merged, DEFAULTS)  # ...and then deletes the chart's default


def test_a_null_value_deletes_the_chart_default_as_helm_does() -> None:
    """`nodeSelector: null` is accepted by Helm (the key is deleted), so the generator's pre-check accepts it."""
    assert values_schema_problems({"nodeSelector": None}, chart_dir()) == []
