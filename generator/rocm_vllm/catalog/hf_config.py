"""A catalog model entry from a model's own Hugging Face `config.json` (bring your own model).

`rocm-vllm catalog import config.json` prints the entry; a recipe's `model.config` points the checks at a
config file directly.  The entry has the keys of `models.yaml` (camelCase), read from the config's own
names: the text config of multimodal models (`text_config`), mixture-of-experts fields under the names the
families use (DeepSeek `n_routed_experts`, Qwen `num_experts`, Mixtral `num_local_experts`, gpt-oss
`num_local_experts`/`experts_per_token`), MLA (`kv_lora_rank`, `qk_rope_head_dim`), sliding-window layers
(`layer_types`, Gemma's `sliding_window_pattern`) and `quantization_config` (fp8 with `weight_block_size`,
mxfp4, AMD Quark, AWQ/GPTQ bits and group size).  A config carries no parameter count, so total and active
parameters are computed from the shapes (embeddings, attention projections, MLPs, experts, routers; norms
and biases left out, well under 0.1% of any large model).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rocm_vllm.errors import InvalidInputError

if TYPE_CHECKING:
    from rocm_vllm.catalog import Checkpoint, ModelSpec

DTYPES = {"bfloat16": "bfloat16", "float16": "float16", "float32": "float32", "half": "float16"}


def _int(config: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _need_int(config: Mapping[str, Any], where: str, *names: str) -> int:
    value = _int(config, *names)
    if value is None or value == 0:
        raise InvalidInputError(f"{where}: config has no positive integer '{names[0]}'")
    return value


def text_config(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The language model's config: `text_config` of a multimodal model, else the config itself."""
    inner = config.get("text_config")
    return inner if isinstance(inner, Mapping) and "num_hidden_layers" in inner else config


def _quantization(config: Mapping[str, Any], text: Mapping[str, Any]) -> dict[str, Any]:
    """The checkpoint's storage: weightDtype (+ otherWeightDtype, weightBlockSize, groupSize)."""
    raw = config.get("quantization_config") or text.get("quantization_config")
    if not isinstance(raw, Mapping):
        return {}
    method = str(raw.get("quant_method", "")).lower()
    if method == "fp8":
        out: dict[str, Any] = {"weightDtype": "fp8"}
        block = raw.get("weight_block_size")
        if isinstance(block, list) and len(block) == 2 and all(isinstance(b, int) for b in block):
            out["weightBlockSize"] = list(block)
        return out
    if method == "mxfp4":
        # gpt-oss: MXFP4 for the routed experts only; modules_to_not_convert stay in the model dtype.
        return {"weightDtype": "mxfp4", "otherWeightDtype": _dtype(config, text)}
    if method == "quark":
        weight = (raw.get("global_quant_config") or {}).get("weight") or {}
        if isinstance(weight, Mapping) and weight.get("dtype") == "fp4":
            return {"weightDtype": "mxfp4", "otherWeightDtype": _dtype(config, text)}
        if isinstance(weight, Mapping) and str(weight.get("dtype", "")).startswith("fp8"):
            return {"weightDtype": "fp8"}
        return {}
    if method in {"awq", "gptq"}:
        bits = raw.get("bits", raw.get("w_bit"))
        group = raw.get("group_size", raw.get("q_group_size"))
        out = {"weightDtype": {4: "int4", 8: "int8"}.get(bits, "int4") if isinstance(bits, int) else "int4"}
        if isinstance(group, int) and group > 0:
            out["groupSize"] = group
        return out
    return {}


def _dtype(config: Mapping[str, Any], text: Mapping[str, Any]) -> str:
    raw = text.get("torch_dtype") or text.get("dtype") or config.get("torch_dtype") or config.get("dtype")
    return DTYPES.get(str(raw), "bfloat16")


def _sliding_layers(text: Mapping[str, Any], layers: int) -> int:
    """Layers vLLM sizes as sliding window: `layer_types` when given, else Gemma's pattern (every n-th layer
    global), else every layer when the window is on (Mistral); 0 without a window."""
    window = _int(text, "sliding_window")
    if not window or text.get("use_sliding_window") is False:
        return 0
    types = text.get("layer_types")
    if isinstance(types, list) and types:
        return sum(1 for kind in types if kind == "sliding_attention")
    pattern = _int(text, "sliding_window_pattern")
    if pattern:
        return layers - layers // pattern
    return layers


def _chunked_layers(text: Mapping[str, Any], layers: int) -> int:
    """Chunked local attention layers (Llama 4): the RoPE layers when `attention_chunk_size` is set; vLLM reads
    `no_rope_layers` (1 = RoPE), whose default puts a NoPE layer every `no_rope_layer_interval` (4) layers."""
    if not _int(text, "attention_chunk_size"):
        return 0
    flags = text.get("no_rope_layers")
    if isinstance(flags, list) and flags:
        return sum(1 for flag in flags[:layers] if flag)
    interval = _int(text, "no_rope_layer_interval") or 4
    return sum(1 for index in range(layers) if (index + 1) % interval != 0)


def _is_llama4(config: Mapping[str, Any]) -> bool:
    architectures = config.get("architectures") or []
    return (
        any(str(name).startswith("Llama4") for name in architectures) or config.get("model_type") == "llama4"
    )


def entry_from_config(config: Mapping[str, Any], hf_id: str, where: str = "config.json") -> dict[str, Any]:
    """The catalog entry (models.yaml keys) for the model `config` describes, published as `hf_id`."""
    text = text_config(config)
    layers = _need_int(text, where, "num_hidden_layers", "n_layers", "num_layers")
    hidden = _need_int(text, where, "hidden_size", "d_model")
    heads = _need_int(text, where, "num_attention_heads", "n_heads")
    kv_heads = _int(text, "num_key_value_heads", "num_kv_heads") or heads
    vocab = _need_int(text, where, "vocab_size")
    positions = _need_int(text, where, "max_position_embeddings", "max_seq_len", "seq_length")
    dtype = _dtype(config, text)
    experts = _int(text, "n_routed_experts", "num_experts", "num_local_experts", "moe_num_experts")
    top_k = _int(text, "num_experts_per_tok", "experts_per_token", "moe_top_k")
    intermediate = _int(text, "intermediate_size_mlp", "intermediate_size", "ffn_hidden_size")
    moe_width = _int(text, "moe_intermediate_size", "intermediate_size") if experts else None
    shared = _int(text, "n_shared_experts", "num_shared_experts") or 0
    if not shared and experts and _is_llama4(config):
        # Llama 4's MoE layers always add one shared expert of the routed width (transformers' and vLLM's
        # Llama4 MoE build `shared_expert`); its config has no key for it.
        shared = 1
    shared_width = _int(text, "shared_expert_intermediate_size")
    if shared_width and not shared:
        shared = 1
    first_dense = _int(text, "first_k_dense_replace") or 0
    step = _int(text, "interleave_moe_layer_step", "decoder_sparse_step") or 1
    kv_lora = _int(text, "kv_lora_rank")
    rope = _int(text, "qk_rope_head_dim")
    mla = bool(kv_lora and rope is not None)
    # MLA's query/key head: the non-rotary plus the rotary part; otherwise head_dim or hidden / heads
    nope = _int(text, "qk_nope_head_dim") or 0
    head_dim = nope + (rope or 0) if mla else (_int(text, "head_dim") or hidden // heads)
    sliding = _sliding_layers(text, layers)

    entry: dict[str, Any] = {
        "huggingFaceIds": {hf_id: {"weightDtype": dtype} | _quantization(config, text)},
        "architecture": (config.get("architectures") or ["unknown"])[0],
        "numLayers": layers,
        "hiddenSize": hidden,
        "numAttentionHeads": heads,
        "numKeyValueHeads": kv_heads,
        "headDim": head_dim,
        "vocabSize": vocab,
        "maxPositionEmbeddings": positions,
        "nativeDtype": dtype,
        "attention": "mla" if mla else ("sliding" if sliding else "standard"),
    }
    if intermediate and not (experts and moe_width == intermediate and "moe_intermediate_size" not in text):
        entry["intermediateSize"] = intermediate
    if mla:
        entry |= {"kvLoraRank": kv_lora, "qkRopeHeadDim": rope}
    if sliding:
        entry |= {"slidingWindow": _int(text, "sliding_window"), "numSlidingLayers": sliding}
    chunked = _chunked_layers(text, layers)
    if chunked:
        entry |= {"attentionChunkSize": _int(text, "attention_chunk_size"), "numChunkedLayers": chunked}
    if experts and experts > 1:
        entry |= {"numExperts": experts, "expertsPerToken": top_k or 1, "numSharedExperts": shared}
        if moe_width:
            entry["moeIntermediateSize"] = moe_width
        if first_dense:
            entry["firstKDenseReplace"] = first_dense
        if step > 1:
            entry["interleaveMoeLayerStep"] = step
    # A multimodal config may carry the key in its text config only; a config without it is read as untied.
    tied = bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False)))
    if tied:
        entry["tieWordEmbeddings"] = True
    total, active = parameter_counts(text, entry, shared_width, tied=tied)
    entry |= {"totalParams": total, "activeParams": active}
    entry["notes"] = (
        f"Imported from {where} by `rocm-vllm catalog import`; parameters computed from the shapes."
    )
    return entry


def parameter_counts(
    text: Mapping[str, Any], entry: Mapping[str, Any], shared_width: int | None, *, tied: bool
) -> tuple[int, int]:
    """(total, active) parameters from the shapes: embeddings (twice unless tied), attention projections,
    dense MLPs (gate, up, down), routed experts (k of E active), shared experts and routers."""
    hidden, layers, heads = entry["hiddenSize"], entry["numLayers"], entry["numAttentionHeads"]
    embeddings = entry["vocabSize"] * hidden * (1 if tied else 2)
    if entry["attention"] == "mla":
        q_lora = _int(text, "q_lora_rank")
        qk = entry["headDim"]
        v_dim = _int(text, "v_head_dim") or qk
        kv_lora, rope = entry["kvLoraRank"], entry["qkRopeHeadDim"]
        q = hidden * q_lora + q_lora * heads * qk if q_lora else hidden * heads * qk
        kv = hidden * (kv_lora + rope) + kv_lora * heads * (qk - rope + v_dim)
        attention = q + kv + heads * v_dim * hidden
    else:
        head_dim, kv_heads = entry["headDim"], entry["numKeyValueHeads"]
        attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
    experts = entry.get("numExperts") or 0
    moe_layers = len(
        range(entry.get("firstKDenseReplace", 0), layers, entry.get("interleaveMoeLayerStep", 1))
    )
    moe_layers = moe_layers if experts else 0
    dense_layers = layers - moe_layers
    dense_mlp = 3 * hidden * entry.get("intermediateSize", 0)
    expert_mlp = 3 * hidden * entry.get("moeIntermediateSize", 0)
    shared = (
        3 * hidden * (shared_width or entry.get("moeIntermediateSize", 0)) * entry.get("numSharedExperts", 0)
    )
    router = hidden * experts
    common = embeddings + layers * attention + dense_layers * dense_mlp + moe_layers * (shared + router)
    total = common + moe_layers * experts * expert_mlp
    active = common + moe_layers * entry.get("expertsPerToken", 0) * expert_mlp
    return total, active


def load_config(path: Path) -> dict[str, Any]:
    """A config.json through the hardened loader (size, encoding, duplicate keys), as a mapping."""
    from rocm_vllm.yamlio import load_mapping_file

    return dict(load_mapping_file(path, "a model config.json").data)


def model_from_config_file(path: Path, hf_id: str) -> tuple[ModelSpec, Checkpoint]:
    """The model and its one checkpoint as the checks use them, read from a config.json."""
    from rocm_vllm.catalog import model_from_entry

    entry = entry_from_config(load_config(path), hf_id, where=str(path))
    model = model_from_entry(entry_name(hf_id), entry, str(path))
    return model, model.checkpoints[0]


def entry_name(hf_id: str) -> str:
    """The catalog name for a Hugging Face id: its repository part, lower case."""
    return hf_id.rsplit("/", 1)[-1].lower()
