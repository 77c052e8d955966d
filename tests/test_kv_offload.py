"""KV offload by hand: the buffer sized from a stated host memory, the tokens it buys, the memory request."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm.checks import check_recipe_data, resolve
from rocm_vllm.findings import Severity
from rocm_vllm.kv_offload import kv_offload_plan
from rocm_vllm.plan import plan_recipe, render_recipe_plan_text
from rocm_vllm.validate import default_context
from rocm_vllm.values import recipe_to_values

RECIPES = Path(__file__).resolve().parents[1] / "recipes"


def _checked(name: str, serving: dict[str, Any]) -> tuple[Any, list[Any]]:
    data = yaml.safe_load((RECIPES / f"{name}.yaml").read_text(encoding="utf-8"))
    data["serving"].update(copy.deepcopy(serving))
    context = default_context()
    recipe, findings = check_recipe_data(data, context, source=f"{name}.yaml")
    assert recipe is not None
    return resolve(recipe, context.catalog), findings


def test_70b_tp8_on_the_catalogs_smallest_mi300x_node() -> None:
    resolved, findings = _checked(
        "llama-3-1-70b-mi300x-bf16-tp8-latency", {"kvOffload": {"backend": "native"}}
    )
    assert findings == []
    plan = kv_offload_plan(resolved.recipe, resolved.gpu, resolved.model, resolved.checkpoint)
    assert plan is not None
    # 1,536 GiB (AMD's MLPerf v4.1 8xMI300X system), the whole node for 8 GPUs, less 10%: 1,382.4 GiB;
    # the pod requests 73 GiB (vLLM) + 16 GiB (/dev/shm) = 89 GiB; half of the 1,293.4 GiB left -> 646 GiB
    assert plan.host_memory_gib == 1536
    assert plan.pod_share_gib == pytest.approx(1382.4)
    assert plan.pod_request_gib == 89
    assert plan.size_gib == 646
    # 2 x 80 layers x 8 KV heads x 128 x 2 B = 327,680 B per token; 646 GiB / 327,680 B = 2,116,812 tokens
    assert plan.bytes_per_token == 327_680
    assert plan.extra_tokens == 2_116_812
    values = recipe_to_values(resolved.recipe)
    assert values["kvOffload"] == {"backend": "native", "sizeGiB": 646.0}
    assert values["resources"]["requests"]["memory"] == "73Gi"  # the chart adds /dev/shm and the buffer


def test_stated_host_memory_share_and_fp8_kv() -> None:
    resolved, findings = _checked(
        "llama-3-1-8b-mi300x-fp8-tp1-latency",
        {"kvOffload": {"backend": "native", "hostMemoryGiB": 256, "share": 0.25}},
    )
    assert findings == []
    plan = kv_offload_plan(resolved.recipe, resolved.gpu, resolved.model, resolved.checkpoint)
    assert plan is not None
    request = plan.pod_request_gib
    # 256 GiB stated for this pod, less 10% = 230.4 GiB; a quarter of what the pod's request leaves
    assert plan.size_gib == int((230.4 - request) * 0.25)
    assert plan.bytes_per_token is not None
    assert plan.extra_tokens == int(plan.size_gib * 2**30 // plan.bytes_per_token)


def test_plan_shows_the_buffer_and_its_tokens(tmp_path: Path) -> None:
    data = yaml.safe_load(
        (RECIPES / "llama-3-1-70b-mi300x-bf16-tp8-latency.yaml").read_text(encoding="utf-8")
    )
    data["serving"]["kvOffload"] = {"backend": "native"}
    path = tmp_path / "llama-3-1-70b-mi300x-bf16-tp8-latency.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    plan = plan_recipe(path, default_context())
    text = render_recipe_plan_text(plan)
    assert "646 GiB (--kv-offloading-size)" in text and "extra tokens           2,116,812" in text
    assert "startup probe: periodSeconds 10 x failureThreshold 383" in text
    assert plan.as_dict()["kvOffload"]["extraTokens"] == 2_116_812


def test_lmcache_backend_warns_that_the_image_may_lack_it() -> None:
    _, findings = _checked("llama-3-1-70b-mi300x-bf16-tp8-latency", {"kvOffload": {"backend": "lmcache"}})
    (warning,) = findings
    assert warning.severity is Severity.WARNING and warning.check == "startup"
    assert "LMCache" in warning.message and warning.path == "$.serving.kvOffload.backend"


def test_no_kv_offload_no_value() -> None:
    resolved, _ = _checked("llama-3-1-70b-mi300x-bf16-tp8-latency", {})
    assert kv_offload_plan(resolved.recipe, resolved.gpu) is None
    assert "kvOffload" not in recipe_to_values(resolved.recipe)
