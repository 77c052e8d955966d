"""Startability checks: every recipe passes all of them, or is rejected with every reason at once.

`check_recipe_document` runs the schema first: a document that does not match the schema cannot be
trusted to have the types the other checks read, so only its schema findings are reported.  All
other families run on every recipe and each adds its findings; none stops at the first problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from rocm_vllm.allowlist import AllowList
from rocm_vllm.catalog import Catalog, Checkpoint, GpuSpec, ModelSpec
from rocm_vllm.findings import Finding
from rocm_vllm.recipe import Recipe, recipe_from_document
from rocm_vllm.vllm_facts import VllmFacts
from rocm_vllm.yamlio import LoadedDocument


@dataclass(frozen=True)
class CheckContext:
    catalog: Catalog
    vllm: VllmFacts  # the release the recipe's image carries (check_recipe_document picks it per recipe)
    allow: AllowList = field(default_factory=AllowList)  # the user's extra env vars and flags

    def flags(self) -> dict[str, str]:
        """The release's options and the allow-list's extra ones."""
        return {**self.vllm.flags, **self.allow.flags}

    def for_release(self, version: str) -> CheckContext:
        if version == self.vllm.version:
            return self
        from rocm_vllm.vllm_facts import load_vllm_facts

        return dataclasses.replace(self, vllm=load_vllm_facts(version))


@dataclass(frozen=True)
class Resolved:
    """A recipe with its catalog entries looked up (None where the catalog lacks them)."""

    recipe: Recipe
    gpu: GpuSpec | None
    model: ModelSpec | None
    checkpoint: Checkpoint | None
    model_error: str | None = None  # why the recipe's model.config could not be read


Check = Callable[[Resolved, CheckContext], list[Finding]]


def resolve(recipe: Recipe, catalog: Catalog) -> Resolved:
    gpu = catalog.gpus.get(recipe.gpu)
    if gpu is not None and recipe.partition is not None:
        # Every check sizes the recipe against one device: here one partition (check_catalog_entries reports a
        # profile the GPU lacks, and the checks then see no GPU rather than a whole one).
        gpu = gpu.as_partition(recipe.partition)
    if recipe.model_config is not None:
        from rocm_vllm.catalog.hf_config import model_from_config_file
        from rocm_vllm.errors import InvalidInputError

        path = recipe.document.path.parent / recipe.model_config
        try:
            own_model, own_checkpoint = model_from_config_file(path, recipe.model_id)
        except InvalidInputError as error:
            return Resolved(recipe, gpu, None, None, model_error=str(error))
        return Resolved(recipe, gpu, own_model, own_checkpoint)
    found = catalog.checkpoint(recipe.model_id)
    model, checkpoint = found if found else (None, None)
    return Resolved(recipe, gpu, model, checkpoint)


def all_checks() -> list[Check]:
    from rocm_vllm.checks import (
        catalog,
        disaggregation,
        expert_parallel,
        image,
        lora,
        memory,
        naming,
        parallelism,
        precision,
        routing,
        scaling,
        startup,
        vllm_cli,
    )

    return [
        naming.check_name,
        catalog.check_catalog_entries,
        parallelism.check_parallelism,
        parallelism.check_fp8_blocks,
        expert_parallel.check_all2all,
        expert_parallel.check_experts,
        precision.check_precision,
        memory.check_context_length,
        memory.check_memory,
        memory.check_batch,
        image.check_image,
        scaling.check_scaling,
        vllm_cli.check_extra_args,
        vllm_cli.check_env,
        disaggregation.check_disaggregation,
        disaggregation.check_pools,
        routing.check_routing,
        lora.check_lora,
        startup.check_weight_sources,
        startup.check_kv_offload,
    ]


def check_recipe_document(
    document: LoadedDocument, context: CheckContext
) -> tuple[Recipe | None, list[Finding]]:
    """All findings for one loaded recipe, and the typed recipe when the schema allowed building it."""
    from rocm_vllm.checks.schema import check_schema

    schema_findings = check_schema(document)
    if schema_findings:
        return None, schema_findings
    recipe = recipe_from_document(document)
    gpu = context.catalog.gpus.get(recipe.gpu)
    if gpu is not None:  # the catalog's device ids reach the chart through the recipe's values
        recipe = dataclasses.replace(recipe, gpu_device_ids=gpu.device_ids)
    resolved = resolve(recipe, context.catalog)
    from rocm_vllm.checks.image import image_release

    release = image_release(recipe.image_repository, recipe.image_tag)
    if release.version is not None:  # flags, env vars and choices of the release the image carries
        context = context.for_release(release.version)
    findings: list[Finding] = []
    for check in all_checks():
        findings.extend(check(resolved, context))
    return recipe, findings


def check_recipe_data(
    data: dict[str, object], context: CheckContext, source: str = "<generated>"
) -> tuple[Recipe | None, list[Finding]]:
    """Check a recipe built in memory (by `plan` or `select`) with exactly the rules files get."""
    from pathlib import Path

    document = LoadedDocument(path=Path(source), data=data)
    return check_recipe_document(document, context)
