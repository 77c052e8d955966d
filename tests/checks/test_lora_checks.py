"""The lora check family beyond the recipe cases: API server counting, the unused-slot warning."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rocm_vllm.checks.lora import MAX_LORA_RANK_CHOICES, api_server_count
from rocm_vllm.findings import Severity
from rocm_vllm.validate import validate_paths

VALID = Path(__file__).resolve().parents[1] / "recipes" / "valid"


@pytest.mark.parametrize(
    ("data", "args", "expected"),
    [
        (1, (), 1),
        (4, (), 4),  # internal load balancing: one API server per data-parallel rank
        (4, ("--api-server-count", "1"), 1),
        (4, ("--api-server-count=2",), 2),
        (1, ("-asc", "3"), 3),
        (4, ("--data-parallel-rank", "0"), 1),  # external load balancing
        (4, ("--data-parallel-external-lb",), 1),
    ],
)
def test_api_server_count_follows_vllm_serve(data: int, args: tuple[str, ...], expected: int) -> None:
    assert api_server_count(data, args) == expected


def test_rank_choices_match_the_chart_schema() -> None:
    import json

    schema = json.loads((VALID.parents[2] / "charts/rocm-vllm/values.schema.json").read_text())
    assert tuple(schema["properties"]["lora"]["properties"]["maxLoraRank"]["enum"]) == MAX_LORA_RANK_CHOICES


def test_slots_beyond_the_static_adapters_warn_with_their_cost(tmp_path: Path) -> None:
    data = yaml.safe_load((VALID / "lora-adapters.yaml").read_text())
    data["lora"].update(maxLoras=5, maxCpuLoras=5)
    del data["lora"]["adapterConfigs"]  # its path is relative to the recipe's folder
    recipe = tmp_path / "lora-adapters.yaml"
    recipe.write_text(yaml.safe_dump(data))
    result = validate_paths([recipe])
    (warning,) = [f for f in result.findings if f.check == "lora"]
    assert warning.severity is Severity.WARNING and result.ok
    # 3 spare slots x rank 16 x 80 MiB per rank-16 slot on Llama 3.1 8B at TP 1
    assert "3 slots can never be used (0.2 GiB per GPU taken from the KV cache): lower maxLoras to 2" in (
        warning.message
    )


def test_runtime_updating_keeps_spare_slots_quiet(tmp_path: Path) -> None:
    data = yaml.safe_load((VALID / "lora-adapters.yaml").read_text())
    data["lora"].update(maxLoras=5, maxCpuLoras=5, runtimeUpdating=True)
    del data["lora"]["adapterConfigs"]
    recipe = tmp_path / "lora-adapters.yaml"
    recipe.write_text(yaml.safe_dump(data))
    assert not [f for f in validate_paths([recipe]).findings if f.check == "lora"]
