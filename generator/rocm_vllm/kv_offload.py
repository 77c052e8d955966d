"""KV cache offload to host memory (vLLM 0.23.0 --kv-offloading-size / --kv-offloading-backend): the buffer a recipe
gets and the extra tokens it holds.

The buffer is sized from the node's host memory: the recipe's serving.kvOffload.hostMemoryGiB (the pod's share of
its node), else the GPU catalog's sourced node type with the least host memory per GPU, of which the pod's share is
host memory x (GPUs the pod requests / GPUs of that node). From the share go SYSTEM_RESERVE for the operating
system, kubelet and daemons, and what the pod already requests (vLLM's own memory and /dev/shm); the buffer is
`share` (default 0.5) of what is left, in whole GiB, unless serving.kvOffload.sizeGiB gives it. The chart adds the
buffer to the pod's memory request.

Tokens: the buffer holds whole tokens of every layer the pod serves: bytes per token per GPU (the memory model's
rocm_vllm.capacity.kv_bytes_per_token_per_gpu) x the pod's GPUs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rocm_vllm.catalog import Checkpoint, GpuSpec, ModelSpec
from rocm_vllm.recipe import Recipe

GIB = 2**30
SYSTEM_RESERVE = 0.10
DEFAULT_SHM = "16Gi"  # the chart's rocm.shmSize default


@dataclass(frozen=True)
class KvOffloadPlan:
    backend: str
    host_memory_gib: int | None  # the node's host memory the buffer was sized from; None: no figure
    host_memory_source: str
    pod_share_gib: float  # the pod's share of the node, less the system reserve
    pod_request_gib: float  # vLLM's own request and /dev/shm
    size_gib: float | None  # the buffer; None when there is no figure to size it from
    bytes_per_token: float | None  # KV bytes of one token across the pod's GPUs; None for an unknown model

    @property
    def free_gib(self) -> float:
        return self.pod_share_gib - self.pod_request_gib

    @property
    def extra_tokens(self) -> int | None:
        if self.size_gib is None or not self.bytes_per_token:
            return None
        return int(self.size_gib * GIB // self.bytes_per_token)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "hostMemoryGiB": self.host_memory_gib,
            "hostMemorySource": self.host_memory_source,
            "podShareGiB": round(self.pod_share_gib, 2),
            "podRequestGiB": round(self.pod_request_gib, 2),
            "sizeGiB": self.size_gib,
            "kvBytesPerToken": self.bytes_per_token,
            "extraTokens": self.extra_tokens,
        }


def _quantity_gib(quantity: str) -> float:
    unit = quantity[-2:]
    return float(quantity[:-2]) * {"Gi": 1.0, "Mi": 1 / 1024}[unit]


def kv_offload_plan(
    recipe: Recipe,
    gpu: GpuSpec | None,
    model: ModelSpec | None = None,
    checkpoint: Checkpoint | None = None,
) -> KvOffloadPlan | None:
    """The recipe's KV offload buffer, or None when the recipe asks for no offload."""
    from rocm_vllm.capacity import kv_bytes_per_element, kv_bytes_per_token_per_gpu
    from rocm_vllm.pod_resources import memory_request_gib

    fields = recipe.fields
    backend = fields["serving.kvOffload.backend"]
    if backend is None:
        return None
    given_host = fields["serving.kvOffload.hostMemoryGiB"]
    node = gpu.smallest_host_node if gpu is not None else None
    if given_host is not None:
        host, node_gpus, source = int(given_host), recipe.gpus_per_node, "serving.kvOffload.hostMemoryGiB"
    elif node is not None:
        host, node_gpus, source = node.host_memory_gib, node.gpus, f"{node.name}: {node.source}"
    else:
        host, node_gpus, source = None, recipe.gpus_per_node, "none (the GPU catalog has no sourced figure)"
    share = 0.0 if host is None else host * min(1.0, recipe.gpus_per_node / node_gpus) * (1 - SYSTEM_RESERVE)
    request = memory_request_gib(recipe) + _quantity_gib(recipe.shm_size or DEFAULT_SHM)
    size: float | None = fields["serving.kvOffload.sizeGiB"]
    if size is None and host is not None:
        size = float(math.floor((share - request) * float(fields["serving.kvOffload.share"])))
    per_token = None
    if model is not None:
        element = kv_bytes_per_element(recipe.kv_cache_dtype, recipe.dtype, model.native_dtype)
        per_gpu = kv_bytes_per_token_per_gpu(model, element, recipe.tensor, recipe.pipeline)
        per_token = per_gpu * recipe.gpus_per_node
    return KvOffloadPlan(str(backend), host, source, share, request, size, per_token)
