"""The field table drives the recipe schema, the values mapping, the chart-owned flags and the docs.

The last test adds a vLLM option the way a contributor would: one row in the table and one line in the chart
template (both in temporary copies), and sees it reach the schema, the values, the rendered flag and the docs.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from rocm_vllm import helm
from rocm_vllm.catalog import load_catalog
from rocm_vllm.fields import FieldTableError, chart_schema_with_fields, field_table, parse_field_table
from rocm_vllm.recipe import Recipe
from rocm_vllm.validate import validate_paths
from rocm_vllm.values import recipe_to_values
from rocm_vllm.yamlio import LoadedDocument

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "charts" / "rocm-vllm"
TABLE_FILE = REPO / "generator" / "rocm_vllm" / "data" / "fields.yaml"
VALID = REPO / "tests" / "recipes" / "valid"


def raw_table() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TABLE_FILE.read_text())
    return data


def chart_args(values: dict[str, Any], chart: Path = CHART) -> list[str]:
    """Every argument the chart writes for vllm serve (the Deployment's, or the leader's and the workers'), read
    the way `make test-vllm` reads them: launch scripts' `vllm serve` lines with "$@" and env vars expanded."""
    from rocm_vllm.serve_argv import serve_commands

    rendered = helm.render_chart(chart, values, api_versions=helm.CRD_API_VERSIONS)
    return [word for command in serve_commands(helm.split_manifests(rendered)) for word in command.argv]


def test_the_written_schemas_match_the_table(load_script: Callable[[str], ModuleType]) -> None:
    sync = load_script("sync_field_table")
    stale = [
        str(p.relative_to(REPO))
        for p, text in sync.synced_files(field_table()).items()
        if p.read_text() != text
    ]
    assert stale == [], f"run `make schemas`: {stale}"


_SAMPLES: dict[str, Callable[[Any], Any]] = {
    "integer": lambda schema: max(1, schema.get("minimum", 1)),
    "number": lambda schema: 0.5,
    "boolean": lambda schema: True,
}


def test_every_flag_the_chart_writes_is_owned_and_every_owned_flag_is_written() -> None:
    """The chart-owned list comes from the table, so it can miss no flag the template writes."""
    full = recipe_to_values(validate_paths([VALID / "extras-and-deployment.yaml"]).recipes[0])
    full["vllm"]["extraArgs"] = []
    full["model"].update({"servedModelName": "served", "trustRemoteCode": True})
    full["vllm"].update({"maxNumSeqs": 8, "quantization": "fp8", "enableExpertParallel": True})
    adapter = {"name": "sql", "repo": "example-org/sql-lora", "revision": "0" * 40}
    full["lora"] = {"enabled": True, "adapters": [adapter], "maxCpuLoras": 2, "dtype": "bfloat16"}
    for row in field_table().fields:  # a numeric or boolean option added later gets a sample value too
        *parents, leaf = (row.value or "").split(".")
        node = full
        for part in parents:
            node = node.setdefault(part, {})
        if row.flag and node.get(leaf) in (None, False) and row.schema.get("type") in _SAMPLES:
            node[leaf] = _SAMPLES[row.schema["type"]](row.schema)
    written: set[str] = set()
    for launch in (None, "ray", "mp"):
        values = copy.deepcopy(full)
        if launch:
            values["multiNode"] = {"nodesPerReplica": 2, "launchMode": launch}
        written |= {word.split("=")[0] for word in chart_args(values) if word.startswith("--")}
    # Data parallel across nodes with every data-parallel setting given (files/dp-launch.sh, both LB modes).
    for balancing in ("internal", "hybrid"):
        values = copy.deepcopy(full)
        values["multiNode"] = {"nodesPerReplica": 2, "launchMode": "mp"}
        values["gpu"]["count"] = 8
        values["vllm"].update({"tensorParallelSize": 1, "pipelineParallelSize": 1, "dataParallelSize": 16})
        values["dataParallel"] = {
            "sizeLocal": 8,
            "loadBalancing": balancing,
            "apiServerCount": 2,
            "all2allBackend": "mori_low_latency",
            "eplb": {"enabled": True, "numRedundantExperts": 32},
        }
        written |= {word.split("=")[0] for word in chart_args(values) if word.startswith("--")}
    owned = field_table().owned_flags()
    written -= {
        "--port=6379",
        "--address",
        "--block",
        "--head",
    }  # the Ray commands' own flags, not vllm serve's
    written = {w for w in written if not w.startswith("--port=")}
    assert written - set(owned) == set()
    assert {row.flag for row in field_table().fields if row.flag} <= written


def test_every_row_sets_a_chart_value_the_chart_has() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    for row in field_table().fields:
        for target in filter(None, (row.value, row.catalog_value, *row.enables)):
            node = schema
            for part in target.split("."):
                node = node["properties"][part]
            assert node, target


def test_every_row_names_a_real_check() -> None:
    sources = "".join(p.read_text() for p in (REPO / "generator" / "rocm_vllm" / "checks").glob("*.py"))
    for row in field_table().fields:
        if row.check:
            assert f'"{row.check}"' in sources, (row.path, row.check)


def test_recipe_fields_take_the_table_defaults() -> None:
    recipe = validate_paths([VALID / "minimal-single-gpu.yaml"]).recipes[0]
    assert recipe.gpu_memory_utilization == 0.9 and recipe.kv_cache_dtype == "auto" and recipe.pipeline == 1
    assert recipe.extra_args == () and recipe.env == () and recipe.autoscaling is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[0].update(colour="red"), "unknown column"),
        (lambda rows: rows[0].update(when="sometimes"), "when 'sometimes'"),
        (lambda rows: rows.append(copy.deepcopy(rows[0])), "listed twice"),
        (lambda rows: rows[0].pop("doc"), "one-line doc"),
    ],
)
def test_a_malformed_table_is_refused(change: Callable[[list[dict[str, Any]]], Any], message: str) -> None:
    raw = raw_table()
    change(raw["fields"])
    with pytest.raises(FieldTableError, match=message):
        parse_field_table(raw)


def test_a_row_outside_any_section_is_refused() -> None:
    raw = raw_table()
    raw["fields"].append({"path": "nowhere.field", "schema": {"type": "string"}, "doc": "x"})
    with pytest.raises(FieldTableError, match="section 'nowhere'"):
        _ = parse_field_table(raw).recipe_schema


FAKE_ROW = {
    "path": "serving.fakeChunkTokens",
    "schema": {"type": "integer", "minimum": 1},
    "value": "vllm.fakeChunkTokens",
    "flag": "--fake-chunk-tokens",
    "doc": "Tokens per fake chunk (a made-up option proving the table drives everything).",
}
FAKE_TEMPLATE_LINE = (
    '{{- if not (kindIs "invalid" $v.fakeChunkTokens) }}{{ $args = concat $args '
    '(list "--fake-chunk-tokens" (toString (int $v.fakeChunkTokens))) }}{{ end }}\n'
)


def test_a_new_vllm_option_is_one_table_row_and_one_template_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load_script: Callable[[str], ModuleType]
) -> None:
    # Edit 1 of 2: the row, in a copy of the table.
    raw = raw_table()
    raw["fields"].insert(
        next(i for i, row in enumerate(raw["fields"]) if row["path"] == "serving.maxNumSeqs") + 1, FAKE_ROW
    )
    table = parse_field_table(raw)
    # Edit 2 of 2: the template line, in a copy of the chart, next to the flag it resembles.
    chart = tmp_path / "rocm-vllm"
    shutil.copytree(CHART, chart)
    pod = chart / "templates" / "_pod.tpl"
    anchor = next(line for line in pod.read_text().splitlines(keepends=True) if '"--max-num-seqs"' in line)
    pod.write_text(pod.read_text().replace(anchor, anchor + FAKE_TEMPLATE_LINE))
    # Generated: the chart's values schema entry (scripts/sync_field_table.py does this for the real chart).
    schema_file = chart / "values.schema.json"
    schema_file.write_text(json.dumps(chart_schema_with_fields(json.loads(schema_file.read_text()), table)))

    # The recipe schema takes the field and checks its type.
    from jsonschema import Draft202012Validator

    document = yaml.safe_load((VALID / "minimal-single-gpu.yaml").read_text())
    document["serving"]["fakeChunkTokens"] = 512
    validator = Draft202012Validator(table.recipe_schema)
    assert list(validator.iter_errors(document)) == []
    assert list(
        validator.iter_errors({**document, "serving": {**document["serving"], "fakeChunkTokens": "x"}})
    )

    # The values carry it, the chart schema takes it, and the chart writes the flag.
    ids = load_catalog().gpus[document["hardware"]["gpu"]].device_ids
    recipe = Recipe(LoadedDocument(Path("r.yaml"), document), table.values_of(document), gpu_device_ids=ids)
    values = recipe_to_values(recipe, table)
    assert values["vllm"]["fakeChunkTokens"] == 512
    args = chart_args(values, chart)
    assert args[args.index("--fake-chunk-tokens") + 1] == "512"

    # A recipe may no longer pass the flag itself: the chart owns it now.
    from rocm_vllm.checks import CheckContext, resolve, vllm_cli
    from rocm_vllm.vllm_facts import load_vllm_facts

    monkeypatch.setattr(vllm_cli, "field_table", lambda: table)
    document["vllm"] = {"extraArgs": ["--fake-chunk-tokens=64"]}
    recipe = Recipe(document=LoadedDocument(Path("r.yaml"), document), fields=table.values_of(document))
    context = CheckContext(load_catalog(), load_vllm_facts())
    (finding,) = vllm_cli.check_extra_args(resolve(recipe, context.catalog), context)
    assert "set by the chart from serving.fakeChunkTokens" in finding.message

    # The docs: the recipe field reference and the chart's values table.
    docs = load_script("render_docs")
    reference = docs.render_recipe_fields(table)
    assert "| `serving.fakeChunkTokens` | integer ≥ 1 |" in reference and "`--fake-chunk-tokens`" in reference
    assert "| `vllm.fakeChunkTokens` | integer or null ≥ 1 |" in docs.render_values_table(chart)


def test_the_chart_defaults_agree_with_the_table_defaults() -> None:
    """A field's default and the chart value it sets start from the same number (0.9 is written once here)."""
    chart_defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    compared = 0
    for row in field_table().fields:
        if not (row.has_default and row.value):
            continue
        node: Any = chart_defaults
        for part in row.value.split("."):
            node = node[part]
        assert node == row.default, row.path
        compared += 1
    assert compared >= 8


def test_plan_defaults_to_the_table_gpu_memory_utilization() -> None:
    from rocm_vllm.commands.plan import plan
    from rocm_vllm.plan import PlanRequest

    default = field_table().row("serving.gpuMemoryUtilization").default
    assert PlanRequest(model="m", gpu="g").gpu_memory_utilization == default
    option = next(p for p in plan.params if p.name == "gpu_memory_utilization")
    assert option.default == default
