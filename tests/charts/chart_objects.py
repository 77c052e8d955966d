"""Helpers shared by the chart tests: values layered like Helm's -f files, and the objects and pods of a render."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

# A two-node group of 8 MI300X per node (TP 8 x PP 2), the multi-node case most chart tests start from.
MULTI_NODE: dict[str, Any] = {
    "multiNode": {"nodesPerReplica": 2},
    "gpu": {"count": 8, "model": "MI300X", "deviceIds": ["74a1", "74a9", "74b5", "74bd"]},
    "vllm": {"tensorParallelSize": 8, "pipelineParallelSize": 2},
}


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    """Maps merged left to right, later parts winning (deep copies: the parts are left as they were)."""
    out: dict[str, Any] = {}
    for part in parts:
        _merge(out, copy.deepcopy(part))
    return out


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (obj,) = by_kind(objects, kind)
    return obj


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """role (single, leader, worker) -> pod template ({metadata, spec})."""
    out = {}
    for obj in objects:
        if obj["kind"] == "Deployment":
            out["single"] = obj["spec"]["template"]
        elif obj["kind"] == "LeaderWorkerSet":
            out["leader"] = obj["spec"]["leaderWorkerTemplate"]["leaderTemplate"]
            out["worker"] = obj["spec"]["leaderWorkerTemplate"]["workerTemplate"]
    return out


def container(template: dict[str, Any]) -> dict[str, Any]:
    (vllm,) = [c for c in template["spec"]["containers"] if c["name"] == "vllm"]
    return vllm


def assert_render_refused(
    render: Callable[..., Any],
    values: dict[str, Any],
    api_versions: tuple[str, ...] | None,
    expected: list[str],
) -> None:
    """Rendering `values` (with `api_versions` when given) fails, and the message holds every text of `expected`."""
    from rocm_vllm.errors import InvalidInputError

    kwargs = {} if api_versions is None else {"api_versions": api_versions}
    try:
        render(values, **kwargs)
    except InvalidInputError as error:
        for text in expected:
            assert text in str(error)
    else:
        raise AssertionError(f"the render succeeded; expected a failure naming {expected}")
