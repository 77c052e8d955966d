"""Cold-start and KV offload fields: the weight sources a recipe combines, and a KV offload buffer that fits the
node's host memory (rocm_vllm.kv_offload)."""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at

CHECK = "startup"


def check_weight_sources(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r = resolved.recipe
    f = r.fields
    findings = []
    if f["deployment.objectStorage.uri"] is not None and f["deployment.nodeCache.hostPath"] is not None:
        findings.append(
            finding_at(
                r.document,
                ("deployment", "nodeCache"),
                CHECK,
                "deployment.objectStorage and deployment.nodeCache are both set: the weights stream from the bucket "
                "or are read from the node's disk, not both; remove one",
            )
        )
    has_claim = any(
        f[f"deployment.cache.{k}"] is not None for k in ("size", "storageClassName", "existingClaim")
    )
    if (
        f["deployment.nodeCache.hostPath"] is not None
        and f["deployment.nodeCache.source"] == "claim"
        and not has_claim
    ):
        findings.append(
            finding_at(
                r.document,
                ("deployment", "nodeCache", "source"),
                CHECK,
                "deployment.nodeCache.source claim copies from the shared cache claim, but the recipe has no "
                "deployment.cache: add deployment.cache.existingClaim (the filled claim) or use source hub",
            )
        )
    return findings


def check_kv_offload(resolved: Resolved, context: CheckContext) -> list[Finding]:
    from rocm_vllm.kv_offload import kv_offload_plan

    r = resolved.recipe
    plan = kv_offload_plan(r, resolved.gpu, resolved.model, resolved.checkpoint)
    if plan is None:
        return []
    at = ("serving", "kvOffload")
    findings = []
    if r.data > 1:
        findings.append(
            finding_at(
                r.document,
                at,
                CHECK,
                "serving.kvOffload with parallelism.data > 1: whether --kv-offloading-size is per data-parallel "
                "engine was not confirmed, so the pod's memory request could not be sized; remove one of them",
            )
        )
    given = r.fields["serving.kvOffload.sizeGiB"]
    if plan.host_memory_gib is None and given is None:
        findings.append(
            finding_at(
                r.document,
                at,
                CHECK,
                f"the GPU catalog has no sourced host memory for {r.gpu} nodes, so the KV offload buffer cannot be "
                "sized: give serving.kvOffload.hostMemoryGiB (the node's memory) or serving.kvOffload.sizeGiB",
            )
        )
    elif given is None and plan.size_gib is not None and plan.size_gib < 1:
        findings.append(
            finding_at(
                r.document,
                at,
                CHECK,
                f"KV offload buffer would be {plan.size_gib:g} GiB: the pod's share of host memory "
                f"({plan.pod_share_gib:.1f} GiB) leaves nothing after its own request ({plan.pod_request_gib:.1f} GiB)",
            )
        )
    elif plan.size_gib is not None and plan.host_memory_gib is not None and plan.size_gib > plan.free_gib:
        findings.append(
            finding_at(
                r.document,
                (*at, "sizeGiB") if given is not None else at,
                CHECK,
                f"KV offload buffer {plan.size_gib:g} GiB does not fit: the pod's share of a {plan.host_memory_gib} "
                f"GiB node is {plan.pod_share_gib:.1f} GiB after the system reserve, and the pod already requests "
                f"{plan.pod_request_gib:.1f} GiB ({plan.free_gib:.1f} GiB free)",
            )
        )
    if plan.backend == "lmcache":
        findings.append(
            finding_at(
                r.document,
                (*at, "backend"),
                CHECK,
                "kvOffload backend lmcache needs the LMCache package in the image; that the pinned rocm/vllm image "
                'carries it is not confirmed: check with python3 -c "import lmcache" in the image, or use native',
                severity=Severity.WARNING,
            )
        )
    return findings
