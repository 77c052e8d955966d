"""Weights must fit, the KV cache must hold one max-length sequence, and the length must be one the model has."""

from __future__ import annotations

from rocm_vllm.capacity import gib, plan_memory, scheduler_batch
from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.checks.lora import lora_slots
from rocm_vllm.checks.vllm_cli import recipe_flag_table
from rocm_vllm.findings import Finding, finding_at
from rocm_vllm.tp_buffers import aiter_allreduce_fusion
from rocm_vllm.vllm_argv import read_argv

CHECK = "memory"


def check_context_length(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, model = resolved.recipe, resolved.model
    if model is not None and r.max_model_len > model.max_position_embeddings:
        return [
            finding_at(
                r.document,
                ("serving", "maxModelLen"),
                "context-length",
                f"maxModelLen {r.max_model_len} exceeds {r.model_id}'s "
                f"{model.max_position_embeddings} positions; vLLM refuses it: lower it to at most "
                f"{model.max_position_embeddings}",
            )
        ]
    return []


def batched_tokens_flag(extra_args: tuple[str, ...]) -> int | None:
    """`--max-num-batched-tokens N` (or `=N`) from the recipe's extra vLLM arguments, when a plain integer."""
    for index, arg in enumerate(extra_args):
        name, _, attached = arg.partition("=")
        if name.replace("_", "-") != "--max-num-batched-tokens":
            continue
        value = attached or (extra_args[index + 1] if index + 1 < len(extra_args) else "")
        return int(value) if value.isdigit() and int(value) > 0 else None
    return None


def chunked_prefill_flag(extra_args: tuple[str, ...]) -> bool:
    """Whether chunked prefill stays on: vLLM's default unless the recipe passes --no-enable-chunked-prefill."""
    switches = [
        a.replace("_", "-") for a in extra_args if a.replace("_", "-").endswith("enable-chunked-prefill")
    ]
    return not switches or switches[-1] != "--no-enable-chunked-prefill"


def check_batch(resolved: Resolved, context: CheckContext) -> list[Finding]:
    """The scheduler limits vLLM 0.23.0 refuses at start-up (SchedulerConfig.verify_max_model_len,
    vllm/config/scheduler.py:259-278)."""
    r, gpu = resolved.recipe, resolved.gpu
    tokens = batched_tokens_flag(r.extra_args)
    if gpu is None or tokens is None:
        return []
    _, seqs = scheduler_batch(gpu, r.max_model_len, tokens, r.max_num_seqs, release=context.vllm.version)
    problems = []
    if not chunked_prefill_flag(r.extra_args) and 0 < tokens < r.max_model_len:
        problems.append(
            f"--max-num-batched-tokens {tokens} is below maxModelLen {r.max_model_len} with chunked prefill off; "
            f'vLLM refuses it ("max_num_batched_tokens ({tokens}) is smaller than max_model_len", '
            "vllm/config/scheduler.py:260-271): raise it to at least maxModelLen or keep chunked prefill on"
        )
    if tokens < seqs:
        problems.append(
            f"--max-num-batched-tokens {tokens} is below maxNumSeqs {seqs}; vLLM refuses it "
            f'("max_num_batched_tokens ({tokens}) must be greater than or equal to max_num_seqs ({seqs})", '
            "vllm/config/scheduler.py:273-278)"
        )
    return [finding_at(r.document, ("vllm", "extraArgs"), CHECK, problem) for problem in problems]


def uses_aiter_allreduce(resolved: Resolved, context: CheckContext) -> bool:
    """Whether the recipe's env and flags make vLLM build AITER's custom all-reduce (tp_buffers.py)."""
    options = read_argv(resolved.recipe.extra_args, recipe_flag_table(context)).options
    return aiter_allreduce_fusion(resolved.recipe.env, options)


def check_memory(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, model, gpu, checkpoint = resolved.recipe, resolved.model, resolved.gpu, resolved.checkpoint
    if model is None or gpu is None or checkpoint is None:
        return []
    if r.tensor * r.pipeline * r.data == 0:
        return []
    plan = plan_memory(
        model,
        checkpoint,
        gpu,
        tensor=r.tensor,
        pipeline=r.pipeline,
        data=r.data,
        expert=r.expert,
        dtype=r.dtype,
        quantization=r.quantization,
        kv_cache_dtype=r.kv_cache_dtype,
        gpu_memory_utilization=r.gpu_memory_utilization,
        max_model_len=r.max_model_len,
        max_num_batched_tokens=batched_tokens_flag(r.extra_args),
        max_num_seqs=r.max_num_seqs,
        chunked_prefill=chunked_prefill_flag(r.extra_args),
        redundant_experts=r.redundant_experts or 0,
        lora=lora_slots(r, model.native_dtype),
        aiter_allreduce=uses_aiter_allreduce(resolved, context),
        release=context.vllm.version,
    )
    lora_note = (
        f" plus {gib(plan.lora_bytes_per_gpu)} of LoRA slots (lora.maxLoras x maxLoraRank)"
        if plan.lora_bytes_per_gpu
        else ""
    )
    lora_after = f", after{lora_note.removeprefix(' plus')}" if lora_note else ""
    if not plan.weights_fit:
        return [
            finding_at(
                r.document,
                ("serving", "gpuMemoryUtilization"),
                CHECK,
                f"weights need {gib(plan.weight_bytes_per_gpu)} per GPU{lora_note} plus {gib(plan.reserve_bytes)} "
                "that vLLM's "
                f"profile run keeps (activations at {plan.max_num_batched_tokens} batched tokens, non-torch"
                f"{', tensor-parallel buffers' if plan.communication_bytes else ''}), but "
                f"{r.gpu_memory_utilization} x {gib(gpu.memory_bytes)} gives {gib(plan.budget_bytes)}; "
                "add GPUs (tensor/pipeline, or data with expert: true for a MoE model), quantize (quantization: "
                "fp8), raise gpuMemoryUtilization"
                + (" or lower lora.maxLoras/maxLoraRank" if lora_note else ""),
            )
        ]
    if r.max_model_len == -1 and not plan.max_model_len:
        return [
            finding_at(
                r.document,
                ("serving", "maxModelLen"),
                CHECK,
                f"maxModelLen -1 fits no length: {gib(plan.kv_budget_bytes_per_gpu)} per GPU is left for the KV "
                "cache, not one block; add GPUs, quantize or raise gpuMemoryUtilization",
            )
        ]
    if r.max_model_len > 0 and not plan.fits_one_sequence:
        return [
            finding_at(
                r.document,
                ("serving", "maxModelLen"),
                CHECK,
                f"the KV cache holds {plan.kv_tokens} tokens ({gib(plan.kv_budget_bytes_per_gpu)} per GPU at "
                f"{plan.kv_bytes_per_token_per_gpu:.0f} bytes/token{lora_after}), "
                f"fewer than one maxModelLen {r.max_model_len} "
                f"sequence, so vLLM refuses to start: lower maxModelLen to at most {plan.fitted_max_model_len} "
                "(or -1 to let vLLM fit it), use kvCacheDtype fp8, or add GPUs",
            )
        ]
    return []
