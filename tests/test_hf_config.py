"""Catalog entries from config.json files (bring your own model).

The fixture configs under tests/fixtures/configs carry the facts of docs/research/issue-12-facts.md
section 5 (DeepSeek-V3 from deepseek-ai/DeepSeek-V3's configs, gpt-oss from openai/gpt-oss, Qwen3-235B-FP8
and Gemma-3-4B from verbatim public copies) under the Hugging Face config key names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.catalog import load_catalog, model_from_entry
from rocm_vllm.catalog.hf_config import entry_from_config, load_config, model_from_config_file
from rocm_vllm.errors import InvalidInputError

CONFIGS = Path(__file__).parent / "fixtures" / "configs"


def _config(name: str) -> dict[str, object]:
    return load_config(CONFIGS / name)


def _entry(name: str, hf_id: str = "org/model") -> dict[str, object]:
    return entry_from_config(load_config(CONFIGS / name), hf_id)


def test_deepseek_mla_moe_and_fp8_blocks() -> None:
    entry = _entry("deepseek-v3.json", "deepseek-ai/DeepSeek-V3")
    assert entry["attention"] == "mla" and (entry["kvLoraRank"], entry["qkRopeHeadDim"]) == (512, 64)
    assert entry["headDim"] == 192  # qk_nope + qk_rope
    assert (entry["numExperts"], entry["expertsPerToken"], entry["numSharedExperts"]) == (256, 8, 1)
    assert (entry["moeIntermediateSize"], entry["firstKDenseReplace"]) == (2048, 3)
    assert entry["huggingFaceIds"] == {
        "deepseek-ai/DeepSeek-V3": {"weightDtype": "fp8", "weightBlockSize": [128, 128]}
    }
    # 671B total / 37B active as DeepSeek publishes them (the MTP layer is not counted)
    assert entry["totalParams"] == pytest.approx(671e9, rel=0.005)
    assert entry["activeParams"] == pytest.approx(37e9, rel=0.02)


def test_gpt_oss_sliding_layers_and_mxfp4_experts_only() -> None:
    entry = _entry("gpt-oss-120b.json")
    assert entry["attention"] == "sliding"
    assert (entry["slidingWindow"], entry["numSlidingLayers"]) == (128, 18)
    assert entry["huggingFaceIds"] == {"org/model": {"weightDtype": "mxfp4", "otherWeightDtype": "bfloat16"}}
    assert (entry["numExperts"], entry["expertsPerToken"], entry["moeIntermediateSize"]) == (128, 4, 2880)
    assert "intermediateSize" not in entry  # the experts' width, not a dense MLP
    assert entry["totalParams"] == pytest.approx(116.83e9, rel=0.002)  # 114.66B experts + 2.17B other


def test_qwen3_moe_without_sliding_window() -> None:
    entry = _entry("qwen3-235b-a22b-fp8.json")
    assert entry["attention"] == "standard" and "slidingWindow" not in entry
    # the published counts less the norms (94 x (2 x 4096 + 2 x 128) + 4096 = 798,208 parameters)
    assert entry["activeParams"] == 22_190_763_520 - 798_208
    assert entry["totalParams"] == 235_093_634_560 - 798_208


def test_gemma_pattern_and_text_config() -> None:
    entry = _entry("gemma-3-4b-it.json")
    assert (entry["numLayers"], entry["numSlidingLayers"], entry["slidingWindow"]) == (34, 29, 1024)
    assert entry["vocabSize"] == 262_208 and entry["headDim"] == 256


def test_tied_embeddings_are_recorded_and_counted_once() -> None:
    config = _config("deepseek-v3.json")
    untied = entry_from_config(config, "org/model")
    tied = entry_from_config({**config, "tie_word_embeddings": True}, "org/model")
    assert "tieWordEmbeddings" not in untied and tied["tieWordEmbeddings"] is True
    assert untied["totalParams"] - tied["totalParams"] == 129_280 * 7168  # the LM head's own table
    model = model_from_entry("tied", tied, "test")
    assert model.tied_embeddings


def test_awq_bits_and_group_size() -> None:
    entry = _entry("awq-int4.json")
    assert entry["huggingFaceIds"] == {"org/model": {"weightDtype": "int4", "groupSize": 128}}
    assert entry["nativeDtype"] == "float16"


ARCHITECTURE_FIELDS = (
    "num_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "vocab_size",
    "max_position_embeddings",
    "attention",
    "kv_lora_rank",
    "qk_rope_head_dim",
    "num_experts",
    "experts_per_token",
    "moe_intermediate_size",
    "first_k_dense_replace",
    "num_shared_experts",
    "sliding_window",
    "num_sliding_layers",
)


@pytest.mark.parametrize(
    ("config", "hf_id", "builtin"),
    [
        ("qwen3-235b-a22b-fp8.json", "Qwen/Qwen3-235B-A22B-FP8", "qwen3-235b-a22b"),
        ("deepseek-v3.json", "deepseek-ai/DeepSeek-V3", "deepseek-v3"),
        ("gpt-oss-120b.json", "openai/gpt-oss-120b", "gpt-oss-120b"),
    ],
)
def test_built_in_entries_agree_with_their_imported_configs(config: str, hf_id: str, builtin: str) -> None:
    """A drift check between the hand-written catalog and the import code: the same config facts give the
    same architecture, and the same checkpoint storage."""
    model, checkpoint = model_from_config_file(CONFIGS / config, hf_id)
    catalog_model = load_catalog().models[builtin]
    for field in ARCHITECTURE_FIELDS:
        assert getattr(model, field) == getattr(catalog_model, field), field
    catalog_checkpoint = next(c for c in catalog_model.checkpoints if c.hf_id == hf_id)
    assert checkpoint.weight_dtype == catalog_checkpoint.weight_dtype
    assert checkpoint.other_weight_dtype == catalog_checkpoint.other_weight_dtype
    assert checkpoint.weight_block_size == catalog_checkpoint.weight_block_size


def test_broken_and_incomplete_configs_are_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"broken\.json:"):
        load_config(CONFIGS / "broken.json")
    with pytest.raises(InvalidInputError, match=r"num_hidden_layers"):
        entry_from_config({"hidden_size": 8}, "org/x")
    listed = tmp_path / "config.json"
    listed.write_text("[1, 2]")
    with pytest.raises(InvalidInputError, match="must be a mapping"):
        load_config(listed)


def test_llama4_chunked_local_layers_from_the_rope_interval() -> None:
    entry = _entry("llama-4-scout.json")
    # no no_rope_layers list: a NoPE layer every 4th of 48, the other 36 chunked
    assert (entry["attentionChunkSize"], entry["numChunkedLayers"]) == (8192, 36)
    assert (entry["intermediateSize"], entry["moeIntermediateSize"], entry["numExperts"]) == (16384, 8192, 16)
    listed = {**load_config(CONFIGS / "llama-4-scout.json")}
    listed["text_config"] = {**listed["text_config"], "no_rope_layers": [1, 1, 0] * 16}
    assert entry_from_config(listed, "a/b")["numChunkedLayers"] == 32


def test_llama4_moe_layers_carry_one_shared_expert() -> None:
    """Llama 4's config names no shared expert, yet every MoE layer has one: 17B active as Meta publishes."""
    entry = _entry("llama-4-scout.json")
    assert entry["numSharedExperts"] == 1
    assert entry["activeParams"] == pytest.approx(17e9, rel=0.02)
    assert entry["totalParams"] == pytest.approx(109e9, rel=0.02)  # Meta's 109B counts the vision encoder too
    assert entry_from_config(_config("gpt-oss-120b.json"), "a/b")["numSharedExperts"] == 0  # only Llama 4
