"""Extra vLLM flags must exist in the pinned version; env vars must be ones something in the pod reads."""

from __future__ import annotations

import difflib

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.fields import field_table
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.vllm_argv import read_argv

# Env vars the chart sets from its own values: a recipe must not fight them.
CHART_OWNED_ENV: dict[str, str] = {
    "HF_HOME": "the chart's cache.mountPath",
    "HF_HUB_OFFLINE": "the chart's cache.offline",
    "HF_TOKEN": "a Secret reference (chart value model.hfTokenSecret); never put a token in a recipe",
    "HUGGING_FACE_HUB_TOKEN": "a Secret reference (chart value model.hfTokenSecret); never put a token in a recipe",
    "HF_TOKEN_PATH": "the chart's model.hfTokenSecret (the token is mounted as a file)",
    "VLLM_API_KEY": "a Secret reference (chart value apiKey.secretName); never put a key in a recipe",
    "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "lora.runtimeUpdating (checked against the API server count)",
}


def recipe_flag_table(context: CheckContext) -> dict[str, str]:
    """Every option a recipe's extraArgs can resolve to: the release's and the allow-list's, and the flags the
    chart writes from a field (so they read as themselves, to be refused as chart-owned, not as unknown)."""
    return {**dict.fromkeys(field_table().owned_flags(), "value"), **context.flags()}


def check_extra_args(resolved: Resolved, context: CheckContext) -> list[Finding]:
    """One finding per token vLLM's parser would refuse, or that fights a flag the chart writes."""
    r, facts = resolved.recipe, context.vllm
    owned = field_table().owned_flags()  # flags the chart writes from a field or by itself: never twice
    flags = recipe_flag_table(context)
    findings: list[Finding] = []

    def add(index: int, message: str, severity: Severity = Severity.ERROR) -> None:
        findings.append(
            finding_at(r.document, ("vllm", "extraArgs", index), "vllm-flags", message, severity=severity)
        )

    read = read_argv(r.extra_args, flags)
    for problem in read.problems:
        message = problem.message
        if message.startswith("no flag "):
            name = message.removeprefix("no flag ")
            close = difflib.get_close_matches(name, list(flags), n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            message = f"vllm serve {facts.version} has no flag {name}{hint}"
        add(problem.index, message)
    for option in read.options:
        positive = (
            "--" + option.name.removeprefix("--no-") if option.name.startswith("--no-") else option.name
        )
        owner = owned.get(option.name) or owned.get(positive)
        if owner is not None and owner == "launch.mode" and not r.is_multi_node:
            # On one node the chart passes no executor backend and vLLM picks mp itself; launch.mode is only
            # read for multi-node groups, so pointing at it would send the user to a field that changes nothing.
            add(
                option.index,
                f"{option.name} is for multi-node launches (launch.mode); on one node vLLM uses mp by default: "
                "remove the flag",
            )
        elif owner is not None:
            add(
                option.index,
                f"{option.name} is set by the chart from {owner}; set that field instead of passing the flag",
            )
        elif option.abbreviation:
            add(
                option.index,
                f"{option.written.split('=')[0]} is an abbreviation vLLM {facts.version} expands to {option.name}; "
                "write it in full (a later vLLM flag can make the abbreviation ambiguous)",
                Severity.WARNING,
            )
    return findings


def check_env(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, facts = resolved.recipe, context.vllm
    findings: list[Finding] = []
    known = sorted(facts.env_names | facts.platform_env_names)
    for name, _ in r.env:
        where = ("vllm", "env", name)
        if name in CHART_OWNED_ENV:
            findings.append(
                finding_at(r.document, where, "env", f"{name} is managed by {CHART_OWNED_ENV[name]}")
            )
        elif not facts.env_is_known(name) and name not in context.allow.env:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]}?" if close else ""
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "env",
                    f"nothing in vLLM {facts.version} or its platform (RCCL, HIP, PyTorch, Ray, "
                    f"Hugging Face, Triton, AITER) reads {name}, so setting it does nothing{hint}; if your "
                    "image does read it, allow it in an allow-list file (--allow FILE) with the reason",
                )
            )
    return findings
