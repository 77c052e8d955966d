"""GPU and model facts: the data files shipped beside this module, extendable by the user.

The built-in catalog is `gpus.yaml` and `models.yaml` here (each entry cites its sources).  Users add
or override entries with a directory holding their own `gpus.yaml` and/or `models.yaml` in the same
format (`--catalog DIR` or the ROCM_VLLM_CATALOG environment variable); their entries win by name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.yamlio import load_yaml_file

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

    @property
    def loadable_weight_formats(self) -> tuple[str, ...]:
        return self.weight_formats or self.precisions


@dataclass(frozen=True)
class Checkpoint:
    """One published checkpoint (Hugging Face id) of a model architecture."""

    hf_id: str
    weight_dtype: str
    revision: str | None = None
    weight_bytes: int | None = None  # the checkpoint's size when published; overrides params x dtype


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
    return value


def _gpu_from_entry(name: str, entry: Mapping[str, Any], where: str) -> GpuSpec:
    memory_gb = entry.get("memoryGB", entry.get("memoryGiB"))
    if not isinstance(memory_gb, (int, float)) or isinstance(memory_gb, bool):
        raise InvalidInputError(f"{where}: 'memoryGB' is missing or not a number")
    # Marketed HBM sizes are decimal gigabytes (192 GB = 192e9 bytes).
    memory_bytes = int(entry["memoryBytes"]) if "memoryBytes" in entry else int(memory_gb * 1e9)
    return GpuSpec(
        name=name,
        arch=str(_need(entry, "arch", str, where)),
        generation=int(_need(entry, "generation", int, where)),
        memory_bytes=memory_bytes,
        bandwidth_bytes_per_s=float(_need(entry, "memoryBandwidthTBps", (int, float), where)) * 1e12,
        precisions=tuple(str(p) for p in _need(entry, "precisions", list, where)),
        device_ids=tuple(str(d).lower() for d in entry.get("deviceIds") or ()),
        product_names=tuple(str(p) for p in entry.get("productNames") or ()),
        fp8_format=entry.get("fp8Format"),
        weight_formats=tuple(str(p) for p in entry.get("weightFormats") or ()),
    )


def _model_from_entry(name: str, entry: Mapping[str, Any], where: str) -> ModelSpec:
    hidden = int(_need(entry, "hiddenSize", int, where))
    heads = int(_need(entry, "numAttentionHeads", int, where))
    checkpoints = []
    ids = _need(entry, "huggingFaceIds", dict, where)
    for hf_id, spec in sorted(ids.items()):
        spec = spec or {}
        checkpoints.append(
            Checkpoint(
                hf_id=str(hf_id),
                weight_dtype=str(spec.get("weightDtype", entry.get("nativeDtype", "bfloat16"))),
                revision=spec.get("revision"),
                weight_bytes=int(spec["weightBytes"]) if spec.get("weightBytes") else None,
            )
        )
    total = float(_need(entry, "totalParams", (int, float), where))
    return ModelSpec(
        name=name,
        num_layers=int(_need(entry, "numLayers", int, where)),
        hidden_size=hidden,
        num_attention_heads=heads,
        num_key_value_heads=int(entry.get("numKeyValueHeads") or heads),
        head_dim=int(entry.get("headDim") or hidden // heads),
        max_position_embeddings=int(_need(entry, "maxPositionEmbeddings", int, where)),
        native_dtype=str(entry.get("nativeDtype", "bfloat16")),
        total_params=total,
        active_params=float(entry.get("activeParams") or total),
        attention=str(entry.get("attention", "standard")),
        kv_lora_rank=entry.get("kvLoraRank"),
        qk_rope_head_dim=entry.get("qkRopeHeadDim"),
        num_experts=entry.get("numExperts"),
        experts_per_token=entry.get("expertsPerToken"),
        checkpoints=tuple(checkpoints),
    )


def _read_section(path: Path, section: str) -> dict[str, Any]:
    if not path.is_file():
        return {}
    document = load_yaml_file(path)
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(section), dict):
        raise InvalidInputError(f"{path}:1: expected a top-level mapping '{section}:' of entries")
    entries: dict[str, Any] = data[section]
    for entry_name, entry in entries.items():
        if not isinstance(entry, dict):
            line = document.line_of((section, entry_name)) or 1
            raise InvalidInputError(f"{path}:{line}: {section}.{entry_name} must be a mapping")
    return entries


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
        gpu_file, model_file = directory / "gpus.yaml", directory / "models.yaml"
        for name, entry in _read_section(gpu_file, "gpus").items():
            gpus[name] = _gpu_from_entry(name, entry, f"{gpu_file}: gpus.{name}")
        for name, entry in _read_section(model_file, "models").items():
            models[name] = _model_from_entry(name, entry, f"{model_file}: models.{name}")
    return Catalog(gpus=dict(sorted(gpus.items())), models=dict(sorted(models.items())))
