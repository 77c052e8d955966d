"""The parallel layout must use exactly the GPUs the chart gives a replica, and must divide the model."""

from __future__ import annotations

from rocm_vllm.catalog import Checkpoint, ModelSpec
from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.recipe import Recipe

CHECK = "parallelism"


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def check_parallelism(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r = resolved.recipe
    doc, findings = r.document, []
    product = r.tensor * r.pipeline * r.data
    if product != r.gpus_per_replica:
        findings.append(
            finding_at(
                doc,
                ("parallelism",),
                CHECK,
                f"tensor ({r.tensor}) x pipeline ({r.pipeline}) x data ({r.data}) = {product}, but a replica has "
                f"{r.gpus_per_node} GPUs per node x {r.nodes_per_replica} node(s) = {r.gpus_per_replica} GPUs; "
                "make the product equal the replica's GPUs",
            )
        )
    # The chart gives every pod a whole node's GPUs; a tensor group must sit inside one pod or span whole pods.
    if r.tensor % r.gpus_per_node and r.gpus_per_node % r.tensor:
        findings.append(
            finding_at(
                doc,
                ("parallelism", "tensor"),
                CHECK,
                f"tensor {r.tensor} neither divides nor is a multiple of gpusPerNode {r.gpus_per_node}, so a tensor "
                "group would straddle pods; use a divisor of gpusPerNode or a multiple of it",
            )
        )
    if r.is_multi_node:
        if r.launch_mode is None:
            findings.append(
                finding_at(
                    doc,
                    ("hardware", "nodesPerReplica"),
                    CHECK,
                    f"nodesPerReplica is {r.nodes_per_replica}: set launch.mode to ray or mp",
                )
            )
        if r.tensor > r.gpus_per_node and not r.data_across_nodes:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "tensor"),
                    CHECK,
                    f"tensor {r.tensor} spans nodes (gpusPerNode {r.gpus_per_node}): every layer's all-reduce crosses "
                    "the network; prefer tensor = gpusPerNode and pipeline = nodes",
                    Severity.WARNING,
                )
            )
    elif r.launch_mode is not None:
        findings.append(
            finding_at(
                doc,
                ("launch", "mode"),
                CHECK,
                "launch.mode only applies when nodesPerReplica > 1; remove it",
                Severity.WARNING,
            )
        )
    findings.extend(_data_parallel_findings(r))
    model = resolved.model
    if model is None:
        return findings
    if model.num_attention_heads % r.tensor:
        options = [d for d in _divisors(model.num_attention_heads) if d <= 64]
        findings.append(
            finding_at(
                doc,
                ("parallelism", "tensor"),
                CHECK,
                f"tensor {r.tensor} does not divide the model's {model.num_attention_heads} attention heads; "
                f"use one of {', '.join(map(str, options))}",
            )
        )
    kv = model.num_key_value_heads
    if not model.is_mla and kv % r.tensor and r.tensor % kv:
        findings.append(
            finding_at(
                doc,
                ("parallelism", "tensor"),
                CHECK,
                f"tensor {r.tensor} neither divides the model's {kv} KV heads nor is a multiple of them "
                "(vLLM replicates KV heads only when tensor is a multiple); choose a tensor size that is",
            )
        )
    if r.pipeline > model.num_layers:
        findings.append(
            finding_at(
                doc,
                ("parallelism", "pipeline"),
                CHECK,
                f"pipeline {r.pipeline} exceeds the model's {model.num_layers} layers; each stage needs a layer",
            )
        )
    if r.expert and not model.is_moe:
        findings.append(
            finding_at(
                doc,
                ("parallelism", "expert"),
                CHECK,
                f"{r.model_id} is a dense model: expert parallelism needs a mixture-of-experts "
                "model; set expert to false",
            )
        )
    return findings


def fp8_block_conflicts(model: ModelSpec, checkpoint: Checkpoint, tensor: int, expert: bool) -> list[str]:
    """The sharded widths vLLM refuses for a block-FP8 checkpoint at this tensor size.

    vLLM 0.23.0 requires each tensor-parallel shard of a block-quantized weight to be a whole number of
    blocks: dense layers in `validate_fp8_block_shape` (vllm/model_executor/layers/quantization/utils/
    fp8_utils.py:1124-1168), routed experts in Fp8MoEMethod ("The output_size of gate's and up's weight = 192
    is not divisible by weight quantization block_n = 128", vllm/model_executor/layers/quantization/fp8.py:
    620-636).  With expert parallelism the experts are not split by tensor, only the dense layers are."""
    if checkpoint.weight_block_size is None or tensor == 1:
        return []
    block_n, block_k = checkpoint.weight_block_size
    widths: list[tuple[str, int]] = []
    if model.intermediate_size and (
        not model.is_moe or model.first_k_dense_replace or model.moe_layer_step > 1
    ):
        widths.append(("intermediate_size", model.intermediate_size))
    if model.is_moe and model.moe_intermediate_size and not expert:
        widths.append(("moe_intermediate_size", model.moe_intermediate_size))
    conflicts = []
    for name, width in widths:
        shard = width / tensor
        if shard != int(shard) or int(shard) % block_n or int(shard) % block_k:
            conflicts.append(
                f"{name} {width} / tensor {tensor} = {shard:g} is not a multiple of the checkpoint's "
                f"{block_n}x{block_k} FP8 block"
            )
    return conflicts


def check_fp8_blocks(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, model, checkpoint = resolved.recipe, resolved.model, resolved.checkpoint
    if model is None or checkpoint is None:
        return []
    if r.quantization not in (None, "fp8"):
        return []
    conflicts = fp8_block_conflicts(model, checkpoint, r.tensor, r.expert)
    if not conflicts:
        return []
    hint = "enable expert parallelism (expert: true) or " if model.is_moe and not r.expert else ""
    return [
        finding_at(
            r.document,
            ("parallelism", "tensor"),
            CHECK,
            f'{"; ".join(conflicts)}; vLLM refuses to load it ("... is not divisible by weight quantization '
            'block_n", vllm/model_executor/layers/quantization/fp8.py:620-636 and utils/fp8_utils.py:1124-1168 '
            f"in 0.23.0): {hint}choose a tensor size that keeps each shard a whole number of blocks",
        )
    ]


# Flags that contradict hybrid load balancing (vllm/engine/arg_utils.py:1818-1821, entrypoints/cli/serve.py:185).
HYBRID_CONFLICTS = {
    "--headless": "--headless (hybrid runs an API server on every pod)",
    "--data-parallel-external-lb": "external load balancing",
    "-dpe": "external load balancing",
    "--data-parallel-rank": "external load balancing (--data-parallel-rank)",
    "-dpn": "external load balancing (--data-parallel-rank)",
}


def _data_parallel_findings(r: Recipe) -> list[Finding]:
    """Data-parallel ranks per pod and across the pods of a group (vLLM 0.23.0 ParallelConfig rules and the
    chart's one-pod-per-node launch, files/dp-launch.sh)."""
    doc, findings = r.document, []
    local = r.data_per_pod
    if local > r.data:
        findings.append(
            finding_at(
                doc,
                ("parallelism", "dataLocal"),
                CHECK,
                f'dataLocal {local} exceeds data {r.data}; vLLM refuses it ("data_parallel_size_local must be <= '
                'data_parallel_size", vllm/config/parallel.py:441): set dataLocal to at most data',
            )
        )
    if r.data_across_nodes:
        if r.launch_mode == "ray":
            findings.append(
                finding_at(
                    doc,
                    ("launch", "mode"),
                    CHECK,
                    f"data {r.data} across {r.nodes_per_replica} nodes needs launch.mode mp: every pod runs its node's "
                    "data-parallel ranks with vllm serve (the chart's files/dp-launch.sh); the Ray launch runs one "
                    "vllm serve on the leader for tensor x pipeline ranks only",
                )
            )
        if r.data_local is None and r.data % r.nodes_per_replica:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "data"),
                    CHECK,
                    f"data {r.data} does not divide over nodesPerReplica {r.nodes_per_replica}: every pod runs the "
                    "same number of data-parallel ranks; make data a multiple of nodesPerReplica",
                )
            )
        elif local * r.nodes_per_replica != r.data:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "dataLocal"),
                    CHECK,
                    f"dataLocal {local} x nodesPerReplica {r.nodes_per_replica} = {local * r.nodes_per_replica} "
                    f"ranks, but data is {r.data}: make data = dataLocal x nodesPerReplica",
                )
            )
        per_pod = local * r.tensor * r.pipeline
        if per_pod != r.gpus_per_node:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism",),
                    CHECK,
                    f"each pod runs dataLocal {local} x tensor {r.tensor} x pipeline {r.pipeline} = {per_pod} GPUs, "
                    f"but has gpusPerNode {r.gpus_per_node}: with data across nodes a data-parallel rank's tensor "
                    "and pipeline groups stay inside a node; make dataLocal x tensor x pipeline = gpusPerNode",
                )
            )
    else:
        if r.data_local is not None and r.data_local != r.data:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "dataLocal"),
                    CHECK,
                    f"dataLocal {r.data_local} differs from data {r.data} on a single node, where the pod runs every "
                    "rank: remove dataLocal",
                )
            )
        if r.load_balancing is not None:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "loadBalancing"),
                    CHECK,
                    "loadBalancing only applies when data spans nodes (nodesPerReplica > 1 and data > 1): on one "
                    "node the pod's API servers balance its own ranks; remove it",
                    Severity.WARNING,
                )
            )
    if r.load_balancing == "hybrid":
        conflicts = sorted(
            {
                HYBRID_CONFLICTS[a.split("=", 1)[0]]
                for a in r.extra_args
                if a.split("=", 1)[0] in HYBRID_CONFLICTS
            }
        )
        for conflict in conflicts:
            findings.append(
                finding_at(
                    doc,
                    ("vllm", "extraArgs"),
                    CHECK,
                    f"loadBalancing hybrid conflicts with {conflict}: vLLM refuses the pair "
                    "(vllm/engine/arg_utils.py:1818-1821); drop it from extraArgs",
                )
            )
        if r.data_across_nodes and local == 1:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "loadBalancing"),
                    CHECK,
                    "loadBalancing hybrid with one rank per pod: vLLM switches to external load balancing with a "
                    "warning (vllm/engine/arg_utils.py:1892-1900), one API server per rank; the chart's Service "
                    "still spreads requests over every pod, so set internal for one entry point or keep it knowingly",
                    Severity.WARNING,
                )
            )
    return findings
