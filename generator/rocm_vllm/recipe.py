"""The recipe's typed form, built from a document that already passed the JSON schema.

Every field's value (its default applied) comes from the field table (rocm_vllm.fields); the properties below
are the typed names the checks read. A field no check reads needs no property: values.py maps it by its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rocm_vllm import fields as field_table_module
from rocm_vllm.yamlio import LoadedDocument


def recipe_schema() -> dict[str, Any]:
    """The recipe's JSON schema, built from the field table (schemas/recipe.schema.json is its written copy)."""
    return field_table_module.field_table().recipe_schema


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

    @property
    def name(self) -> str:
        return str(self._get("name"))

    @property
    def description(self) -> str:
        return str(self._get("description") or "")

    @property
    def goal(self) -> str:
        return str(self._get("goal"))

    @property
    def model_id(self) -> str:
        return str(self._get("model.id"))

    @property
    def revision(self) -> str:
        return str(self._get("model.revision"))

    @property
    def served_model_name(self) -> str | None:
        value: str | None = self._get("model.servedModelName")
        return value

    @property
    def trust_remote_code(self) -> bool:
        return bool(self._get("model.trustRemoteCode"))

    @property
    def gpu(self) -> str:
        return str(self._get("hardware.gpu"))

    @property
    def gpus_per_node(self) -> int:
        return int(self._get("hardware.gpusPerNode"))

    @property
    def nodes_per_replica(self) -> int:
        return int(self._get("hardware.nodesPerReplica"))

    @property
    def dtype(self) -> str:
        return str(self._get("precision.dtype"))

    @property
    def quantization(self) -> str | None:
        value: str | None = self._get("precision.quantization")
        return value

    @property
    def kv_cache_dtype(self) -> str:
        return str(self._get("precision.kvCacheDtype"))

    @property
    def tensor(self) -> int:
        return int(self._get("parallelism.tensor"))

    @property
    def pipeline(self) -> int:
        return int(self._get("parallelism.pipeline"))

    @property
    def data(self) -> int:
        return int(self._get("parallelism.data"))

    @property
    def expert(self) -> bool:
        return bool(self._get("parallelism.expert"))

    @property
    def launch_mode(self) -> str | None:
        value: str | None = self._get("launch.mode")
        return value

    @property
    def max_model_len(self) -> int:
        return int(self._get("serving.maxModelLen"))

    @property
    def gpu_memory_utilization(self) -> float:
        return float(self._get("serving.gpuMemoryUtilization"))

    @property
    def max_num_seqs(self) -> int | None:
        value: int | None = self._get("serving.maxNumSeqs")
        return value

    @property
    def image_repository(self) -> str | None:
        value: str | None = self._get("image.repository")
        return value

    @property
    def image_tag(self) -> str | None:
        value: str | None = self._get("image.tag")
        return value

    @property
    def replicas(self) -> int | None:
        value: int | None = self._get("deployment.replicas")
        return value

    @property
    def pdb_max_unavailable(self) -> int | None:
        value: int | None = self._get("deployment.podDisruptionBudget.maxUnavailable")
        return value

    @property
    def shm_size(self) -> str | None:
        value: str | None = self._get("deployment.shmSize")
        return value

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
