"""Extra vLLM flags must exist in the pinned version; env vars must be ones something in the pod reads."""

from __future__ import annotations

import difflib

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.fields import field_table
from rocm_vllm.findings import Finding, finding_at

# Env vars the chart sets from its own values: a recipe must not fight them.
CHART_OWNED_ENV: dict[str, str] = {
    "HF_HOME": "the chart's cache.mountPath",
    "HF_HUB_OFFLINE": "the chart's cache.offline",
    "HF_TOKEN": "a Secret reference (chart value model.hfTokenSecret); never put a token in a recipe",
    "HUGGING_FACE_HUB_TOKEN": "a Secret reference (chart value model.hfTokenSecret); never put a token in a recipe",
    "HF_TOKEN_PATH": "the chart's model.hfTokenSecret (the token is mounted as a file)",
    "VLLM_API_KEY": "a Secret reference (chart value apiKey.secretName); never put a key in a recipe",
}


def normalize_flag(name: str) -> str:
    """The option vLLM's parser resolves a spelling to: underscores before any `.` become dashes
    (`--max_model_len`), and a dotted key (`--compilation-config.mode`) belongs to its base option."""
    if not name.startswith("--"):
        return name
    base = name.split(".", 1)[0]
    return base.replace("_", "-")


def check_extra_args(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, flags = resolved.recipe, context.vllm.flags
    owned = field_table().owned_flags()  # flags the chart writes from a field or by itself: never twice
    findings: list[Finding] = []
    expects_value = False
    for index, token in enumerate(r.extra_args):
        where = ("vllm", "extraArgs", index)
        if expects_value:
            expects_value = False
            continue
        if not token.startswith("-"):
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "vllm-flags",
                    f"{token!r} is not a flag and follows no flag that takes a value; "
                    "write flags as --name value or --name=value",
                )
            )
            continue
        name, has_inline_value, _ = token.partition("=")
        name = normalize_flag(name)
        if name in owned:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "vllm-flags",
                    f"{name} is set by the chart from {owned[name]}; "
                    "set that field instead of passing the flag",
                )
            )
            continue
        if name not in flags:
            close = difflib.get_close_matches(name, list(flags), n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "vllm-flags",
                    f"vllm serve {context.vllm.version} has no flag {name}{hint}",
                )
            )
            continue
        if flags[name] == "optional":
            continue  # a bare flag and a flag with a value are both valid (e.g. --hf-token)
        if flags[name] == "switch" and has_inline_value:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "vllm-flags",
                    f"{name} is a switch and takes no value; use {name} or its --no- form",
                )
            )
        elif flags[name] == "value" and not has_inline_value:
            if index + 1 >= len(r.extra_args):
                findings.append(finding_at(r.document, where, "vllm-flags", f"{name} needs a value"))
            expects_value = True
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
        elif not facts.env_is_known(name):
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]}?" if close else ""
            findings.append(
                finding_at(
                    r.document,
                    where,
                    "env",
                    f"nothing in vLLM {facts.version} or its platform (RCCL, HIP, PyTorch, Ray, "
                    f"Hugging Face) reads {name}, so setting it does nothing{hint}",
                )
            )
    return findings
