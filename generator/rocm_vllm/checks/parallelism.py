"""The parallel layout must use exactly the GPUs the chart gives a replica, and must divide the model."""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at

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
        if r.data > 1:
            findings.append(
                finding_at(
                    doc,
                    ("parallelism", "data"),
                    CHECK,
                    "the chart's multi-node launch spreads tensor x pipeline ranks over the group; data parallel "
                    "across nodes is not supported: set data to 1 and use more replicas instead",
                )
            )
        if r.tensor > r.gpus_per_node:
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
