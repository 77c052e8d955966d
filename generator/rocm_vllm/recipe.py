"""The recipe's typed form, built from a document that already passed the JSON schema."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from rocm_vllm.yamlio import LoadedDocument

SCHEMA_RESOURCE = "schemas/recipe.schema.json"


@lru_cache(maxsize=1)
def recipe_schema() -> dict[str, Any]:
    text = resources.files("rocm_vllm").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True)
class Recipe:
    """Every recipe field with its default applied; `document` keeps file and line numbers for findings."""

    document: LoadedDocument
    name: str
    goal: str
    model_id: str
    revision: str
    gpu: str
    gpus_per_node: int
    dtype: str
    tensor: int
    max_model_len: int
    description: str = ""
    served_model_name: str | None = None
    trust_remote_code: bool = False
    nodes_per_replica: int = 1
    quantization: str | None = None
    kv_cache_dtype: str = "auto"
    pipeline: int = 1
    data: int = 1
    expert: bool = False
    launch_mode: str | None = None
    gpu_memory_utilization: float = 0.9
    max_num_seqs: int | None = None
    image_repository: str | None = None
    image_tag: str | None = None
    extra_args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    replicas: int | None = None
    autoscaling: Autoscaling | None = None
    pdb_max_unavailable: int | None = None
    cache: dict[str, str] = field(default_factory=dict)
    shm_size: str | None = None

    @property
    def gpus_per_replica(self) -> int:
        return self.gpus_per_node * self.nodes_per_replica

    @property
    def is_multi_node(self) -> bool:
        return self.nodes_per_replica > 1


def recipe_from_document(document: LoadedDocument) -> Recipe:
    """Build the typed recipe; call only after the schema check passed (types are trusted here)."""
    data: dict[str, Any] = document.data
    model, hardware, precision = data["model"], data["hardware"], data["precision"]
    parallelism, serving = data["parallelism"], data["serving"]
    image = data.get("image", {})
    vllm = data.get("vllm", {})
    deployment = data.get("deployment", {})
    scaling = deployment.get("autoscaling")
    return Recipe(
        document=document,
        name=data["name"],
        description=data.get("description", ""),
        goal=data["goal"],
        model_id=model["id"],
        revision=model["revision"],
        served_model_name=model.get("servedModelName"),
        trust_remote_code=model.get("trustRemoteCode", False),
        gpu=hardware["gpu"],
        gpus_per_node=hardware["gpusPerNode"],
        nodes_per_replica=hardware.get("nodesPerReplica", 1),
        dtype=precision["dtype"],
        quantization=precision.get("quantization"),
        kv_cache_dtype=precision.get("kvCacheDtype", "auto"),
        tensor=parallelism["tensor"],
        pipeline=parallelism.get("pipeline", 1),
        data=parallelism.get("data", 1),
        expert=parallelism.get("expert", False),
        launch_mode=data.get("launch", {}).get("mode"),
        max_model_len=serving["maxModelLen"],
        gpu_memory_utilization=float(serving.get("gpuMemoryUtilization", 0.9)),
        max_num_seqs=serving.get("maxNumSeqs"),
        image_repository=image.get("repository"),
        image_tag=image.get("tag"),
        extra_args=tuple(vllm.get("extraArgs", ())),
        env=tuple(sorted(vllm.get("env", {}).items())),
        replicas=deployment.get("replicas"),
        autoscaling=Autoscaling(scaling["minReplicas"], scaling["maxReplicas"]) if scaling else None,
        pdb_max_unavailable=deployment.get("podDisruptionBudget", {}).get("maxUnavailable"),
        cache=dict(deployment.get("cache", {})),
        shm_size=deployment.get("shmSize"),
    )
