"""Prefill/decode disaggregation: each pool passes every recipe check as a recipe of its own, and the two pools
agree on what the KV cache's layout depends on; the connector must exist for the GPU's architecture."""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved, all_checks, resolve
from rocm_vllm.findings import Finding, finding_at
from rocm_vllm.pools import POOLS, SECTION, in_overlay, is_disaggregated, pool_recipe
from rocm_vllm.recipe import Recipe
from rocm_vllm.vllm_argv import last_flag_value
from rocm_vllm.yamlio import PathPart, parse_path

CHECK = "disaggregation"

# MoRIIOConnector imports AMD's MoRI, whose kernels vLLM 0.23.0 runs only on gfx942 and gfx950
# (distributed/device_communicators/all2all.py: "mori currently only support arch gfx942 and gfx950").
MORIIO_ARCHES = ("gfx942", "gfx950")
# What the decode pool's KV blocks must share with the prefill pool's: (recipe path, what it is).
MUST_MATCH: tuple[tuple[tuple[str, ...], str], ...] = (
    (("precision", "dtype"), "precision.dtype"),
    (("precision", "quantization"), "precision.quantization"),
    (("precision", "kvCacheDtype"), "precision.kvCacheDtype"),
    (("serving", "maxModelLen"), "serving.maxModelLen"),
)


def _typed(recipe: Recipe, parts: tuple[str, ...]) -> object:
    return recipe.fields[".".join(parts)]


def _pool_parts(resolved: Resolved, role: str, parts: tuple[PathPart, ...]) -> tuple[PathPart, ...]:
    document = resolved.recipe.document
    return (SECTION, role, *parts) if in_overlay(document, role, parts) else parts


def check_pools(resolved: Resolved, context: CheckContext) -> list[Finding]:
    """Every recipe check on each pool's recipe; a finding the top level already has is not repeated."""
    recipe = resolved.recipe
    if not is_disaggregated(recipe):
        return []
    from rocm_vllm.checks.routing import check_routing

    # Routing is the release's (one InferencePool over both pools), checked on the top level only.
    recipe_checks = [c for c in all_checks() if c not in (check_pools, check_disaggregation, check_routing)]
    shared = {(f.path, f.message) for check in recipe_checks for f in check(resolved, context)}
    findings: list[Finding] = []
    for role in POOLS:
        pool = resolve(pool_recipe(recipe, role), context.catalog)
        for check in recipe_checks:
            for finding in check(pool, context):
                if (finding.path, finding.message) in shared:
                    continue
                parts = _pool_parts(resolved, role, parse_path(finding.path))
                findings.append(
                    finding_at(
                        recipe.document,
                        parts,
                        finding.check,
                        f"{role} pool: {finding.message}",
                        finding.severity,
                    )
                )
    return findings


def check_disaggregation(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe = resolved.recipe
    if not is_disaggregated(recipe):
        return []
    doc, findings = recipe.document, []
    connector = str(recipe.fields[f"{SECTION}.connector"])
    if connector == "MoRIIOConnector" and resolved.gpu is not None and resolved.gpu.arch not in MORIIO_ARCHES:
        findings.append(
            finding_at(
                doc,
                (SECTION, "connector"),
                CHECK,
                f"MoRIIOConnector needs AMD MoRI, which runs only on {' and '.join(MORIIO_ARCHES)} (MI300X, MI325X, "
                f"MI350X, MI355X); {recipe.gpu} is {resolved.gpu.arch}: use NixlConnector",
            )
        )
    if not recipe.fields.get("deployment.gateway.inferencePool"):
        findings.append(
            finding_at(
                doc,
                (SECTION, "connector"),
                CHECK,
                "prefill/decode needs llm-d's endpoint picker to send requests through the prefill pool (without it "
                "the decode pods serve both phases and the prefill pool idles): set deployment.gateway.name and "
                "deployment.gateway.inferencePool: true",
            )
        )
    prefill, decode = (pool_recipe(recipe, role) for role in POOLS)
    for parts, name in MUST_MATCH:
        ours, theirs = _typed(prefill, parts), _typed(decode, parts)
        if ours != theirs:
            role = "decode" if in_overlay(doc, "decode", parts) else "prefill"
            findings.append(
                finding_at(
                    doc,
                    (SECTION, role, *parts),
                    CHECK,
                    f"the prefill pool's {name} is {ours!r} but the decode pool's is {theirs!r}: the decode pool can "
                    f"only use KV blocks computed with the same precision and length; set {name} once at the top "
                    "level, not in a pool",
                )
            )
    blocks = {
        role: last_flag_value(pool.extra_args, "--block-size")
        for role, pool in zip(POOLS, (prefill, decode), strict=True)
    }
    if blocks["prefill"] != blocks["decode"]:
        findings.append(
            finding_at(
                doc,
                (SECTION, "decode", "vllm", "extraArgs"),
                CHECK,
                f"--block-size differs between the pools (prefill {blocks['prefill'] or 'vLLM default'}, decode "
                f"{blocks['decode'] or 'vLLM default'}): KV blocks transfer one to one; give both pools the same "
                "--block-size",
            )
        )
    if prefill.tensor != decode.tensor:
        missing = [
            role
            for role, pool in zip(POOLS, (prefill, decode), strict=True)
            if last_flag_value(pool.extra_args, "--attention-backend") != "ROCM_ATTN"
        ]
        # A pool without its own vllm.extraArgs inherits the top level's: name the list the user has to edit.
        places = {_pool_parts(resolved, role, ("vllm", "extraArgs")) for role in missing}
        for place in sorted(places, key=len):
            where = "vllm.extraArgs" if len(place) == 2 else f"disaggregation.{place[1]}.vllm.extraArgs"
            findings.append(
                finding_at(
                    doc,
                    place,
                    CHECK,
                    f"prefill tensor {prefill.tensor} and decode tensor {decode.tensor} differ, which on ROCm "
                    "needs the ROCm attention backend in both pools (llm-d's AMD P/D guide): add "
                    f"--attention-backend ROCM_ATTN to {where}",
                )
            )
    return findings
