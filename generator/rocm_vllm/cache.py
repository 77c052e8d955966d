"""Model caches: values for charts/rocm-vllm-cache (a claim plus a download Job) and the matching overrides for
charts/rocm-vllm, so one claim filled once serves every replica, LeaderWorkerSet member and model of a stack.

Only this module knows how recipes map onto the cache chart's values; the chart alone knows how they become
Kubernetes objects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rocm_vllm.catalog import Catalog, load_catalog
from rocm_vllm.errors import HelmEngineError, InvalidInputError, UsageError
from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION
from rocm_vllm.recipe import Recipe

CACHE_CHART = "rocm-vllm-cache"
# Room above the weights for tokenizer, config and index files, a second revision's changed files and
# filesystem overhead; storage classes round up anyway.
SIZE_HEADROOM = 1.2
GIB = 2**30
DEFAULT_RELEASE_NAME = "model-cache"
# Helm caps release names at 53 characters (object names derived from them must stay DNS labels).
_MAX_RELEASE_NAME = 53
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True, order=True)
class CachedModel:
    """One Hugging Face repository at one revision: a snapshot in the cache."""

    id: str
    revision: str


def cached_models(recipes: Iterable[Recipe]) -> list[CachedModel]:
    """Each recipe's model at its revision, deduplicated and sorted (several recipes often share a model)."""
    return sorted({CachedModel(r.model_id, r.revision) for r in recipes})


def cached_adapters(recipes: Iterable[Recipe], catalog: Catalog | None = None) -> dict[CachedModel, float]:
    """Each recipe's LoRA adapters fetched from Hugging Face (lora.adapters with repo and revision), with their
    estimated bytes: one rank-r slot of the base model's projections in bf16 (rocm_vllm.capacity's LoRA term, an
    upper bound for adapters that target fewer modules). The chart loads them from these snapshots."""
    from rocm_vllm.capacity import LoraSlots, lora_bytes_per_gpu

    catalog = catalog or load_catalog()
    out: dict[CachedModel, float] = {}
    for recipe in recipes:
        lora = recipe.lora
        for adapter in lora.adapters if lora else ():
            if adapter.repo is None or adapter.revision is None:
                continue  # a path adapter is already in the cache
            found = catalog.checkpoint(recipe.model_id)
            size = lora_bytes_per_gpu(found[0], LoraSlots(1, adapter.rank), 1, 1) if found else 0.0
            key = CachedModel(adapter.repo, adapter.revision)
            out[key] = max(out.get(key, 0.0), size)
    return dict(sorted(out.items()))


def checkpoint_bytes(model: CachedModel, catalog: Catalog) -> float:
    """Bytes of the checkpoint's weights as published (its stored dtype), from the model catalog."""
    from rocm_vllm.capacity import model_weight_bytes

    found = catalog.checkpoint(model.id)
    if found is None:
        raise InvalidInputError(
            f"cannot estimate the cache size: {model.id} is not in the model catalog; pass --size "
            "(e.g. --size 200Gi) or add the model to a --catalog directory"
        )
    spec, checkpoint = found
    return model_weight_bytes(spec, checkpoint, None, "auto")


def estimate_cache_size(
    models: Sequence[CachedModel], catalog: Catalog | None = None, extra_bytes: float = 0.0
) -> str:
    """The claim size for `models` (and `extra_bytes`, e.g. LoRA adapters): their weights x SIZE_HEADROOM,
    rounded up to whole GiB (e.g. "18Gi").

    Each revision counts in full: two snapshots of one repository share unchanged files, but not reliably.
    """
    catalog = catalog or load_catalog()
    total = sum(checkpoint_bytes(model, catalog) for model in models) + extra_bytes
    return f"{max(1, math.ceil(total * SIZE_HEADROOM / GIB))}Gi"


def _check_name(value: str, option: str) -> None:
    if value and not _DNS_NAME.match(value):
        raise UsageError(
            f"{option} {value!r} is not a valid Kubernetes object name (lower-case letters, digits, '-' and '.')"
        )


def cache_values_for(
    recipes: list[Recipe],
    *,
    size: str | None = None,
    storage_class: str = "",
    existing_claim: str = "",
    pvc_name: str = "",
    hf_token_secret: str = "",
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Values for charts/rocm-vllm-cache filling one claim with every recipe's model and revision.

    `size` defaults to the catalog estimate (`estimate_cache_size`); with `existing_claim` no claim is
    created, so size, storage class and name do not apply. `hf_token_secret` names a Secret whose HF_TOKEN key
    holds a Hugging Face token (gated models).
    """
    if not recipes:
        raise UsageError("no recipes: name at least one recipe whose model the cache should hold")
    _check_name(existing_claim, "--existing-claim")
    _check_name(pvc_name, "--pvc-name")
    _check_name(hf_token_secret, "--hf-token-secret")
    if size is not None and not _QUANTITY.match(size):
        raise UsageError(f"--size {size!r} is not a Kubernetes quantity (e.g. 500Gi or 1Ti)")
    models = cached_models(recipes)
    adapters = {a: size for a, size in cached_adapters(recipes, catalog).items() if a not in models}
    pvc: dict[str, Any]
    if existing_claim:
        conflicting = [
            option
            for option, value in (
                ("--size", size),
                ("--storage-class", storage_class),
                ("--pvc-name", pvc_name),
            )
            if value
        ]
        if conflicting:
            raise UsageError(
                f"{', '.join(conflicting)} configure a new claim and cannot be used with --existing-claim"
            )
        pvc = {"existingClaim": existing_claim}
    else:
        pvc = {"size": size or estimate_cache_size(models, catalog, sum(adapters.values()))}
        if pvc_name:
            pvc["name"] = pvc_name
        if storage_class:
            pvc["storageClassName"] = storage_class
    # Models first, then the adapters: a pod waiting for its model's marker starts no earlier than before.
    entries = [{"id": m.id, "revision": m.revision} for m in [*models, *adapters]]
    values: dict[str, Any] = {"models": entries, "pvc": pvc}
    if hf_token_secret:
        values["download"] = {"hfTokenSecret": {"name": hf_token_secret}}
    return values


def main_chart_values_for_cache(pvc_name: str) -> dict[str, Any]:
    """Overrides for charts/rocm-vllm that serve from a claim the cache chart filled: mounted read-only,
    Hugging Face offline, no download init container."""
    if not pvc_name:
        raise UsageError("the cache claim's name is required")
    return {
        "cache": {
            "enabled": True,
            "existingClaim": pvc_name,
            "offline": True,
            "readOnly": True,
            "download": {"enabled": False},
        }
    }


def default_release_name(recipes: Sequence[Recipe]) -> str:
    """`<model>-cache` for one model (e.g. llama-3-1-8b-instruct-cache), else `model-cache`."""
    models = {r.model_id for r in recipes}
    if len(models) != 1:
        return DEFAULT_RELEASE_NAME
    slug = re.sub(r"[^a-z0-9]+", "-", next(iter(models)).rsplit("/", 1)[-1].lower()).strip("-")
    suffix = "-cache"
    return (slug[: _MAX_RELEASE_NAME - len(suffix)].rstrip("-") + suffix) if slug else DEFAULT_RELEASE_NAME


def check_release_name(name: str) -> None:
    """Helm's rule for release names: a DNS label of at most 53 characters."""
    if len(name) > _MAX_RELEASE_NAME or not _RELEASE_NAME.match(name):
        raise UsageError(
            f"release name {name!r}: use at most {_MAX_RELEASE_NAME} lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )


def helm_set_expression(values: dict[str, Any], prefix: str = "") -> str:
    """Nested values as one `--set` argument: `{"cache": {"enabled": True}}` -> `cache.enabled=true`."""
    parts: list[str] = []
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            parts.append(helm_set_expression(value, path))
        elif isinstance(value, bool):
            parts.append(f"{path}={str(value).lower()}")
        else:
            parts.append(f"{path}={value}")
    return ",".join(parts)


def claim_name(values: dict[str, Any], release_name: str) -> str:
    """The claim the cache chart fills for these values, read from the Job it renders (the chart names it)."""
    from rocm_vllm import helm
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.rendered import pod_claim_names

    templates = helm.render_chart(
        chart_dir(CACHE_CHART), values, release_name=release_name, include_hooks=True
    )
    claims = pod_claim_names(helm.split_manifests(templates), "model-cache")
    if len(claims) != 1:
        # The chart always mounts exactly one cache claim: anything else is a chart bug, not the user's input.
        raise HelmEngineError(f"the cache chart rendered {len(claims)} model-cache claim(s), expected one")
    return claims[0]


def render_cache_chart(
    values: dict[str, Any],
    *,
    release_name: str,
    namespace: str = "default",
    kube_version: str = DEFAULT_KUBE_VERSION,
) -> dict[str, str]:
    """Render charts/rocm-vllm-cache through Helm's engine and validate every object strictly for
    `kube_version`; return ``{template path: YAML}``. Invalid objects raise InvalidInputError."""
    from rocm_vllm import helm
    from rocm_vllm.kube_schema import schema_version_for, validate_objects
    from rocm_vllm.paths import chart_dir

    schema_version_for(kube_version)  # a malformed or unsupported version is a usage error, before rendering
    templates = helm.render_chart(
        chart_dir(CACHE_CHART),
        values,
        release_name=release_name,
        namespace=namespace,
        kube_version=kube_version,
        include_hooks=True,
    )
    problems = validate_objects(helm.split_manifests(templates), kube_version)
    if problems:
        raise InvalidInputError(
            f"the rendered cache objects are not valid for Kubernetes {kube_version}:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return templates


def manifest_text(templates: dict[str, str], stamp: str) -> str:
    """`helm template`-shaped text: the stamp as comments, then one `# Source:` document per template."""
    parts = [f"# {line}\n" if line else "#\n" for line in stamp.splitlines()]
    for path, text in templates.items():
        parts.append(f"---\n# Source: {path}\n{text.rstrip()}\n")
    return "".join(parts)
