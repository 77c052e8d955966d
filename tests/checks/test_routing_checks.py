"""The routing check: an InferencePool (deployment.gateway.inferencePool) that starts but leaves its endpoint picker
nothing to do is a warning; the recipe's gateway fields reach the chart values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm.checks import check_recipe_data
from rocm_vllm.findings import Severity
from rocm_vllm.validate import default_context
from rocm_vllm.values import recipe_to_values

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "valid" / "gateway-inferencepool.yaml"


def recipe_data(deployment: dict[str, Any], extra_args: list[str] | None = None) -> dict[str, Any]:
    data = yaml.safe_load(RECIPE.read_text())
    data["deployment"] = deployment
    data["vllm"] = {"extraArgs": extra_args or []}
    return data


def routing_findings(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    _, found = check_recipe_data(data, default_context(), f"{data['name']}.yaml")
    return [(f.path, f.severity.value, f.message) for f in found if f.check == "routing"]


GATEWAY = {"name": "gw", "inferencePool": True}


@pytest.mark.parametrize(
    ("deployment", "said"),
    [
        ({"gateway": GATEWAY}, "at most 1 (the chart's default replica count) replicas"),
        ({"replicas": 1, "gateway": GATEWAY}, "at most 1 (deployment.replicas) replicas"),
        (
            {"autoscaling": {"minReplicas": 1, "maxReplicas": 1}, "gateway": GATEWAY},
            "at most 1 (deployment.autoscaling.maxReplicas)",
        ),
    ],
    ids=["default", "one-replica", "autoscaled-to-one"],
)
def test_a_pool_of_one_replica_is_a_warning(deployment: dict[str, Any], said: str) -> None:
    ((path, severity, message),) = routing_findings(recipe_data(deployment))
    assert path == "$.deployment.gateway.inferencePool" and severity == Severity.WARNING.value
    assert said in message and "deployment.replicas to 2 or more" in message


@pytest.mark.parametrize(
    "deployment",
    [
        {"replicas": 2, "gateway": GATEWAY},
        {"autoscaling": {"minReplicas": 1, "maxReplicas": 4}, "gateway": GATEWAY},
        {"gateway": {"name": "gw"}},
        {"gateway": {"name": "gw", "inferencePool": False}},
        {},
    ],
    ids=["two-replicas", "autoscaled", "route-to-service", "pool-off", "no-gateway"],
)
def test_no_routing_finding_when_the_picker_has_a_choice_or_is_off(deployment: dict[str, Any]) -> None:
    assert routing_findings(recipe_data(deployment)) == []


def test_prefix_cache_off_under_a_pool_is_a_warning_at_the_flag() -> None:
    data = recipe_data({"replicas": 2, "gateway": GATEWAY}, ["--enforce-eager", "--no-enable-prefix-caching"])
    ((path, severity, message),) = routing_findings(data)
    assert path == "$.vllm.extraArgs[1]" and severity == Severity.WARNING.value
    assert "prefix-cache-scorer" in message
    assert routing_findings(recipe_data({"replicas": 2}, ["--no-enable-prefix-caching"])) == []


def test_gateway_fields_set_the_route_and_the_pool() -> None:
    recipe, found = check_recipe_data(yaml.safe_load(RECIPE.read_text()), default_context(), str(RECIPE))
    assert recipe is not None and found == []
    values = recipe_to_values(recipe)
    assert values["httpRoute"] == {
        "enabled": True,
        "gateway": {"name": "inference-gateway", "namespace": "gateway-system"},
    }
    assert values["inferencePool"] == {"enabled": True}
    plain = recipe_data({"gateway": {"name": "gw"}})
    recipe, _ = check_recipe_data(plain, default_context(), "plain.yaml")
    assert recipe is not None
    values = recipe_to_values(recipe)
    assert (
        values["httpRoute"] == {"enabled": True, "gateway": {"name": "gw"}} and "inferencePool" not in values
    )
