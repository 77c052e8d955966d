"""The GPU and the model must be in the catalog: every other check needs their facts."""

from __future__ import annotations

import difflib

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, finding_at


def check_catalog_entries(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe, findings = resolved.recipe, []
    whole = context.catalog.gpus.get(recipe.gpu)
    if whole is not None and recipe.partition is not None and resolved.gpu is None:
        modes = ", ".join(mode.profile for mode in whole.partitions) or "none"
        findings.append(
            finding_at(
                recipe.document,
                ("hardware", "partition"),
                "catalog",
                f"{recipe.gpu} has no partition mode '{recipe.partition}' in the GPU catalog; its modes: {modes}",
            )
        )
    elif resolved.gpu is None:
        known = ", ".join(context.catalog.gpus)
        findings.append(
            finding_at(
                recipe.document,
                ("hardware", "gpu"),
                "catalog",
                f"unknown GPU '{recipe.gpu}'; known GPUs: {known} (add others with --catalog DIR/gpus.yaml)",
            )
        )
    if resolved.model_error is not None:
        findings.append(
            finding_at(
                recipe.document,
                ("model", "config"),
                "catalog",
                f"cannot read the model's config.json: {resolved.model_error}",
            )
        )
    elif resolved.model is None:
        ids = context.catalog.all_hf_ids()
        close = difflib.get_close_matches(recipe.model_id, ids, n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else "see `rocm-vllm catalog` for the known ids"
        findings.append(
            finding_at(
                recipe.document,
                ("model", "id"),
                "catalog",
                f"model '{recipe.model_id}' is not in the model catalog; {hint} "
                "(add it with --catalog DIR/models.yaml)",
            )
        )
    return findings
