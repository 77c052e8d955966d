"""scripts/generate_models_catalog.py: the built-in models.yaml is the import of stored config facts, up to date,
and covers every recipe's model and the checkpoints issue 12 names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from script_loading import script_module

REPO = Path(__file__).resolve().parents[2]


GEN = script_module("generate_models_catalog")
OVERLAY = GEN.load_overlay()

# Issue 12's list of checkpoints public runs use (those whose config facts the research sourced).
ISSUE_12_IDS = (
    "deepseek-ai/DeepSeek-R1-0528",
    "deepseek-ai/DeepSeek-V3.1",
    "Qwen/Qwen3-235B-A22B-Instruct-2507",
    "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8",
    "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "zai-org/GLM-4.5",
    "zai-org/GLM-4.6",
    "MiniMaxAI/MiniMax-M2",
    "meta-llama/Llama-3.3-70B-Instruct",
    "amd/gpt-oss-120b-w-mxfp4-a-fp8",
)


def _generated_from_config(hf_id: str) -> str | None:
    """The catalog name whose entry is imported from a stored config and lists `hf_id`, else None."""
    for name, spec in OVERLAY.items():
        if "config" in spec and hf_id in spec["checkpoints"]:
            return str(name)
    return None


def test_models_yaml_is_up_to_date() -> None:
    assert GEN.main(["--check"]) == 0, "run make catalog"


def test_every_recipe_model_is_generated_from_a_stored_config() -> None:
    recipes = sorted((REPO / "recipes").glob("*.yaml"))
    assert recipes
    for path in recipes:
        hf_id = yaml.safe_load(path.read_text())["model"]["id"]
        assert _generated_from_config(hf_id), f"{path.name}: {hf_id} has no stored config"


@pytest.mark.parametrize("hf_id", ISSUE_12_IDS)
def test_issue_12_checkpoints_are_generated_from_stored_configs(hf_id: str) -> None:
    assert _generated_from_config(hf_id), hf_id


def test_entries_are_the_importers_result_with_sources() -> None:
    """The architecture of a generated entry is exactly what `catalog import` makes of the stored config."""
    from rocm_vllm.catalog.hf_config import entry_from_config, load_config

    catalog = yaml.safe_load(GEN.MODELS_YAML.read_text())["models"]
    for name, spec in OVERLAY.items():
        if "config" not in spec:
            continue
        config = load_config(GEN.config_path(spec["config"]))
        imported = entry_from_config(config, spec["config"])
        for field in ("numLayers", "hiddenSize", "headDim", "totalParams", "activeParams", "attention"):
            assert catalog[name][field] == imported[field], (name, field)
        assert catalog[name]["sources"][: len(config["_source"]["facts"])] == config["_source"]["facts"]


def test_every_stored_config_is_used() -> None:
    used = {spec["config"] for spec in OVERLAY.values() if "config" in spec}
    used |= {hf_id for spec in OVERLAY.values() for hf_id in spec.get("checkpoints") or {}}
    stored = {path.stem.replace("--", "/") for path in GEN.CONFIGS_DIR.glob("*.json")}
    assert stored <= used, sorted(stored - used)


def test_a_config_without_its_source_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GEN, "CONFIGS_DIR", tmp_path)
    config = json.loads((REPO / "tests" / "fixtures" / "configs" / "deepseek-v3.json").read_text())
    (tmp_path / "org--model.json").write_text(json.dumps(config))
    overlay = {"m": {"config": "org/model", "checkpoints": {"org/model": None}}}
    with pytest.raises(GEN.CatalogSourceError, match="_source"):
        GEN.build_catalog(overlay)
    config["_source"] = {"hf_id": "org/model", "facts": ["a fixture"]}
    (tmp_path / "org--model.json").write_text(json.dumps(config))
    entry = GEN.build_catalog(overlay)["models"]["m"]
    assert entry["sources"] == ["a fixture"] and entry["attention"] == "mla"
    with pytest.raises(GEN.CatalogSourceError, match="weightDtype"):
        GEN.build_catalog({"m": {"config": "org/model", "checkpoints": {"org/model": None, "org/other": {}}}})
    with pytest.raises(GEN.CatalogSourceError, match="unknown overlay keys"):
        GEN.build_catalog(
            {"m": {"config": "org/model", "checkpoints": {"org/model": None}, "totalParams": 1}}
        )
