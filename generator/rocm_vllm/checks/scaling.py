"""Scaling fields that contradict each other: two owners of the replica count, or an empty range."""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, finding_at


def check_scaling(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe = resolved.recipe
    findings: list[Finding] = []
    autoscaling = recipe.autoscaling
    if autoscaling is not None and recipe.scale_from_zero_max_replicas is not None:
        findings.append(
            finding_at(
                recipe.document,
                ("deployment", "scaleFromZero"),
                "scaling",
                "deployment.scaleFromZero and deployment.autoscaling both scale this recipe: the KEDA HTTP add-on "
                "creates its own autoscaler, and two would fight over replicas; keep one (scaleFromZero also scales "
                "out, up to its maxReplicas)",
            )
        )
    if autoscaling is not None and autoscaling.min_replicas > autoscaling.max_replicas:
        findings.append(
            finding_at(
                recipe.document,
                ("deployment", "autoscaling", "minReplicas"),
                "scaling",
                f"autoscaling minReplicas {autoscaling.min_replicas} exceeds maxReplicas "
                f"{autoscaling.max_replicas}; lower minReplicas or raise maxReplicas",
            )
        )
    return findings
