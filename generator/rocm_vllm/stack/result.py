"""What a loaded stack is: its models (recipe and chart values each), its findings and, when valid, its values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.findings import Finding, has_errors
from rocm_vllm.recipe import Recipe
from rocm_vllm.yamlio import LoadedDocument

STACK_CHART = "rocm-vllm-stack"
GENERATE_COMMAND = ("rocm-vllm", "stack", "generate")


@dataclass(frozen=True)
class StackModel:
    """One model of a stack: its key, its recipe with the overrides applied, and its chart values."""

    key: str
    index: int  # position in the stack file's models list
    recipe: Recipe
    values: dict[str, Any]

    @property
    def served_name(self) -> str:
        return self.recipe.served_model_name or self.recipe.model_id

    @property
    def replicas(self) -> tuple[int, int]:
        """(replicas it starts with, replicas it may grow to)."""
        if self.recipe.autoscaling:
            return self.recipe.autoscaling.min_replicas, self.recipe.autoscaling.max_replicas
        replicas = self.values.get("replicaCount", self.recipe.replicas or 1)
        return int(replicas), int(replicas)


@dataclass
class StackResult:
    path: Path
    document: LoadedDocument | None = None
    models: list[StackModel] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # charts/rocm-vllm-stack values (when valid)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def name(self) -> str:
        data = self.document.data if self.document else None
        return str(data.get("name", self.path.stem)) if isinstance(data, dict) else self.path.stem

    @property
    def description(self) -> str:
        data = self.document.data if self.document else None
        return str(data.get("description", "")) if isinstance(data, dict) else ""

    def total_gpus(self) -> int:
        return sum(m.recipe.gpus_per_replica * m.replicas[0] for m in self.models)
