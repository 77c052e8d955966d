"""The KEDA SLO trigger defaults a recipe's goal gives, and the deployment.slo / scaleFromZero fields over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rocm_vllm.recipe import recipe_from_document
from rocm_vllm.slo import GOAL_TRIGGERS, slo_trigger_values
from rocm_vllm.values import recipe_to_values
from rocm_vllm.yamlio import LoadedDocument

BASE = {
    "name": "r",
    "goal": "latency",
    "model": {
        "id": "meta-llama/Llama-3.1-8B-Instruct",
        "revision": "0e9e39f249a16976918f6564b8830bc894c89659",
    },
    "hardware": {"gpu": "MI300X", "gpusPerNode": 1},
    "precision": {"dtype": "bfloat16"},
    "parallelism": {"tensor": 1},
    "serving": {"maxModelLen": 8192},
}


def values_of(**changes: object) -> dict[str, Any]:
    recipe = recipe_from_document(LoadedDocument(path=Path("r.yaml"), data={**BASE, **changes}))
    return recipe_to_values(recipe)


def test_latency_scales_early_and_on_ttft() -> None:
    slo = values_of(goal="latency")["keda"]["slo"]
    assert slo == {
        "queue": {"enabled": True, "threshold": 2},
        "kvCache": {"enabled": True, "threshold": 0.75},
        "ttft": {"enabled": True, "quantile": 0.95, "thresholdSeconds": 2},
    }


def test_throughput_tolerates_a_busy_queue_and_ignores_ttft() -> None:
    slo = values_of(goal="throughput")["keda"]["slo"]
    assert slo["queue"]["threshold"] > GOAL_TRIGGERS["latency"]["queue"]["threshold"]
    assert slo["kvCache"]["threshold"] == 0.9
    assert slo["ttft"] == {"enabled": False}


def test_recipe_fields_override_single_thresholds_and_enable_ttft() -> None:
    keda = values_of(goal="throughput", deployment={"slo": {"ttftSeconds": 1.5, "waitingPerReplica": 3}})[
        "keda"
    ]
    assert keda["slo"]["ttft"] == {"enabled": True, "thresholdSeconds": 1.5}
    assert keda["slo"]["queue"] == {"enabled": True, "threshold": 3.0}
    assert "httpScaleFromZero" not in keda


def test_scale_from_zero_fields_enable_the_http_add_on() -> None:
    values = values_of(deployment={"scaleFromZero": {"maxReplicas": 3, "scaledownPeriodSeconds": 1200}})
    assert values["keda"]["httpScaleFromZero"] == {
        "enabled": True,
        "maxReplicas": 3,
        "scaledownPeriod": 1200,
    }


def test_each_call_returns_a_fresh_copy_and_unknown_goals_fail() -> None:
    first = slo_trigger_values("latency")
    first["queue"]["threshold"] = 99
    assert slo_trigger_values("latency")["queue"]["threshold"] == 2
    with pytest.raises(ValueError, match="no SLO trigger defaults for goal 'speed'"):
        slo_trigger_values("speed")
