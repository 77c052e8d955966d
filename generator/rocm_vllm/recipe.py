"""The recipe's typed form, built from a document that already passed the JSON schema.

Every field's value (its default applied) comes from the field table (rocm_vllm.fields); the properties below
are the typed names the checks read. A field no check reads needs no property: values.py maps it by its row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rocm_vllm import fields as field_table_module
from rocm_vllm.yamlio import LoadedDocument


def recipe_schema() -> dict[str, Any]:
    """The recipe's JSON schema, built from the field table (schemas/recipe.schema.json is its written copy)."""
    return field_table_module.field_table().recipe_schema


T = TypeVar("T")


class _Typed(Generic[T]):
    """A recipe field's value by its table path, converted to the type the checks read."""

    def __init__(self, path: str, convert: Callable[[Any], T]) -> None:
        self.path, self.convert = path, convert

    def __get__(self, recipe: Any, owner: Any = None) -> T:
        return self.convert(recipe.fields[self.path])


def _optional(convert: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda value: None if value is None else convert(value)


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True)
class LoraAdapter:
    """One static LoRA adapter of a recipe (lora.adapters[index])."""

    index: int
    name: str
    base_model: str
    rank: int
    repo: str | None = None
    revision: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Lora:
    """A recipe's lora section; None fields take vLLM's defaults (max_loras 1, max_lora_rank 16)."""

    adapters: tuple[LoraAdapter, ...]
    adapter_configs: Mapping[str, str]
    max_loras: int | None
    max_lora_rank: int | None
    max_cpu_loras: int | None
    dtype: str | None
    runtime_updating: bool

    # vLLM 0.23.0 defaults (vllm/config/lora.py: max_loras 1, max_lora_rank 16)
    DEFAULT_MAX_LORAS = 1
    DEFAULT_MAX_LORA_RANK = 16

    @property
    def slots(self) -> int:
        return self.max_loras if self.max_loras is not None else self.DEFAULT_MAX_LORAS

    @property
    def rank(self) -> int:
        return self.max_lora_rank if self.max_lora_rank is not None else self.DEFAULT_MAX_LORA_RANK


@dataclass(frozen=True)
class Recipe:
    """A recipe's field values by dotted path (defaults applied); `document` keeps file and line numbers."""

    document: LoadedDocument
    fields: Mapping[str, Any]
    gpu_device_ids: tuple[str, ...] = ()  # the GPU catalog's PCI device ids for `gpu`, set once checked

    def _get(self, path: str) -> Any:
        return self.fields[path]

    name = _Typed("name", str)
    description = _Typed("description", lambda value: str(value or ""))
    goal = _Typed("goal", str)
    model_id = _Typed("model.id", str)
    model_config = _Typed("model.config", _optional(str))
    revision = _Typed("model.revision", str)
    served_model_name = _Typed("model.servedModelName", _optional(str))
    trust_remote_code = _Typed("model.trustRemoteCode", bool)
    gpu = _Typed("hardware.gpu", str)
    gpus_per_node = _Typed("hardware.gpusPerNode", int)
    nodes_per_replica = _Typed("hardware.nodesPerReplica", int)
    partition = _Typed("hardware.partition", _optional(str))
    allocation = _Typed("hardware.allocation", _optional(str))
    dtype = _Typed("precision.dtype", str)
    quantization = _Typed("precision.quantization", _optional(str))
    kv_cache_dtype = _Typed("precision.kvCacheDtype", str)
    tensor = _Typed("parallelism.tensor", int)
    pipeline = _Typed("parallelism.pipeline", int)
    data = _Typed("parallelism.data", int)
    expert = _Typed("parallelism.expert", bool)
    data_local = _Typed("parallelism.dataLocal", _optional(int))
    load_balancing = _Typed("parallelism.loadBalancing", _optional(str))
    api_server_count = _Typed("parallelism.apiServerCount", _optional(int))
    all2all_backend = _Typed("parallelism.all2allBackend", _optional(str))
    redundant_experts = _Typed("parallelism.redundantExperts", _optional(int))
    launch_mode = _Typed("launch.mode", _optional(str))
    max_model_len = _Typed("serving.maxModelLen", int)
    gpu_memory_utilization = _Typed("serving.gpuMemoryUtilization", float)
    max_num_seqs = _Typed("serving.maxNumSeqs", _optional(int))
    image_repository = _Typed("image.repository", _optional(str))
    image_tag = _Typed("image.tag", _optional(str))
    replicas = _Typed("deployment.replicas", _optional(int))
    pdb_max_unavailable = _Typed("deployment.podDisruptionBudget.maxUnavailable", _optional(int))
    shm_size = _Typed("deployment.shmSize", _optional(str))
    scale_from_zero_max_replicas = _Typed("deployment.scaleFromZero.maxReplicas", _optional(int))

    @property
    def extra_args(self) -> tuple[str, ...]:
        return tuple(self._get("vllm.extraArgs"))

    @property
    def env(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self._get("vllm.env").items()))

    @property
    def autoscaling(self) -> Autoscaling | None:
        low, high = (
            self._get("deployment.autoscaling.minReplicas"),
            self._get("deployment.autoscaling.maxReplicas"),
        )
        return Autoscaling(int(low), int(high)) if low is not None and high is not None else None

    @property
    def lora(self) -> Lora | None:
        """The lora section when any of its fields is given (LoRA is on), else None."""
        paths = [path for path in self.fields if path.startswith("lora.")]
        if all(self._get(path) in (None, [], {}, False) for path in paths):
            return None
        adapters = tuple(
            LoraAdapter(
                index=index,
                name=str(entry["name"]),
                base_model=str(entry["baseModel"]),
                rank=int(entry["rank"]),
                repo=entry.get("repo"),
                revision=entry.get("revision"),
                path=entry.get("path"),
            )
            for index, entry in enumerate(self._get("lora.adapters") or [])
        )
        return Lora(
            adapters=adapters,
            adapter_configs=dict(self._get("lora.adapterConfigs") or {}),
            max_loras=_optional(int)(self._get("lora.maxLoras")),
            max_lora_rank=_optional(int)(self._get("lora.maxLoraRank")),
            max_cpu_loras=_optional(int)(self._get("lora.maxCpuLoras")),
            dtype=_optional(str)(self._get("lora.dtype")),
            runtime_updating=bool(self._get("lora.runtimeUpdating")),
        )

    @property
    def gpus_per_replica(self) -> int:
        return self.gpus_per_node * self.nodes_per_replica

    @property
    def is_multi_node(self) -> bool:
        return self.nodes_per_replica > 1

    @property
    def data_across_nodes(self) -> bool:
        """Data-parallel ranks spread over the pods of a LeaderWorkerSet group (one node's ranks per pod)."""
        return self.is_multi_node and self.data > 1

    @property
    def data_per_pod(self) -> int:
        """Data-parallel ranks each pod runs: dataLocal, else data / nodesPerReplica (all of them on one node)."""
        if self.data_local is not None:
            return self.data_local
        return self.data // self.nodes_per_replica if self.data_across_nodes else self.data

    @property
    def expert_parallel_size(self) -> int:
        """Ranks the routed experts are sharded over with expert parallelism: data x tensor (vLLM's EP size)."""
        return self.data * self.tensor


def recipe_from_document(document: LoadedDocument) -> Recipe:
    """Build the typed recipe; call only after the schema check passed (types are trusted here)."""
    return Recipe(document=document, fields=field_table_module.field_table().values_of(document.data))
