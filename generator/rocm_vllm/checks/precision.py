"""dtype, quantization and KV-cache dtype must be values vLLM accepts and formats the GPU runs."""

from __future__ import annotations

from rocm_vllm.capacity import weight_storage_dtype
from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, finding_at

CHECK = "precision"

# Methods vLLM applies to an unquantized (16-bit) checkpoint while loading it; every other method
# needs a checkpoint that was quantized with it.
ONLINE_QUANTIZATIONS = frozenset(
    {
        "fp8",
        "fp8_per_tensor",
        "fp8_per_block",
        "int8_per_channel_weight_only",
        "mxfp8",
        "online",
        "experts_int8",
    }
)


def check_precision(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, choices = resolved.recipe, context.vllm.choices
    doc, findings = r.document, []
    version = context.vllm.version
    if r.dtype not in choices["dtype"]:
        hint = " (FP8 weights are set with quantization: fp8, not dtype)" if "fp8" in r.dtype.lower() else ""
        findings.append(
            finding_at(
                doc,
                ("precision", "dtype"),
                CHECK,
                f"vLLM {version} rejects --dtype {r.dtype!r}{hint}; use one of: "
                f"{', '.join(choices['dtype'])}",
            )
        )
    if r.quantization is not None and r.quantization not in choices["quantization"]:
        findings.append(
            finding_at(
                doc,
                ("precision", "quantization"),
                CHECK,
                f"vLLM {version} has no quantization method {r.quantization!r}; use one of: "
                f"{', '.join(choices['quantization'])}, or null",
            )
        )
    if r.kv_cache_dtype not in choices["kvCacheDtype"]:
        findings.append(
            finding_at(
                doc,
                ("precision", "kvCacheDtype"),
                CHECK,
                f"vLLM {version} rejects --kv-cache-dtype {r.kv_cache_dtype!r}; use one of: "
                f"{', '.join(choices['kvCacheDtype'])}",
            )
        )
    gpu, checkpoint = resolved.gpu, resolved.checkpoint
    if gpu is None or checkpoint is None:
        return findings
    stored = checkpoint.weight_dtype
    if (
        r.quantization in choices["quantization"]
        and r.quantization not in ONLINE_QUANTIZATIONS
        and stored in {"bfloat16", "float16", "float32"}
    ):
        findings.append(
            finding_at(
                doc,
                ("precision", "quantization"),
                CHECK,
                f"quantization {r.quantization!r} needs a checkpoint quantized with it, but "
                f"{r.model_id} stores {stored} weights; use an online method "
                f"({', '.join(sorted(ONLINE_QUANTIZATIONS))}) or a quantized checkpoint",
            )
        )
    weight_format = weight_storage_dtype(checkpoint, r.quantization, r.dtype)
    if weight_format not in gpu.loadable_weight_formats:
        findings.append(
            finding_at(
                doc,
                ("precision",),
                CHECK,
                f"weights would be {weight_format} but vLLM on {gpu.name} ({gpu.arch}) loads "
                f"{', '.join(gpu.loadable_weight_formats)}; pick a checkpoint or quantization it runs",
            )
        )
    activation = r.dtype if r.dtype != "auto" else "bfloat16"
    if activation == "bfloat16" and "bfloat16" not in gpu.precisions:
        findings.append(
            finding_at(
                doc,
                ("precision", "dtype"),
                CHECK,
                f"{gpu.name} ({gpu.arch}) has no bfloat16 support; use float16",
            )
        )
    if r.kv_cache_dtype.startswith("fp8") and "fp8" not in gpu.precisions:
        findings.append(
            finding_at(
                doc,
                ("precision", "kvCacheDtype"),
                CHECK,
                f"{gpu.name} ({gpu.arch}) has no FP8 support for the KV cache; use auto",
            )
        )
    return findings
