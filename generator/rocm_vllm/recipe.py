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
    launch_mode = _Typed("launch.mode", _optional(str))
    max_model_len = _Typed("serving.maxModelLen", int)
    gpu_memory_utilization = _Typed("serving.gpuMemoryUtilization", float)
    max_num_seqs = _Typed("serving.maxNumSeqs", _optional(int))
    image_repository = _Typed("image.repository", _optional(str))
    image_tag = _Typed("image.tag", _optional(str))
    replicas = _Typed("deployment.replicas", _optional(int))
    pdb_max_unavailable = _Typed("deployment.podDisruptionBudget.maxUnavailable", _optional(int))
    shm_size = _Typed("deployment.shmSize", _optional(str))

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
    def gpus_per_replica(self) -> int:
        return self.gpus_per_node * self.nodes_per_replica

    @property
    def is_multi_node(self) -> bool:
        return self.nodes_per_replica > 1


def recipe_from_document(document: LoadedDocument) -> Recipe:
    """Build the typed recipe; call only after the schema check passed (types are trusted here)."""
    return Recipe(document=document, fields=field_table_module.field_table().values_of(document.data))
