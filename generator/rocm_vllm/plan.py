"""Capacity planning: every layout of a model on a GPU type, feasible or not, with its memory and a decode bound;
for a recipe file, its start budget and KV offload (plan_recipe).

Feasibility is decided by the very checks `validate` runs on recipe files (a candidate layout is built
as an in-memory recipe), so `plan` can never call a layout feasible that `validate` would reject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.capacity import LoraSlots, MemoryPlan, lora_dtype_bytes, plan_memory
from rocm_vllm.checks import CheckContext, check_recipe_data
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.fields import field_table
from rocm_vllm.findings import Severity
from rocm_vllm.kv_offload import KvOffloadPlan, kv_offload_plan
from rocm_vllm.startup import StartBudget, render_budget_text, start_budget

PLACEHOLDER_REVISION = "0" * 40  # plan checks layouts, not a pinned checkpoint


@dataclass(frozen=True)
class PlanRequest:
    model: str  # a Hugging Face id or a catalog name
    gpu: str
    gpus_per_node: int = 8
    max_nodes: int = 4
    max_model_len: int | None = None  # default: min(model positions, 32768)
    dtype: str = "auto"
    quantization: str | None = None
    kv_cache_dtype: str = "auto"
    gpu_memory_utilization: float = field_table().row("serving.gpuMemoryUtilization").default
    max_loras: int | None = None  # LoRA slots to count (vLLM --max-loras); None with no rank: no LoRA
    max_lora_rank: int | None = None
    aiter: bool = False  # the recipe would set VLLM_ROCM_USE_AITER=1: count AITER's all-reduce at TP > 1

    @property
    def lora(self) -> dict[str, int] | None:
        """The recipe's lora section for these slots, or None when no LoRA was asked for."""
        if self.max_loras is None and self.max_lora_rank is None:
            return None
        return {"maxLoras": self.max_loras or 1, "maxLoraRank": self.max_lora_rank or 16}


@dataclass(frozen=True)
class Shape:
    """One candidate layout: tensor x pipeline x data ranks over `nodes` pods of `gpus_per_pod` GPUs,
    experts spread over tensor x data ranks when `expert`."""

    tensor: int
    pipeline: int
    data: int
    expert: bool
    nodes: int
    gpus_per_pod: int


@dataclass(frozen=True)
class Layout:
    tensor: int
    pipeline: int
    nodes: int
    gpus_per_pod: int
    memory: MemoryPlan | None
    reasons: tuple[str, ...] = ()
    data: int = 1
    expert: bool = False
    # The in-memory recipe the checks ran on (placeholder revision): a feasible layout generates and renders.
    recipe: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def feasible(self) -> bool:
        return not self.reasons

    @property
    def gpus(self) -> int:
        return self.gpus_per_pod * self.nodes

    @property
    def kv_tokens(self) -> int:
        """Tokens the replica's KV caches hold: each data-parallel rank is an engine with its own cache."""
        return self.memory.kv_tokens * self.data if self.memory else 0

    @property
    def max_length_sequences(self) -> int:
        return self.memory.max_length_sequences * self.data if self.memory else 0

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "tensor": self.tensor,
            "pipeline": self.pipeline,
            "data": self.data,
            "expert": self.expert,
            "nodes": self.nodes,
            "gpusPerPod": self.gpus_per_pod,
            "gpus": self.gpus,
            "feasible": self.feasible,
        }
        if self.memory is not None:
            m = self.memory
            row.update(
                {
                    "maxModelLen": m.max_model_len,
                    "weightBytesPerGpu": int(m.weight_bytes_per_gpu),
                    "kvCacheBytesPerToken": m.kv_bytes_per_token,
                    "kvCacheBytesPerTokenPerGpu": int(m.kv_bytes_per_token_per_gpu),
                    "kvCacheTokens": self.kv_tokens,
                    "reserveBytesPerGpu": int(m.reserve_bytes),
                    "maxLengthSequences": self.max_length_sequences,
                    "decodeTokensPerSecondBound": round(m.decode_tokens_per_s_bound, 1),
                }
            )
            if m.lora_bytes_per_gpu:
                row["loraBytesPerGpu"] = int(m.lora_bytes_per_gpu)
        if self.reasons:
            row["reasons"] = list(self.reasons)
        return row


@dataclass
class PlanResult:
    request: PlanRequest
    hf_id: str
    model_name: str
    max_model_len: int
    layouts: list[Layout] = field(default_factory=list)

    @property
    def feasible(self) -> list[Layout]:
        return [layout for layout in self.layouts if layout.feasible]


def _candidate_shapes(gpus_per_node: int, max_nodes: int, moe: bool) -> list[Shape]:
    """Single-node shapes on 1, 2, 4 ... GPUs, then multi-node shapes on whole nodes with the tensor group
    inside a node.  For a mixture-of-experts model also the expert-parallel forms: TP with EP, and
    DP x TP with EP, on one node and across nodes (each pod one node's DP ranks, mp launch)."""
    shapes: list[Shape] = []
    sizes = []
    gpus = 1
    while gpus <= gpus_per_node:
        sizes.append(gpus)
        gpus *= 2
    if gpus_per_node not in sizes:
        sizes.append(gpus_per_node)
    for gpus in sizes:
        for tensor in range(1, gpus + 1):
            if gpus % tensor == 0:
                shapes.append(Shape(tensor, gpus // tensor, 1, False, 1, gpus))
                if moe and gpus > 1:
                    shapes.append(Shape(tensor, 1, gpus // tensor, True, 1, gpus))
    for nodes in range(2, max_nodes + 1):
        total = gpus_per_node * nodes
        for tensor in range(1, gpus_per_node + 1):
            if gpus_per_node % tensor == 0:
                shapes.append(Shape(tensor, total // tensor, 1, False, nodes, gpus_per_node))
        if moe:
            # Data parallel across nodes with expert parallelism: each pod runs gpus_per_node / tensor ranks
            # (the chart's files/dp-launch.sh), experts over all data x tensor ranks (wide EP).
            for tensor in range(1, gpus_per_node + 1):
                if gpus_per_node % tensor == 0:
                    shapes.append(Shape(tensor, 1, total // tensor, True, nodes, gpus_per_node))
    unique = {(s.tensor, s.pipeline, s.data, s.expert, s.nodes, s.gpus_per_pod): s for s in shapes}
    return sorted(
        unique.values(),
        key=lambda s: (s.nodes * s.gpus_per_pod, s.nodes, s.expert, -s.tensor, s.data),
    )


def plan_layouts(request: PlanRequest, context: CheckContext) -> PlanResult:
    catalog = context.catalog
    found = catalog.checkpoint(request.model)
    if found is None and request.model in catalog.models:
        model = catalog.models[request.model]
        found = (model, model.checkpoints[0]) if model.checkpoints else None
    if found is None:
        raise InvalidInputError(f"model '{request.model}' is not in the catalog; see `rocm-vllm catalog`")
    if request.gpu not in catalog.gpus:
        raise InvalidInputError(f"unknown GPU '{request.gpu}'; known: {', '.join(catalog.gpus)}")
    model, checkpoint = found
    if request.max_model_len == 0:
        raise InvalidInputError("--max-model-len must be a length, or -1 for the longest that fits")
    max_len = request.max_model_len or min(model.max_position_embeddings, 32768)
    result = PlanResult(request=request, hf_id=checkpoint.hf_id, model_name=model.name, max_model_len=max_len)
    gpu = catalog.gpus[request.gpu]
    for shape in _candidate_shapes(request.gpus_per_node, request.max_nodes, model.is_moe):
        tensor, pipeline, nodes, per_pod = shape.tensor, shape.pipeline, shape.nodes, shape.gpus_per_pod
        data: dict[str, Any] = {
            "name": "plan",
            "goal": "throughput",
            "model": {"id": checkpoint.hf_id, "revision": PLACEHOLDER_REVISION},
            "hardware": {"gpu": request.gpu, "gpusPerNode": per_pod, "nodesPerReplica": nodes},
            "precision": {
                "dtype": request.dtype,
                "quantization": request.quantization,
                "kvCacheDtype": request.kv_cache_dtype,
            },
            "parallelism": {
                "tensor": tensor,
                "pipeline": pipeline,
                "data": shape.data,
                "expert": shape.expert,
            },
            "serving": {"maxModelLen": max_len, "gpuMemoryUtilization": request.gpu_memory_utilization},
        }
        if nodes > 1:
            data["launch"] = {"mode": "mp"}
        if request.lora:
            data["lora"] = dict(request.lora)
        if request.aiter:
            data["vllm"] = {"env": {"VLLM_ROCM_USE_AITER": "1"}}
        _, findings = check_recipe_data(data, context, source="plan")
        # The name is a placeholder and plan has no adapters: only the layout's own findings count.
        reasons = tuple(
            f.message for f in findings if f.severity is Severity.ERROR and f.check not in {"name", "lora"}
        )
        memory = plan_memory(
            model,
            checkpoint,
            gpu,
            tensor=tensor,
            pipeline=pipeline,
            data=shape.data,
            expert=shape.expert,
            dtype=request.dtype,
            quantization=request.quantization,
            kv_cache_dtype=request.kv_cache_dtype,
            gpu_memory_utilization=request.gpu_memory_utilization,
            max_model_len=max_len,
            lora=LoraSlots(
                request.lora["maxLoras"],
                request.lora["maxLoraRank"],
                lora_dtype_bytes(None, request.dtype, model.native_dtype),
            )
            if request.lora
            else None,
            aiter_allreduce=request.aiter,
        )
        result.layouts.append(
            Layout(
                tensor,
                pipeline,
                nodes,
                per_pod,
                memory,
                reasons,
                data=shape.data,
                expert=shape.expert,
                recipe=data,
            )
        )
    return result


def render_plan_text(result: PlanResult) -> str:
    r = result.request
    lines = [
        f"{result.hf_id} ({result.model_name}) on {r.gpu}, {r.gpus_per_node} GPUs per node, "
        f"maxModelLen {result.max_model_len}, dtype {r.dtype}, quantization {r.quantization or 'none'}, "
        f"kvCacheDtype {r.kv_cache_dtype}, gpuMemoryUtilization {r.gpu_memory_utilization}"
        + (f", LoRA {r.lora['maxLoras']} slot(s) of rank {r.lora['maxLoraRank']}" if r.lora else "")
        + (", AITER on (VLLM_ROCM_USE_AITER=1)" if r.aiter else ""),
        "",
        f"{'TP':>3} {'PP':>3} {'DP':>3} {'EP':>3} {'nodes':>5} {'GPUs':>4}  {'weights/GPU':>11}  {'KV B/token':>10}  "
        f"{'KV tokens':>10}  {'max-len seqs':>12}  {'decode tok/s <=':>15}"
        + (f"  {'LoRA/GPU':>9}" if r.lora else ""),
    ]
    for layout in result.feasible:
        m = layout.memory
        assert m is not None
        lines.append(
            f"{layout.tensor:>3} {layout.pipeline:>3} {layout.data:>3} {'yes' if layout.expert else 'no':>3} "
            f"{layout.nodes:>5} {layout.gpus:>4}  "
            f"{m.weight_bytes_per_gpu / 2**30:>7.1f} GiB  {m.kv_bytes_per_token:>10,}  "
            f"{layout.kv_tokens:>10,}  {layout.max_length_sequences:>12,}  {m.decode_tokens_per_s_bound:>15,.1f}"
            + (f"  {m.lora_bytes_per_gpu / 2**20:>5,.0f} MiB" if r.lora else "")
            + (f"  (fits maxModelLen {m.max_model_len:,})" if result.max_model_len == -1 else "")
        )
    if not result.feasible:
        lines.append("(no feasible layout)")
    infeasible = [layout for layout in result.layouts if not layout.feasible]
    if infeasible:
        lines += ["", "Infeasible:"]
        for layout in infeasible:
            lines.append(
                f"  TP {layout.tensor} PP {layout.pipeline} DP {layout.data}{' EP' if layout.expert else ''} "
                f"on {layout.nodes} node(s) x "
                f"{layout.gpus_per_pod} GPU: {layout.reasons[0]}"
            )
    lines += [
        "",
        "KV B/token: whole model, one token. KV tokens: all data-parallel engines of a replica together. "
        "decode tok/s: memory-bandwidth upper bound per engine at batch 1 with a max-length context "
        "(active experts only; MLA's latent KV read whole on every tensor rank). Above TP 1 the KV tokens "
        "leave room for torch's RCCL communicator"
        + (" and AITER's 3 GiB all-reduce" if r.aiter else " (with --aiter, also AITER's 3 GiB all-reduce)")
        + "."
        + (
            " LoRA/GPU: the slots vLLM preallocates for --max-loras adapters of --max-lora-rank on every "
            "attention and MLP projection, taken from the KV cache."
            if r.lora
            else ""
        ),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RecipeStartPlan:
    """`plan RECIPE.yaml`: one recipe's start budget and, when it offloads, the KV offload buffer and its tokens."""

    recipe_name: str
    budget: StartBudget
    kv_offload: KvOffloadPlan | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipe": self.recipe_name,
            "startBudget": self.budget.as_dict(),
            "kvOffload": None if self.kv_offload is None else self.kv_offload.as_dict(),
        }


def plan_recipe(path: Path, context: CheckContext) -> RecipeStartPlan:
    """The start budget and KV offload of a recipe file; InvalidInputError with every finding when it is invalid."""
    from rocm_vllm.checks import resolve
    from rocm_vllm.findings import has_errors
    from rocm_vllm.validate import validate_paths

    result = validate_paths([path], context)
    if has_errors(result.findings) or not result.recipes:
        problems = "\n".join(f.format() for f in result.findings if f.severity is Severity.ERROR)
        raise InvalidInputError(f"{path} is not a valid recipe:\n{problems}")
    recipe = result.recipes[0]
    resolved = resolve(recipe, context.catalog)
    return RecipeStartPlan(
        recipe.name,
        start_budget(recipe),
        kv_offload_plan(recipe, resolved.gpu, resolved.model, resolved.checkpoint),
    )


def render_recipe_plan_text(plan: RecipeStartPlan) -> str:
    lines = [f"{plan.recipe_name}", "", *render_budget_text(plan.budget)]
    kv = plan.kv_offload
    if kv is not None:
        lines += ["", f"KV offload ({kv.backend}):"]
        host = "unknown" if kv.host_memory_gib is None else f"{kv.host_memory_gib:,} GiB"
        lines.append(f"  node host memory       {host}  ({kv.host_memory_source})")
        lines.append(
            f"  pod's share            {kv.pod_share_gib:,.1f} GiB after the system reserve; the pod requests "
            f"{kv.pod_request_gib:,.1f} GiB (vLLM and /dev/shm)"
        )
        size = "not sized" if kv.size_gib is None else f"{kv.size_gib:g} GiB (--kv-offloading-size)"
        lines.append(f"  buffer                 {size}")
        if kv.extra_tokens is not None and kv.bytes_per_token:
            lines.append(
                f"  extra tokens           {kv.extra_tokens:,} ({kv.bytes_per_token:,.0f} B per token over the "
                "pod's GPUs)"
            )
    return "\n".join(lines) + "\n"
