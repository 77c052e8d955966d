"""Routing through an InferencePool (deployment.gateway.inferencePool): settings that start but defeat the picker.

The endpoint picker (llm-d-router v0.10.0, the chart's default EndpointPickerConfig) chooses among the pool's pods by
queue depth, KV-cache use and prefix-cache hits. A pool that can only ever hold one pod gives it nothing to choose,
and a model served without vLLM's prefix cache makes the prefix-cache scorer (3 of the 7 weight points) route by
prefixes nothing caches. Both start and serve, so both are warnings.
"""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at

POOL_FIELD = ("deployment", "gateway", "inferencePool")


def check_routing(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe = resolved.recipe
    if not recipe.fields["deployment.gateway.inferencePool"]:
        return []
    findings: list[Finding] = []
    autoscaling = recipe.autoscaling
    if autoscaling is not None:
        most, replicas = (
            autoscaling.max_replicas,
            f"{autoscaling.max_replicas} (deployment.autoscaling.maxReplicas)",
        )
    elif recipe.replicas is not None:
        most, replicas = recipe.replicas, f"{recipe.replicas} (deployment.replicas)"
    else:
        most, replicas = 1, "1 (the chart's default replica count)"
    # Prefill/decode: the pool holds both pools' pods and the picker always chooses one of each role.
    if most <= 1 and recipe.fields.get("disaggregation.connector") is None:
        findings.append(
            finding_at(
                recipe.document,
                POOL_FIELD,
                "routing",
                f"the InferencePool holds at most {replicas} replicas, so its endpoint picker has no replica to "
                "choose between: set deployment.replicas to 2 or more (or deployment.autoscaling), or route "
                "through the Service (leave inferencePool out)",
                severity=Severity.WARNING,
            )
        )
    for index, arg in enumerate(recipe.extra_args):
        if arg == "--no-enable-prefix-caching":
            findings.append(
                finding_at(
                    recipe.document,
                    ("vllm", "extraArgs", index),
                    "routing",
                    "vLLM's prefix cache is off, but the endpoint picker's prefix-cache scorer routes requests to "
                    "the replica that served their prefix: drop --no-enable-prefix-caching, or give the picker a "
                    "configuration without prefix-cache-scorer (chart value inferencePool.endpointPicker.config)",
                    severity=Severity.WARNING,
                )
            )
    return findings
