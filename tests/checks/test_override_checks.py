"""Override checks: the chart's values schema and every recipe check on the merged values, findings moved to
the override that introduced the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.checks.overrides import VALUE_TO_RECIPE, check_overrides, recipe_with_values
from rocm_vllm.overrides import load_overrides
from rocm_vllm.paths import chart_dir
from rocm_vllm.recipe import Recipe
from rocm_vllm.validate import default_context, load_valid_recipe
from rocm_vllm.values import recipe_to_values

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recipe() -> Recipe:
    return load_valid_recipe(str(REPO / "recipes" / "qwen3-8b-mi300x-fp8-tp1-throughput.yaml"))


def test_every_mapped_chart_value_is_one_the_recipe_sets(recipe: Recipe) -> None:
    """The inverse table names only chart values recipe_to_values writes (or may write)."""
    values = recipe_to_values(recipe)
    optional = {("model", "servedModelName"), ("model", "trustRemoteCode"), ("multiNode", "launchMode")}
    optional |= {("image", "repository"), ("image", "tag"), ("vllm", "maxNumSeqs")}
    for value_path in VALUE_TO_RECIPE:
        node = values
        for part in value_path[:-1]:
            node = node.get(part, {})
        assert value_path[-1] in node or value_path in optional, value_path


def test_untouched_recipe_fields_stay_and_touched_ones_follow_the_values(recipe: Recipe) -> None:
    overrides = load_overrides([], ["vllm.quantization=", "vllm.maxModelLen=4096"])
    merged = {"vllm": {"quantization": "", "maxModelLen": 4096}}
    data = recipe_with_values(recipe, merged, overrides)
    assert data is not None
    assert data["serving"]["maxModelLen"] == 4096 and "quantization" not in data["precision"]
    assert data["hardware"] == recipe.document.data["hardware"]
    assert recipe_with_values(recipe, {}, load_overrides([], ["podAnnotations.a=b"])) is None


def test_findings_point_at_the_override(recipe: Recipe, tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    path.write_text("gpu:\n  model: MI999X\n")
    findings = check_overrides(recipe, chart_dir(), load_overrides([path], []), default_context())
    assert findings and all(f.file == str(path) and f.line == 2 for f in findings)


def test_a_parent_finding_points_at_the_value_that_caused_it(recipe: Recipe) -> None:
    findings = check_overrides(recipe, chart_dir(), load_overrides([], ["gpu.count=2"]), default_context())
    parallelism = [f for f in findings if f.check == "parallelism"]
    assert parallelism and all(f.file == "--set gpu.count=2" for f in parallelism)


def test_no_overrides_no_findings(recipe: Recipe) -> None:
    assert check_overrides(recipe, chart_dir(), load_overrides([], []), default_context()) == []


def test_a_null_override_deletes_the_chart_default_too() -> None:
    from rocm_vllm.checks.overrides import effective_values

    merged = effective_values(chart_dir(), {"vllm": {"port": 9000}}, load_overrides([], ["vllm.port=null"]))
    assert "port" not in merged["vllm"] and merged["vllm"]["dtype"] == "auto"
