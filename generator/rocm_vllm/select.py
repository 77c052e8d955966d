"""Recipe selection: the best recipe of the catalog for a model on the GPUs a cluster has, and why.

Ranking, in order: fits the inventory; matches the requested goal; newer GPU generation; preferred
precision; fewest GPUs; a recipe of the requested checkpoint before one of a sibling checkpoint of the same
catalog entry; then the recipe name, so ties are always broken the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rocm_vllm.capacity import weight_storage_dtype
from rocm_vllm.catalog import Catalog
from rocm_vllm.inventory import NodePool, whole_or_partition
from rocm_vllm.recipe import Recipe

DEFAULT_PRECISION_PREFERENCE = ("fp8", "bfloat16", "float16", "mxfp4")


@dataclass(frozen=True)
class Candidate:
    recipe: Recipe
    precision: str
    generation: int
    pool: NodePool | None = None
    reasons: tuple[str, ...] = ()
    shortfall: tuple[int, int, int] = (0, 0, 0)  # (wrong GPU, missing nodes, missing GPUs per node)

    @property
    def fits(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, Any]:
        r = self.recipe
        row: dict[str, Any] = {
            "recipe": r.name,
            "file": r.document.path.as_posix(),
            "model": r.model_id,
            "gpu": r.gpu,
            "gpusPerNode": r.gpus_per_node,
            "nodes": r.nodes_per_replica,
            "gpus": r.gpus_per_replica,
            "precision": self.precision,
            "goal": r.goal,
        }
        if r.partition:
            row["partition"] = r.partition
        if self.pool:
            row["pool"] = self.pool.describe()
        if self.reasons:
            row["reasons"] = list(self.reasons)
        return row


@dataclass
class Selection:
    model: str
    inventory: list[NodePool]
    chosen: Candidate | None
    why: list[str] = field(default_factory=list)
    ranked: list[Candidate] = field(default_factory=list)  # feasible, best first (chosen included)
    rejected: list[Candidate] = field(default_factory=list)
    nearest: Candidate | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "inventory": [p.describe() for p in self.inventory],
            "chosen": self.chosen.as_dict() if self.chosen else None,
            "why": self.why,
            "alternatives": [c.as_dict() for c in self.ranked[1:]],
            "rejected": [c.as_dict() for c in self.rejected],
            "nearest": self.nearest.as_dict() if self.nearest else None,
        }


def _same_model(recipe: Recipe, model: str, catalog: Catalog) -> bool:
    """A recipe serves `model` when it names it, or another checkpoint of the same catalog entry."""
    if recipe.model_id == model:
        return True
    wanted = catalog.checkpoint(model)
    have = catalog.checkpoint(recipe.model_id)
    if wanted is None and model in catalog.models:
        return have is not None and have[0].name == model
    return wanted is not None and have is not None and wanted[0].name == have[0].name


def _precision(recipe: Recipe, catalog: Catalog) -> str:
    found = catalog.checkpoint(recipe.model_id)
    return weight_storage_dtype(found[1], recipe.quantization, recipe.dtype) if found else recipe.dtype


def _devices(recipe: Recipe) -> str:
    """What one pod of the recipe asks for: "8 MI300X", or "1 MI300X cpx_nps4 partition(s)"."""
    partition = whole_or_partition(recipe.partition)
    if partition:
        return f"{recipe.gpus_per_node} {recipe.gpu} {partition} partition(s)"
    return f"{recipe.gpus_per_node} {recipe.gpu}"


def _partition_size(pool: NodePool, catalog: Catalog) -> str:
    """One partition of a pool, sized from the GPU catalog: " (1/8 GPU: 38 CUs, 24.0 GiB each)"; "" for whole
    GPUs or a mode the catalog lacks."""
    gpu = catalog.gpus.get(pool.gpu)
    mode = gpu.partition_mode(pool.partition) if gpu and pool.partition else None
    part = gpu.as_partition(pool.partition) if gpu and mode else None
    if mode is None or part is None:
        return ""
    units = f"{part.compute_units} CUs, " if part.compute_units else ""
    computed = "" if mode.confirmed else "; computed, not confirmed by AMD"
    return f" (1/{mode.devices} GPU: {units}{part.memory_bytes / 2**30:.1f} GiB each{computed})"


def _fit(
    recipe: Recipe, inventory: list[NodePool], catalog: Catalog
) -> tuple[NodePool | None, tuple[str, ...], tuple[int, int, int]]:
    same_gpu = [p for p in inventory if p.gpu == recipe.gpu]
    if not same_gpu:
        have = ", ".join(sorted({p.gpu for p in inventory})) or "none"
        return None, (f"needs {recipe.gpu} GPUs; the inventory has {have}",), (1, 0, 0)
    wanted = whole_or_partition(recipe.partition)
    same_kind = [p for p in same_gpu if p.partition == wanted]
    if not same_kind:
        # A partition is never a whole GPU (nor one profile another): name the modes the nodes are in.
        have = "; ".join(sorted({f"{p.describe()}{_partition_size(p, catalog)}" for p in same_gpu}))
        need = _devices(recipe) if wanted else f"{recipe.gpus_per_node} whole {recipe.gpu} GPU(s)"
        return (
            None,
            (f"needs {need} per node; the inventory's {recipe.gpu} nodes are {have}",),
            (1, 0, 0),
        )
    best_shortfall: tuple[int, int, int] | None = None
    for pool in sorted(same_kind, key=lambda p: (p.gpus_per_node, p.nodes)):
        missing_gpus = max(0, recipe.gpus_per_node - pool.gpus_per_node)
        missing_nodes = max(0, recipe.nodes_per_replica - pool.nodes)
        if not missing_gpus and not missing_nodes:
            return pool, (), (0, 0, 0)
        shortfall = (0, missing_nodes, missing_gpus)
        if best_shortfall is None or shortfall < best_shortfall:
            best_shortfall = shortfall
    assert best_shortfall is not None
    biggest = max(same_kind, key=lambda p: (p.gpus_per_node, p.nodes))
    others = sorted(
        {f"{p.describe()}{_partition_size(p, catalog)}" for p in same_gpu if p.partition != wanted}
    )
    elsewhere = f" (the other {recipe.gpu} nodes are {'; '.join(others)})" if others else ""
    return (
        None,
        (
            f"needs {recipe.nodes_per_replica} node(s) x {_devices(recipe)}; the "
            f"inventory's {recipe.gpu} pools offer at most {biggest.describe()}{elsewhere}",
        ),
        best_shortfall,
    )


def select_recipe(
    model: str,
    recipes: list[Recipe],
    inventory: list[NodePool],
    catalog: Catalog,
    *,
    goal: str | None = None,
    precision_preference: tuple[str, ...] = DEFAULT_PRECISION_PREFERENCE,
) -> Selection:
    """Rank the valid catalog recipes for `model` against `inventory`; explain the choice and each rejection."""
    selection = Selection(model=model, inventory=inventory, chosen=None)
    candidates = []
    for recipe in recipes:
        if not _same_model(recipe, model, catalog):
            continue
        gpu = catalog.gpus.get(recipe.gpu)
        pool, reasons, shortfall = _fit(recipe, inventory, catalog)
        candidates.append(
            Candidate(
                recipe, _precision(recipe, catalog), gpu.generation if gpu else 0, pool, reasons, shortfall
            )
        )
    if not candidates:
        selection.why.append(
            f"no recipe in the catalog serves {model}; run `rocm-vllm plan {model} --gpu GPU` "
            "for layouts to write one"
        )
        return selection

    def precision_rank(candidate: Candidate) -> int:
        p = candidate.precision
        return precision_preference.index(p) if p in precision_preference else len(precision_preference)

    def rank_key(candidate: Candidate) -> tuple[Any, ...]:
        r = candidate.recipe
        return (
            0 if goal is None or r.goal == goal else 1,
            -candidate.generation,
            precision_rank(candidate),
            r.gpus_per_replica,
            # Last before the name: a recipe of the requested checkpoint beats an equal one of a sibling
            # checkpoint (DeepSeek-R1 over DeepSeek-R1-0528), which would otherwise win by sorting first.
            0 if r.model_id == model else 1,
            r.name,
        )

    selection.ranked = sorted((c for c in candidates if c.fits), key=rank_key)
    selection.rejected = sorted((c for c in candidates if not c.fits), key=lambda c: c.recipe.name)
    if not selection.ranked:
        selection.nearest = min(selection.rejected, key=lambda c: (c.shortfall, rank_key(c)))
        return selection
    chosen = selection.chosen = selection.ranked[0]
    r = chosen.recipe
    selection.why.append(
        f"fits {chosen.pool.describe() if chosen.pool else 'the inventory'}: needs "
        f"{r.nodes_per_replica} node(s) x {_devices(r)}"
    )
    if goal:
        selection.why.append(
            f"goal {r.goal}" + (" matches the request" if r.goal == goal else f" (no fitting {goal} recipe)")
        )
    selection.why.append(
        f"GPU generation {chosen.generation} ({r.gpu}), precision {chosen.precision} "
        f"(preference: {', '.join(precision_preference)}), {r.gpus_per_replica} GPU(s)"
    )
    for other in selection.ranked[1:]:
        key_a, key_b = rank_key(chosen), rank_key(other)
        labels = ["goal", "GPU generation", "precision", "GPU count", "checkpoint", "name"]
        decided = next((labels[i] for i in range(len(labels)) if key_a[i] != key_b[i]), "name")
        selection.why.append(f"preferred over {other.recipe.name} by {decided}")
    return selection


def render_selection_text(selection: Selection) -> str:
    lines = [
        f"model: {selection.model}",
        f"inventory: {'; '.join(p.describe() for p in selection.inventory) or 'empty'}",
    ]
    if selection.chosen:
        c = selection.chosen
        lines += [f"chosen: {c.recipe.name} ({c.recipe.document.path.as_posix()})"]
        lines += [f"  - {reason}" for reason in selection.why]
    else:
        lines.append("chosen: none (no recipe fits)")
        lines += [f"  - {reason}" for reason in selection.why]
        if selection.nearest:
            n = selection.nearest
            lines.append(f"nearest: {n.recipe.name}: {n.reasons[0]}")
    if selection.rejected:
        lines.append("rejected:")
        lines += [f"  - {c.recipe.name}: {'; '.join(c.reasons)}" for c in selection.rejected]
    return "\n".join(lines) + "\n"
