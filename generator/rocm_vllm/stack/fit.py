"""Whether a stack's models fit the GPUs of an inventory (from the stack file or the command line)."""

from __future__ import annotations

from typing import Any

from rocm_vllm.findings import Severity, finding_at
from rocm_vllm.inventory import NodePool
from rocm_vllm.stack.result import StackModel, StackResult
from rocm_vllm.yamlio import LoadedDocument, PathPart


def inventory_of(data: dict[str, Any]) -> NodePool | None:
    inventory = data.get("inventory")
    if not inventory:
        return None
    return NodePool(inventory["gpu"], inventory["gpusPerNode"], inventory["nodes"])


def _nodes_needed(pods: list[int], gpus_per_node: int) -> int:
    """First-fit decreasing: how many nodes of `gpus_per_node` GPUs hold pods requesting `pods` GPUs each."""
    free: list[int] = []
    for need in sorted(pods, reverse=True):
        for i, room in enumerate(free):
            if room >= need:
                free[i] -= need
                break
        else:
            free.append(gpus_per_node - need)
    return len(free)


def _misfit(model: StackModel, pool: NodePool, source: str) -> str:
    """Why one replica of `model` cannot land on the pool's nodes at all ("" when it can)."""
    recipe = model.recipe
    if recipe.gpu != pool.gpu:
        return f"model '{model.key}' needs {recipe.gpu} GPUs; {source} has {pool.gpu}"
    if recipe.gpus_per_node > pool.gpus_per_node or recipe.nodes_per_replica > pool.nodes:
        return (
            f"model '{model.key}' needs {recipe.nodes_per_replica} node(s) x {recipe.gpus_per_node} GPUs per "
            f"replica; {source} has {pool.describe()}"
        )
    return ""


def check_inventory(
    result: StackResult, document: LoadedDocument, pool: NodePool, *, from_flags: bool
) -> None:
    at: tuple[PathPart, ...] = () if from_flags else ("inventory",)
    source = "the --gpu/--gpus-per-node/--nodes inventory" if from_flags else "the inventory"
    misfits = [(model, _misfit(model, pool, source)) for model in result.models]
    for model, problem in misfits:
        if problem:
            result.findings.append(finding_at(document, ("models", model.index), "inventory", problem))
    fits = not any(problem for _, problem in misfits)
    if not fits:
        return
    for label, pick, severity in (
        ("at its starting replicas", 0, Severity.ERROR),
        ("at its autoscaling maximum", 1, Severity.WARNING),
    ):
        pods = [
            m.recipe.gpus_per_node
            for m in result.models
            for _ in range(m.replicas[pick] * m.recipe.nodes_per_replica)
        ]
        needed = _nodes_needed(pods, pool.gpus_per_node)
        if needed > pool.nodes:
            result.findings.append(
                finding_at(
                    document,
                    at,
                    "inventory",
                    f"the stack {label} needs {sum(pods)} GPUs in {len(pods)} pod(s) on {needed} node(s) of "
                    f"{pool.gpus_per_node} {pool.gpu}, but {source} has {pool.describe()} "
                    f"({pool.nodes * pool.gpus_per_node} GPUs)",
                    severity,
                )
            )
            if severity is Severity.ERROR:
                return
