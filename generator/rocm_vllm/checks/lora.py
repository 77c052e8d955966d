"""LoRA adapters: each fits the recipe's model and vLLM's slots, names route unambiguously, runtime loading is
allowed, and adapter_config.json files (lora.adapterConfigs) agree with what the recipe declares.

vLLM 0.23.0 refuses an adapter whose rank exceeds --max-lora-rank, or that has modules_to_save, DoRA or a bias
(PEFTHelper.validate_legal, vllm/lora/peft_helper.py), max_cpu_loras below max_loras (vllm/config/lora.py), and
VLLM_ALLOW_RUNTIME_LORA_UPDATING with more than one API server process (vllm/entrypoints/cli/serve.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rocm_vllm.capacity import LoraSlots, gib, lora_bytes_per_gpu, lora_dtype_bytes
from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.recipe import Lora, LoraAdapter, Recipe

CHECK = "lora"
# --max-lora-rank's choices in vLLM 0.23.0 (MaxLoRARanks, vllm/config/lora.py:26)
MAX_LORA_RANK_CHOICES = (1, 8, 16, 32, 64, 128, 256, 320, 512)
# Flags that put vLLM's data-parallel front end in external load-balancing mode: one API server by default.
_EXTERNAL_LB_FLAGS = frozenset(
    {"--data-parallel-rank", "-dpn", "--data-parallel-external-lb", "--data-parallel-multi-port-external-lb"}
)


def served_name(recipe: Recipe) -> str:
    return recipe.served_model_name or recipe.model_id


def api_server_count(data_parallel: int, extra_args: tuple[str, ...], configured: int | None = None) -> int:
    """API server processes `vllm serve` starts (vllm/entrypoints/cli/serve.py, 0.23.0): `configured`
    (parallelism.apiServerCount, which the chart passes as --api-server-count) or --api-server-count/-asc when
    given, else 1 with an external data-parallel load balancer, else `data_parallel` (the data-parallel size, or a
    pod's local ranks in hybrid load balancing)."""
    if configured is not None:
        return configured
    count = data_parallel
    explicit: str | None = None
    for index, arg in enumerate(extra_args):
        name, equals, attached = arg.partition("=")
        if name in _EXTERNAL_LB_FLAGS:
            count = 1
        if name in {"--api-server-count", "-asc"}:
            explicit = (
                attached if equals else (extra_args[index + 1] if index + 1 < len(extra_args) else None)
            )
    if explicit is not None and explicit.isdigit():
        return int(explicit)
    return count


def check_lora(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe = resolved.recipe
    lora = recipe.lora
    if lora is None:
        return []
    findings = _check_settings(recipe, lora)
    seen: dict[str, int] = {}
    for adapter in lora.adapters:
        findings.extend(_check_adapter(recipe, lora, adapter, seen))
    findings.extend(_check_adapter_configs(recipe, lora))
    findings.extend(_check_unused_slots(resolved, lora))
    return findings


def _at(
    recipe: Recipe, parts: tuple[str | int, ...], message: str, severity: Severity = Severity.ERROR
) -> Finding:
    return finding_at(recipe.document, ("lora", *parts), CHECK, message, severity)


def _check_settings(recipe: Recipe, lora: Lora) -> list[Finding]:
    findings = []
    if not lora.adapters and not lora.runtime_updating:
        findings.append(
            _at(
                recipe,
                (),
                "lora turns LoRA on but lists no adapters and runtimeUpdating is false, so no adapter could ever "
                "be served while its slots still take GPU memory: add lora.adapters or remove the lora section",
            )
        )
    if lora.max_cpu_loras is not None and lora.max_cpu_loras < lora.slots:
        findings.append(
            _at(
                recipe,
                ("maxCpuLoras",),
                f"maxCpuLoras {lora.max_cpu_loras} is below maxLoras {lora.slots}; vLLM refuses it "
                '("max_cpu_loras ... must be >= max_loras", vllm/config/lora.py): raise maxCpuLoras or leave it out',
            )
        )
    if lora.runtime_updating:
        hybrid = recipe.data_across_nodes and recipe.load_balancing == "hybrid"
        count = api_server_count(
            recipe.data_per_pod if hybrid else recipe.data, recipe.extra_args, recipe.api_server_count
        )
        if count > 1:
            findings.append(
                _at(
                    recipe,
                    ("runtimeUpdating",),
                    f"runtimeUpdating with {count} API server processes: vLLM refuses "
                    '"VLLM_ALLOW_RUNTIME_LORA_UPDATING cannot be used with api_server_count > 1" '
                    "(vllm/entrypoints/cli/serve.py; the count defaults to parallelism.data): set "
                    "parallelism.apiServerCount: 1 or set runtimeUpdating false",
                )
            )
    return findings


def _check_adapter(recipe: Recipe, lora: Lora, adapter: LoraAdapter, seen: dict[str, int]) -> list[Finding]:
    parts: tuple[str | int, ...] = ("adapters", adapter.index)
    findings = []
    if (adapter.repo is None) == (adapter.path is None):
        findings.append(
            _at(
                recipe,
                parts,
                f"adapter {adapter.name} needs exactly one of repo (with revision: a Hugging Face repository at a "
                "pinned commit, fetched into the model cache) or path (a directory already in the model cache)",
            )
        )
    if adapter.path is not None and not _has_cache(recipe):
        findings.append(
            _at(
                recipe,
                (*parts, "path"),
                f"adapter {adapter.name} is a path in the model cache, but the recipe has no cache (an empty "
                "volume): set deployment.cache (existingClaim: the claim holding it), or give repo and revision",
            )
        )
    if adapter.name in seen:
        findings.append(
            _at(
                recipe,
                (*parts, "name"),
                f"adapters {seen[adapter.name]} and {adapter.index} are both named {adapter.name}: vLLM serves each "
                "adapter under its own name; rename one",
            )
        )
    seen.setdefault(adapter.name, adapter.index)
    if adapter.name == served_name(recipe):
        findings.append(
            _at(
                recipe,
                (*parts, "name"),
                f"adapter name {adapter.name} is the served model name, so a request for it would be ambiguous: "
                "rename the adapter (or set model.servedModelName)",
            )
        )
    if adapter.base_model != recipe.model_id:
        findings.append(
            _at(
                recipe,
                (*parts, "baseModel"),
                f"adapter {adapter.name} was trained on {adapter.base_model}, but the recipe serves "
                f"{recipe.model_id}: an adapter only fits the model it was trained on; serve it in a recipe for "
                f"{adapter.base_model} or remove it",
            )
        )
    if adapter.rank > lora.rank:
        findings.append(
            _at(
                recipe,
                (*parts, "rank"),
                f"adapter {adapter.name} has rank {adapter.rank}, above maxLoraRank {lora.rank}; vLLM refuses to "
                f'load it ("LoRA rank {adapter.rank} is greater than max_lora_rank", vllm/lora/peft_helper.py): '
                f"set lora.maxLoraRank to {_rank_at_least(adapter.rank)}",
            )
        )
    return findings


def _has_cache(recipe: Recipe) -> bool:
    """deployment.cache turns the chart's cache claim on (any of its fields does)."""
    return any(
        recipe.fields[f"deployment.cache.{key}"] is not None
        for key in ("size", "storageClassName", "existingClaim")
    )


def _rank_at_least(rank: int) -> str:
    fitting = [choice for choice in MAX_LORA_RANK_CHOICES if choice >= rank]
    return str(fitting[0]) if fitting else f"at least {rank} (vLLM's largest choice is 512)"


def _check_adapter_configs(recipe: Recipe, lora: Lora) -> list[Finding]:
    """adapter_config.json files: what vLLM reads when it loads the adapter, compared with the recipe's entry."""
    by_name = {adapter.name: adapter for adapter in lora.adapters}
    findings = []
    for name, relative in sorted(lora.adapter_configs.items()):
        parts: tuple[str | int, ...] = ("adapterConfigs", name)
        adapter = by_name.get(name)
        if adapter is None:
            findings.append(
                _at(
                    recipe,
                    parts,
                    f"no adapter named {name} in lora.adapters; known: {', '.join(by_name) or 'none'}",
                )
            )
            continue
        path = recipe.document.path.parent / relative
        config, problem = _read_adapter_config(path)
        if config is None:
            findings.append(
                _at(recipe, parts, f"cannot read adapter {name}'s adapter_config.json: {problem}")
            )
            continue
        findings.extend(
            _at(recipe, parts, f"adapter {name} ({path.name}): {p}")
            for p in _config_problems(config, adapter)
        )
    return findings


def _read_adapter_config(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"{path} does not exist"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{path}: {error}"
    if not isinstance(data, dict):
        return None, f"{path} is not a JSON object"
    return data, ""


def _config_problems(config: dict[str, Any], adapter: LoraAdapter) -> list[str]:
    """The file's facts against the adapter entry, and the features vLLM's PEFTHelper refuses."""
    problems = []
    missing = [key for key in ("r", "lora_alpha", "target_modules") if key not in config]
    if missing:
        problems.append(
            f"missing {', '.join(missing)}, which vLLM requires (PEFTHelper.from_dict, vllm/lora/peft_helper.py): "
            "is this a LoRA adapter_config.json?"
        )
    base = config.get("base_model_name_or_path")
    if isinstance(base, str) and base and base != adapter.base_model:
        problems.append(
            f"base_model_name_or_path is {base}, but the adapter's baseModel says {adapter.base_model}: set "
            f"baseModel to {base} (and serve it with that model)"
        )
    rank = config.get("r")
    if isinstance(rank, int) and rank != adapter.rank:
        problems.append(f"r is {rank}, but the adapter's rank says {adapter.rank}: set rank to {rank}")
    if config.get("modules_to_save"):
        problems.append(
            "has modules_to_save, which vLLM 0.23.0 refuses (it only supports modules_to_save null)"
        )
    if config.get("use_dora"):
        problems.append("is a DoRA adapter (use_dora), which vLLM 0.23.0 does not support")
    if config.get("bias", "none") != "none":
        problems.append(f"has bias {config.get('bias')!r}; vLLM 0.23.0 supports only bias none")
    targets = config.get("target_modules")
    if "target_modules" in config and not (
        isinstance(targets, str) or (isinstance(targets, list) and all(isinstance(t, str) for t in targets))
    ):
        problems.append("target_modules is neither a string nor a list of module names")
    return problems


def _check_unused_slots(resolved: Resolved, lora: Lora) -> list[Finding]:
    """Static adapters only: slots beyond the adapters never hold one, but vLLM allocates them all."""
    recipe, model = resolved.recipe, resolved.model
    if lora.runtime_updating or not lora.adapters or lora.slots <= len(lora.adapters):
        return []
    cost = ""
    if model is not None:
        slots = LoraSlots(1, lora.rank, lora_dtype_bytes(lora.dtype, recipe.dtype, model.native_dtype))
        spare = lora_bytes_per_gpu(model, slots, recipe.tensor, recipe.pipeline, recipe.data, recipe.expert)
        cost = f" ({gib(spare * (lora.slots - len(lora.adapters)))} per GPU taken from the KV cache)"
    return [
        _at(
            recipe,
            ("maxLoras",),
            f"maxLoras {lora.slots} exceeds the {len(lora.adapters)} static adapters and runtimeUpdating is off, so "
            f"{lora.slots - len(lora.adapters)} slots can never be used{cost}: lower maxLoras to "
            f"{len(lora.adapters)}",
            Severity.WARNING,
        )
    ]


def lora_slots(recipe: Recipe, native_dtype: str) -> LoraSlots | None:
    """The recipe's LoRA preallocation for the memory model, None without LoRA."""
    lora = recipe.lora
    if lora is None:
        return None
    return LoraSlots(lora.slots, lora.rank, lora_dtype_bytes(lora.dtype, recipe.dtype, native_dtype))
