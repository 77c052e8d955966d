"""CPU and memory requests of a recipe's serving pods (chart value `resources`), so no pod is QoS BestEffort.

The figures are requests, not limits (a memory limit would kill a model load at its host-memory peak), and the
memory is vLLM's own: the chart adds the memory-backed /dev/shm (rocm.shmSize) to the request itself.

- CPU: 2 cores per GPU in the pod (one vLLM worker process each, plus tokenization and the API server), at least 4.
- Memory: 8 GiB for the API server and the runtime, 4 GiB per GPU in the pod (each worker's torch/HIP host
  state), and a quarter of the pod's share of the checkpoint (the catalog's checkpoint size, or parameters x
  bytes per weight), because safetensors shards pass through host memory while the model loads, several at a time.
  A model the catalog does not know contributes no checkpoint share.

The requests are not capped by node size: host memory is chosen by the server vendor, and the GPU catalog's sourced
node types (hostNodes) are examples, used to size the KV offload buffer (rocm_vllm.kv_offload), not limits.
"""

from __future__ import annotations

import math
from typing import Any

from rocm_vllm.recipe import Recipe

GIB = 2**30
CPU_PER_GPU = 2
MIN_CPU = 4
BASE_MEMORY_GIB = 8
MEMORY_GIB_PER_GPU = 4
CHECKPOINT_SHARE = 0.25


def checkpoint_bytes_per_pod(recipe: Recipe) -> float:
    """The pod's share of the checkpoint's bytes (pipeline stages split it over the group's nodes); 0 when unknown."""
    from rocm_vllm.capacity import model_weight_bytes
    from rocm_vllm.catalog import load_catalog

    found = load_catalog().checkpoint(recipe.model_id)
    if found is None:
        return 0.0
    model, checkpoint = found
    total = model_weight_bytes(model, checkpoint, recipe.quantization, recipe.dtype)
    return total / recipe.nodes_per_replica


def memory_request_gib(recipe: Recipe) -> int:
    """vLLM's own host memory request in GiB (the chart adds /dev/shm and the KV offload buffer to it)."""
    loading = math.ceil(CHECKPOINT_SHARE * checkpoint_bytes_per_pod(recipe) / GIB)
    return BASE_MEMORY_GIB + MEMORY_GIB_PER_GPU * recipe.gpus_per_node + loading


def pod_resources(recipe: Recipe) -> dict[str, Any]:
    """The chart's `resources` value for the recipe's serving pods (memory without /dev/shm or the KV offload
    buffer, which the chart adds)."""
    cpu = max(MIN_CPU, CPU_PER_GPU * recipe.gpus_per_node)
    return {"requests": {"cpu": str(cpu), "memory": f"{memory_request_gib(recipe)}Gi"}}
