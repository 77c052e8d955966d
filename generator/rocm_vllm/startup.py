"""The start budget of a recipe's pod: image pull, weights read, compile/JIT and graph capture, in seconds, and the
startup probe sized from it.

Inputs are data (data/startup.yaml: image size, registry bandwidth, read bandwidth per weight source, compile
allowances), overridden per recipe under `startup:`. The weight source follows the recipe's deployment fields in
the order the chart reads them: object storage (deployment.objectStorage), the node-local tier
(deployment.nodeCache), the shared claim (deployment.cache), else a Hugging Face download into the pod.

The probe covers what happens inside the vLLM container (weights read, compile, graph capture): the kubelet pulls
the image and runs init containers before the startup probe starts counting. It is sized for a cold compile, so
the first pod of a new model, GPU architecture or image survives it; the compile cache shortens the start of the
pods after it (the warm figure `plan` shows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rocm_vllm.recipe import Recipe

WEIGHT_SOURCES = ("objectStorage", "nodeLocal", "claim", "huggingFace")


@dataclass(frozen=True)
class StartupDefaults:
    image_size_gb: float
    registry_mbps: float
    weight_sources_mbps: dict[str, float]
    compile_cold: dict[str, float]
    compile_warm: dict[str, float]
    graph_capture_s: float
    probe_period_s: int
    probe_margin: float


@lru_cache(maxsize=1)
def startup_defaults() -> StartupDefaults:
    import yaml

    text = resources.files("rocm_vllm").joinpath("data/startup.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    compile_steps: dict[str, dict[str, float]] = raw["compile"]
    return StartupDefaults(
        image_size_gb=float(raw["imageSizeGB"]),
        registry_mbps=float(raw["registryMBps"]),
        weight_sources_mbps={k: float(v) for k, v in raw["weightSources"].items()},
        compile_cold={k: float(v["cold"]) for k, v in compile_steps.items()},
        compile_warm={k: float(v["warm"]) for k, v in compile_steps.items()},
        graph_capture_s=float(raw["graphCaptureSeconds"]),
        probe_period_s=int(raw["probe"]["periodSeconds"]),
        probe_margin=float(raw["probe"]["margin"]),
    )


@dataclass(frozen=True)
class Step:
    """One part of the start: its name, seconds, how it was computed, and whether the startup probe counts it."""

    name: str
    seconds: float
    detail: str
    in_probe: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.name,
            "seconds": round(self.seconds, 1),
            "detail": self.detail,
            "inProbe": self.in_probe,
        }


@dataclass(frozen=True)
class StartBudget:
    source: str
    steps: tuple[Step, ...]  # a cold start: nothing compiled yet
    warm_compile_seconds: float | None  # the compile steps' sum with a warm compile cache; None without one
    probe_period_s: int
    probe_margin: float

    @property
    def cold_seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    @property
    def compile_seconds(self) -> float:
        return sum(step.seconds for step in self.steps if step.name.startswith("compile"))

    @property
    def warm_seconds(self) -> float | None:
        if self.warm_compile_seconds is None:
            return None
        return self.cold_seconds - self.compile_seconds + self.warm_compile_seconds

    @property
    def probe_seconds(self) -> float:
        """What the startup probe must allow: the in-container steps of a cold start."""
        return sum(step.seconds for step in self.steps if step.in_probe)

    @property
    def probe_failure_threshold(self) -> int:
        return math.ceil(self.probe_seconds * self.probe_margin / self.probe_period_s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "weightSource": self.source,
            "steps": [step.as_dict() for step in self.steps],
            "coldSeconds": round(self.cold_seconds, 1),
            "warmSeconds": None if self.warm_seconds is None else round(self.warm_seconds, 1),
            "startupProbe": {
                "periodSeconds": self.probe_period_s,
                "failureThreshold": self.probe_failure_threshold,
                "budgetSeconds": self.probe_period_s * self.probe_failure_threshold,
            },
        }


def weight_source(recipe: Recipe) -> str:
    """Where the recipe's pods read the weights from, in the order the chart decides it."""
    fields = recipe.fields
    if fields["deployment.objectStorage.uri"] is not None:
        return "objectStorage"
    if fields["deployment.nodeCache.hostPath"] is not None:
        return "nodeLocal"
    if any(
        fields[f"deployment.cache.{key}"] is not None for key in ("size", "storageClassName", "existingClaim")
    ):
        return "claim"
    return "huggingFace"


def start_budget(recipe: Recipe, defaults: StartupDefaults | None = None) -> StartBudget:
    """The recipe's start budget; the checkpoint share per pod comes from the model catalog (0 if unknown)."""
    from rocm_vllm.pod_resources import checkpoint_bytes_per_pod

    d = defaults or startup_defaults()
    fields = recipe.fields
    image_gb = float(fields["startup.imageSizeGB"] or d.image_size_gb)
    registry = float(fields["startup.registryMBps"] or d.registry_mbps)
    source = weight_source(recipe)
    storage = float(fields["startup.storageMBps"] or d.weight_sources_mbps[source])
    prepulled = bool(fields["startup.imagePrepull"])
    weights = checkpoint_bytes_per_pod(recipe)
    steps = [
        Step(
            "image pull",
            0.0 if prepulled else image_gb * 1e3 / registry,
            "pre-pulled by the DaemonSet (0 s once it ran on the node)"
            if prepulled
            else f"{image_gb:g} GB at {registry:g} MB/s",
            in_probe=False,
        ),
        Step(
            "weights",
            weights / (storage * 1e6),
            f"{weights / 1e9:,.1f} GB per pod from {source} at {storage:g} MB/s",
            in_probe=True,
        ),
    ]
    for name, seconds in d.compile_cold.items():
        steps.append(Step(f"compile: {name}", seconds, "cold (nothing cached)", in_probe=True))
    steps.append(
        Step("graph capture", d.graph_capture_s, "HIP graphs of the decode batch sizes", in_probe=True)
    )
    warm = sum(d.compile_warm.values()) if fields["startup.compileCache"] else None
    return StartBudget(source, tuple(steps), warm, d.probe_period_s, d.probe_margin)


def startup_probe_values(recipe: Recipe) -> dict[str, Any]:
    """The chart's probe values sized from the start budget (the workers' too, on a multi-node recipe)."""
    budget = start_budget(recipe)
    probe = {"periodSeconds": budget.probe_period_s, "failureThreshold": budget.probe_failure_threshold}
    values: dict[str, Any] = {"startup": dict(probe)}
    if recipe.is_multi_node:
        values["worker"] = {"startup": dict(probe)}
    return values


def render_budget_text(budget: StartBudget) -> list[str]:
    lines = [f"Start budget (weights from {budget.source}):"]
    for step in budget.steps:
        probe = "" if step.in_probe else "  (before the probe counts)"
        lines.append(f"  {step.name:<22} {step.seconds:>8,.0f} s  {step.detail}{probe}")
    lines.append(f"  {'cold start':<22} {budget.cold_seconds:>8,.0f} s")
    if budget.warm_seconds is not None:
        lines.append(
            f"  {'warm start':<22} {budget.warm_seconds:>8,.0f} s  (compile cache holds this model, arch and image)"
        )
    threshold = budget.probe_failure_threshold
    lines.append(
        f"  startup probe: periodSeconds {budget.probe_period_s} x failureThreshold {threshold} = "
        f"{budget.probe_period_s * threshold:,} s ({budget.probe_seconds:,.0f} s in the container x "
        f"{budget.probe_margin:g})"
    )
    return lines
