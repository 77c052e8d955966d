"""GPU and model facts: the data files shipped beside this module, extendable by the user.

The built-in catalog is `gpus.yaml` and `models.yaml` here (each entry cites its sources).  Users add
or override entries with a directory holding their own `gpus.yaml` and/or `models.yaml` in the same
format (`--catalog DIR` or the ROCM_VLLM_CATALOG environment variable); their entries win by name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.partitions import PROFILE_PATTERN, PartitionMode
from rocm_vllm.yamlio import LoadedDocument, load_error, load_yaml_file

_T = TypeVar("_T")

BUILTIN_DIR = Path(__file__).resolve().parent
CATALOG_ENV = "ROCM_VLLM_CATALOG"

# Bytes one weight takes in each storage format.  MXFP4 stores 4-bit values plus one 8-bit scale
# per 32-value block (OCP microscaling), hence 4.25 bits.
BYTES_PER_WEIGHT: dict[str, float] = {
    "float32": 4.0,
    "float": 4.0,
    "bfloat16": 2.0,
    "float16": 2.0,
    "half": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "mxfp6": 6.25 / 8,
    "mxfp4": 4.25 / 8,
    "int4": 0.5,
}


@dataclass(frozen=True)
class HostNode:
    """A published node type of a GPU (a cloud size, a benchmark system) and its host memory, with the source."""

    name: str
    gpus: int
    host_memory_gib: int
    source: str


@dataclass(frozen=True)
class GpuSpec:
    name: str
    arch: str
    generation: int
    memory_bytes: int
    bandwidth_bytes_per_s: float
    precisions: tuple[str, ...]
    device_ids: tuple[str, ...]
    product_names: tuple[str, ...] = ()
    fp8_format: str | None = None
    weight_formats: tuple[str, ...] = ()  # formats vLLM loads as weights here; empty: the native precisions
    compute_units: int | None = None
    partitions: tuple[PartitionMode, ...] = ()  # the compute/memory partition modes the GPU supports
    partition: str | None = None  # set on the spec of one partition (as_partition), None for a whole GPU
    host_nodes: tuple[HostNode, ...] = ()  # sourced node types with their host memory (KV offload sizing)

    @property
    def smallest_host_node(self) -> HostNode | None:
        """The sourced node type with the least host memory per GPU: the conservative figure to size from."""
        return min(self.host_nodes, key=lambda n: n.host_memory_gib / n.gpus, default=None)

    @property
    def loadable_weight_formats(self) -> tuple[str, ...]:
        return self.weight_formats or self.precisions

    @property
    def label(self) -> str:
        """How messages name the device: MI300X, or "MI300X cpx_nps4 partition"."""
        return f"{self.name} {self.partition} partition" if self.partition else self.name

    def partition_mode(self, profile: str) -> PartitionMode | None:
        return next((mode for mode in self.partitions if mode.profile == profile), None)

    def as_partition(self, profile: str) -> GpuSpec | None:
        """One partition of this GPU in `profile` (memory, bandwidth and compute units divided by the partitions
        per GPU), or None when the catalog lists no such mode for it."""
        mode = self.partition_mode(profile)
        if mode is None:
            return None
        return dataclasses.replace(
            self,
            memory_bytes=self.memory_bytes // mode.devices,
            bandwidth_bytes_per_s=self.bandwidth_bytes_per_s / mode.devices,
            compute_units=self.compute_units // mode.devices if self.compute_units else None,
            partitions=(),
            partition=profile,
        )


@dataclass(frozen=True)
class Checkpoint:
    """One published checkpoint (Hugging Face id) of a model architecture."""

    hf_id: str
    weight_dtype: str
    revision: str | None = None
    weight_bytes: int | None = None  # the checkpoint's size when published; overrides params x dtype
    # Mixed-precision checkpoints: weight_dtype is the routed experts' format and this the format of
    # everything else (gpt-oss: MXFP4 experts; attention, router, embeddings and lm_head stay BF16).
    other_weight_dtype: str | None = None
    weight_block_size: tuple[int, int] | None = None  # FP8 block quantization [n, k] (weight_block_size)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    num_layers: int
    hidden_size: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    max_position_embeddings: int
    native_dtype: str
    total_params: float
    active_params: float
    attention: str = "standard"
    kv_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None
    num_experts: int | None = None
    experts_per_token: int | None = None
    checkpoints: tuple[Checkpoint, ...] = field(default_factory=tuple)
    vocab_size: int | None = None
    intermediate_size: int | None = None  # dense MLP width
    moe_intermediate_size: int | None = None  # one routed expert's MLP width
    first_k_dense_replace: int = 0  # leading dense layers of an MoE model (DeepSeek)
    moe_layer_step: int = 1  # every n-th layer is MoE (Llama 4 Maverick: 2)
    num_shared_experts: int = 0
    sliding_window: int | None = None
    num_sliding_layers: int = 0  # layers attending only the last sliding_window tokens
    attention_chunk_size: int | None = None
    num_chunked_layers: int = 0  # chunked local attention layers (Llama 4's RoPE layers)
    tied_embeddings: bool = False  # config.json tie_word_embeddings: the LM head shares the input embedding

    @property
    def num_full_attention_layers(self) -> int:
        return self.num_layers - self.num_sliding_layers - self.num_chunked_layers

    @property
    def num_moe_layers(self) -> int:
        if not self.is_moe:
            return 0
        return len(range(self.first_k_dense_replace, self.num_layers, self.moe_layer_step))

    @property
    def is_moe(self) -> bool:
        return bool(self.num_experts and self.num_experts > 1)

    @property
    def is_mla(self) -> bool:
        return self.attention == "mla"


@dataclass(frozen=True)
class Catalog:
    gpus: Mapping[str, GpuSpec]
    models: Mapping[str, ModelSpec]

    def checkpoint(self, hf_id: str) -> tuple[ModelSpec, Checkpoint] | None:
        for model in self.models.values():
            for checkpoint in model.checkpoints:
                if checkpoint.hf_id == hf_id:
                    return model, checkpoint
        return None

    def all_hf_ids(self) -> list[str]:
        return sorted(c.hf_id for m in self.models.values() for c in m.checkpoints)


def _need(entry: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = entry.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidInputError(f"{where}: '{key}' is missing or not a {getattr(kind, '__name__', kind)}")
    if isinstance(value, (int, float)) and not 0 < value < 1e18:
        raise InvalidInputError(f"{where}: '{key}' must be a positive number, got {value!r}")
    return value


def _optional(entry: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """An optional field: absent (or null) is None, anything else must pass `_need`."""
    return None if entry.get(key) is None else _need(entry, key, kind, where)


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _gpu_from_entry(name: str, entry: Mapping[str, Any], where: str) -> GpuSpec:
    # What the runtime reports (and vLLM multiplies by gpuMemoryUtilization): memoryBytes when given,
    # else memoryGiB x 2^30, else a decimal memoryGB x 10^9.
    explicit_bytes = _optional(entry, "memoryBytes", int, where)
    if explicit_bytes is not None:
        memory_bytes = explicit_bytes
    elif entry.get("memoryGiB") is not None:
        memory_bytes = int(_need(entry, "memoryGiB", (int, float), where) * 2**30)
    else:
        memory_bytes = int(_need(entry, "memoryGB", (int, float), where) * 1e9)
    return GpuSpec(
        name=name,
        arch=str(_need(entry, "arch", str, where)),
        generation=int(_need(entry, "generation", int, where)),
        memory_bytes=memory_bytes,
        bandwidth_bytes_per_s=float(_need(entry, "memoryBandwidthTBps", (int, float), where)) * 1e12,
        precisions=_strings({"precisions": _need(entry, "precisions", list, where)}, "precisions", where),
        device_ids=tuple(d.lower() for d in _strings(entry, "deviceIds", where)),
        product_names=_strings(entry, "productNames", where),
        fp8_format=_optional(entry, "fp8Format", str, where),
        weight_formats=_strings(entry, "weightFormats", where),
        compute_units=_optional(entry, "computeUnits", int, where),
        partitions=_partition_modes(entry, where),
        host_nodes=_host_nodes(entry, where),
    )


def _partition_modes(entry: Mapping[str, Any], where: str) -> tuple[PartitionMode, ...]:
    """The `partitions` mapping of a GPU entry: profile -> {devices: partitions per GPU, confirmed: bool}."""
    raw = entry.get("partitions") or {}
    if not isinstance(raw, dict):
        raise InvalidInputError(
            f"{where}: 'partitions' must map partition profiles to {{devices, confirmed}}"
        )
    modes = []
    for profile, spec in sorted(raw.items()):
        here = f"{where}: partitions.{profile}"
        if not isinstance(profile, str) or not PROFILE_PATTERN.match(profile):
            raise InvalidInputError(f"{here}: a profile is <compute>_<memory> in lower case, e.g. cpx_nps4")
        if not isinstance(spec, dict) or set(spec) - {"devices", "confirmed"}:
            raise InvalidInputError(f"{here}: expected a mapping with devices and confirmed")
        devices = spec.get("devices")
        if not isinstance(devices, int) or isinstance(devices, bool) or devices not in (1, 2, 4, 8):
            raise InvalidInputError(f"{here}: devices must be 1, 2, 4 or 8 partitions per GPU")
        confirmed = spec.get("confirmed")
        if not isinstance(confirmed, bool):
            raise InvalidInputError(f"{here}: confirmed must be true or false")
        modes.append(PartitionMode(profile, devices, confirmed))
    return tuple(modes)


def _host_nodes(entry: Mapping[str, Any], where: str) -> tuple[HostNode, ...]:
    raw = entry.get("hostNodes") or []
    if not isinstance(raw, list):
        raise InvalidInputError(f"{where}: hostNodes must be a list")
    nodes = []
    for index, node in enumerate(raw):
        at = f"{where}: hostNodes[{index}]"
        if not isinstance(node, dict):
            raise InvalidInputError(f"{at} must be a mapping with name, gpus, hostMemoryGiB and source")
        nodes.append(
            HostNode(
                name=str(_need(node, "name", str, at)),
                gpus=int(_need(node, "gpus", int, at)),
                host_memory_gib=int(_need(node, "hostMemoryGiB", int, at)),
                source=str(_need(node, "source", str, at)),
            )
        )
    return tuple(nodes)


def _model_from_entry(name: str, entry: Mapping[str, Any], where: str) -> ModelSpec:
    hidden = int(_need(entry, "hiddenSize", int, where))
    heads = int(_need(entry, "numAttentionHeads", int, where))
    checkpoints = []
    ids = _need(entry, "huggingFaceIds", dict, where)
    native = _optional(entry, "nativeDtype", str, where) or "bfloat16"
    for hf_id, spec in sorted(ids.items()):
        spec = spec or {}
        if not isinstance(spec, dict):
            raise InvalidInputError(f"{where}: huggingFaceIds.{hf_id} must be a mapping (or empty)")
        checkpoints.append(
            Checkpoint(
                hf_id=str(hf_id),
                weight_dtype=_optional(spec, "weightDtype", str, where) or native,
                revision=_optional(spec, "revision", str, where),
                weight_bytes=_optional(spec, "weightBytes", int, where),
                other_weight_dtype=_optional(spec, "otherWeightDtype", str, where),
                weight_block_size=_block_size(spec, entry, where),
            )
        )
    total = float(_need(entry, "totalParams", (int, float), where))
    return ModelSpec(
        name=name,
        num_layers=int(_need(entry, "numLayers", int, where)),
        hidden_size=hidden,
        num_attention_heads=heads,
        num_key_value_heads=int(_optional(entry, "numKeyValueHeads", int, where) or heads),
        head_dim=int(_optional(entry, "headDim", int, where) or max(1, hidden // heads)),
        max_position_embeddings=int(_need(entry, "maxPositionEmbeddings", int, where)),
        native_dtype=native,
        total_params=total,
        active_params=float(_optional(entry, "activeParams", (int, float), where) or total),
        attention=_optional(entry, "attention", str, where) or "standard",
        kv_lora_rank=_optional(entry, "kvLoraRank", int, where),
        qk_rope_head_dim=_optional(entry, "qkRopeHeadDim", int, where),
        num_experts=_optional(entry, "numExperts", int, where),
        experts_per_token=_optional(entry, "expertsPerToken", int, where),
        checkpoints=tuple(checkpoints),
        vocab_size=_optional(entry, "vocabSize", int, where),
        intermediate_size=_optional(entry, "intermediateSize", int, where),
        moe_intermediate_size=_optional(entry, "moeIntermediateSize", int, where),
        first_k_dense_replace=int(entry.get("firstKDenseReplace") or 0),
        moe_layer_step=int(entry.get("interleaveMoeLayerStep") or 1),
        num_shared_experts=int(entry.get("numSharedExperts") or 0),
        sliding_window=_optional(entry, "slidingWindow", int, where),
        num_sliding_layers=int(entry.get("numSlidingLayers") or 0),
        attention_chunk_size=_optional(entry, "attentionChunkSize", int, where),
        num_chunked_layers=int(entry.get("numChunkedLayers") or 0) if entry.get("attentionChunkSize") else 0,
        tied_embeddings=bool(entry.get("tieWordEmbeddings", False)),
    )


def model_from_entry(name: str, entry: Mapping[str, Any], where: str) -> ModelSpec:
    """A models.yaml entry as the checks use it (also for entries built from a config.json)."""
    return _model_from_entry(name, entry, where)


def _block_size(spec: Mapping[str, Any], entry: Mapping[str, Any], where: str) -> tuple[int, int] | None:
    """A checkpoint's FP8 block size: its own `weightBlockSize`, else the model's `quantization.weightBlockSize`
    when the checkpoint is stored in fp8."""
    block = spec.get("weightBlockSize")
    quantization = entry.get("quantization") or {}
    if block is None and spec.get("weightDtype") == "fp8" and isinstance(quantization, dict):
        block = quantization.get("weightBlockSize")
    if block is None:
        return None
    if not (isinstance(block, list) and len(block) == 2 and all(isinstance(b, int) and b > 0 for b in block)):
        raise InvalidInputError(f"{where}: quantization.weightBlockSize must be two positive integers")
    return (block[0], block[1])


def _read_section(path: Path, section: str) -> tuple[dict[str, Any], LoadedDocument | None]:
    if not path.is_file():
        return {}, None
    document = load_yaml_file(path)
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(section), dict):
        raise load_error(path, 1, f"expected a top-level mapping '{section}:' of entries")
    entries: dict[str, Any] = data[section]
    for entry_name, entry in entries.items():
        if not isinstance(entry, dict):
            line = document.line_of((section, entry_name)) or 1
            raise load_error(path, line, f"{section}.{entry_name} must be a mapping", (section, entry_name))
    return entries, document


def _entries(path: Path, section: str, build: Callable[[str, Mapping[str, Any], str], _T]) -> dict[str, _T]:
    """Every entry of one catalog file, built by `build`; a field of the wrong type names the file and line."""
    entries, document = _read_section(path, section)
    built: dict[str, _T] = {}
    for name, entry in entries.items():
        where = (section, name)
        try:
            built[name] = build(name, entry, f"{path}: {section}.{name}")
        except InvalidInputError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as error:
            line = document.line_of(where) if document else None
            raise load_error(
                path, line or 1, f"{section}.{name}: a field has the wrong type or value ({error})", where
            ) from None
    return built


def load_catalog(extra_dirs: tuple[Path, ...] = ()) -> Catalog:
    """The built-in catalog with the entries of each directory in `extra_dirs` laid over it, in order."""
    env_dir = os.environ.get(CATALOG_ENV)
    dirs = (BUILTIN_DIR, *((Path(env_dir),) if env_dir else ()), *extra_dirs)
    return _load_catalog_cached(tuple(p.resolve() for p in dirs))


@lru_cache(maxsize=8)
def _load_catalog_cached(dirs: tuple[Path, ...]) -> Catalog:
    gpus: dict[str, GpuSpec] = {}
    models: dict[str, ModelSpec] = {}
    for directory in dirs:
        if directory != BUILTIN_DIR and not directory.is_dir():
            raise InvalidInputError(f"{directory}: catalog directory does not exist")
        gpus.update(_entries(directory / "gpus.yaml", "gpus", _gpu_from_entry))
        models.update(_entries(directory / "models.yaml", "models", _model_from_entry))
    return Catalog(gpus=dict(sorted(gpus.items())), models=dict(sorted(models.items())))
