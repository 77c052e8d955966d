"""Stack-wide checks: served names the router can route, the router's settings, and names the stack chart takes."""

from __future__ import annotations

import re
from typing import Any

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.findings import finding_at
from rocm_vllm.stack.result import STACK_CHART, StackModel, StackResult
from rocm_vllm.yamlio import LoadedDocument, PathPart

# The stack chart's `fail` messages about one model start with its key.
_MODEL_FAILURE = re.compile(r"^ERROR: models\.(?P<key>[^:\s]+): (?P<message>.*)$", re.S)


def check_served_names(result: StackResult, document: LoadedDocument) -> None:
    seen: dict[str, StackModel] = {}
    for model in result.models:
        name = model.served_name
        if "," in name:
            result.findings.append(
                finding_at(
                    document,
                    ("models", model.index),
                    "served-name",
                    f"served model name '{name}' contains a comma, which the router's --static-models list cannot "
                    "carry; set overrides.model.servedModelName",
                )
            )
        if name in seen:
            result.findings.append(
                finding_at(
                    document,
                    ("models", model.index),
                    "served-name",
                    f"models '{seen[name].key}' and '{model.key}' both serve the model name '{name}'; the router "
                    "routes by that name, so set overrides.model.servedModelName on one of them",
                )
            )
        else:
            seen[name] = model
    # LoRA adapters are routed by name too (one more static backend each): after every model's served name.
    for model in result.models:
        lora = model.recipe.lora
        for adapter in lora.adapters if lora else ():
            if adapter.name in seen:
                result.findings.append(
                    finding_at(
                        document,
                        ("models", model.index),
                        "served-name",
                        f"model '{model.key}' serves LoRA adapter '{adapter.name}', a name model "
                        f"'{seen[adapter.name].key}' already serves; the router routes by name, so rename the adapter "
                        "(overrides.lora.adapters)",
                    )
                )
            else:
                seen[adapter.name] = model


def check_router(result: StackResult, document: LoadedDocument) -> None:
    router = document.data.get("router") or {}
    if router.get("routingLogic") == "session" and not router.get("sessionKey"):
        result.findings.append(
            finding_at(
                document,
                ("router", "routingLogic"),
                "router",
                "routingLogic session needs sessionKey: the request header that identifies a session (e.g. x-user-id)",
            )
        )
    scaling = router.get("autoscaling")
    if scaling and scaling["minReplicas"] > scaling["maxReplicas"]:
        result.findings.append(
            finding_at(
                document,
                ("router", "autoscaling"),
                "router",
                f"autoscaling minReplicas {scaling['minReplicas']} exceeds maxReplicas {scaling['maxReplicas']}",
            )
        )


def check_chart_accepts(result: StackResult, document: LoadedDocument, values: dict[str, Any]) -> None:
    """Render the stack chart with the stack's values: the chart names the objects (and refuses names too long
    for Kubernetes or for a LeaderWorkerSet's pods), so its verdict is the one reported, at the model it names."""
    from rocm_vllm import helm
    from rocm_vllm.paths import chart_dir

    try:
        helm.render_chart(
            chart_dir(STACK_CHART), values, release_name=result.name, api_versions=helm.CRD_API_VERSIONS
        )
    except InvalidInputError as refusal:
        match = _MODEL_FAILURE.match(str(refusal))
        model = next((m for m in result.models if match and m.key == match["key"]), None)
        at: tuple[PathPart, ...] = ("models", model.index, "key") if model else ()
        message = match["message"] if match and model else str(refusal).removeprefix("ERROR: ")
        result.findings.append(finding_at(document, at, "naming" if model else "stack-chart", message))
