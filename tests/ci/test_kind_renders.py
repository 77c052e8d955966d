"""Every chart scenario, with the kind stand-in layered last, renders a GPU-free workload kind can schedule.

Renders offline with the Helm engine (rocm_vllm.helm), so a scenario or chart change that would leave pods
Pending on kind (a GPU or NIC request, a GPU node selector, a missing PriorityClass) fails here, not after
a 20-minute kind job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .paths import KIND_DIR, REPO_ROOT

CHART = REPO_ROOT / "charts" / "rocm-vllm"
SCENARIOS = sorted((CHART / "ci").glob("*-values.yaml"))
KIND_OVERLAYS = sorted(p for p in (KIND_DIR / "values").glob("*.yaml") if p.stem != "stand-in")
# What run-e2e.sh installs besides Kubernetes itself: LWS and the CRDs in versions.yaml extraCrds.
CLUSTER_APIS = (
    "leaderworkerset.x-k8s.io/v1",
    "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet",
    "monitoring.coreos.com/v1",
    "keda.sh/v1alpha1",
    "http.keda.sh/v1alpha1",
    "gateway.networking.k8s.io/v1",
    "inference.networking.k8s.io/v1",
)
WORKLOAD_KINDS = {"Deployment", "LeaderWorkerSet"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def helm_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Like `helm -f a -f b`: maps merge, later files win, a null is kept (Helm then deletes that key)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def render(*files: Path) -> list[dict[str, Any]]:
    helm = pytest.importorskip("rocm_vllm.helm")
    values: dict[str, Any] = {}
    for path in files:
        values = helm_merge(values, load(path))
    rendered = helm.render_chart(
        CHART, values, release_name="e2e", namespace="e2e", api_versions=CLUSTER_APIS
    )
    objects: list[dict[str, Any]] = helm.split_manifests(rendered)
    return objects


def pod_specs(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    specs = []
    for obj in objects:
        if obj["kind"] == "Deployment":
            specs.append(obj["spec"]["template"]["spec"])
        elif obj["kind"] == "LeaderWorkerSet":
            template = obj["spec"]["leaderWorkerTemplate"]
            specs += [t["spec"] for t in (template.get("leaderTemplate"), template["workerTemplate"]) if t]
    return specs


def assert_schedulable_on_kind(objects: list[dict[str, Any]]) -> None:
    stand_in = load(KIND_DIR / "values" / "stand-in.yaml")
    specs = pod_specs(objects)
    assert specs, "no Deployment or LeaderWorkerSet rendered"
    for spec in specs:
        assert not spec.get("nodeSelector"), spec.get("nodeSelector")
        assert not spec.get("priorityClassName")
        assert "requiredDuringSchedulingIgnoredDuringExecution" not in (spec.get("affinity") or {}).get(
            "nodeAffinity", {}
        )
        for container in spec["containers"]:
            resources = container.get("resources") or {}
            requested = {**resources.get("requests", {}), **resources.get("limits", {})}
            assert not [r for r in requested if r.startswith("amd.com/")], f"{container['name']}: {requested}"
        serving = spec["containers"][0]
        # Only model pods run the stand-in; the InferencePool's endpoint picker runs its own image.
        if serving["name"] != "vllm":
            continue
        assert serving["image"] == f"{stand_in['image']['repository']}:{stand_in['image']['tag']}"
        # The simulator listens on the container's API port: vllm.port, or on a P/D decode pod the port behind
        # the disaggregation sidecar.
        port = str(serving["ports"][0]["containerPort"]) if serving.get("ports") else None
        expected = list(stand_in["args"])
        if port is not None:
            expected[expected.index("--port") + 1] = port
        assert serving["command"] == stand_in["command"] and serving["args"] == expected
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert "exec" not in serving.get(probe, {}), f"{probe} execs a command the simulator image lacks"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_chart_scenario_with_stand_in_is_schedulable_on_kind(scenario: Path) -> None:
    assert_schedulable_on_kind(render(scenario, KIND_DIR / "values" / "stand-in.yaml"))


@pytest.mark.parametrize("overlay", KIND_OVERLAYS, ids=[p.stem for p in KIND_OVERLAYS])
def test_kind_overlay_renders_what_its_test_expects(overlay: Path) -> None:
    if not (CHART / "Chart.yaml").exists():
        pytest.skip("charts/rocm-vllm is not written yet")
    objects = render(KIND_DIR / "values" / "stand-in.yaml", overlay)
    assert_schedulable_on_kind(objects)
    kinds = {obj["kind"] for obj in objects}
    values = load(overlay)
    multi = values["multiNode"]["nodesPerReplica"] > 1
    assert (kinds & WORKLOAD_KINDS) == ({"LeaderWorkerSet"} if multi else {"Deployment"})
    assert ("HorizontalPodAutoscaler" in kinds) == values["autoscaling"]["enabled"]
    assert ("PodDisruptionBudget" in kinds) == values["podDisruptionBudget"]["enabled"]
    assert ("PersistentVolumeClaim" in kinds) == values["cache"]["enabled"]


def test_kind_data_parallel_case_reads_ranks_from_pod_env(tmp_path: Path) -> None:
    """tests/e2e/test_data_parallel.py offline: the kind overlay's pods, with the env the LWS webhook injects,
    give each worker index its start rank through the chart's launch script."""
    from e2e.test_data_parallel import DATA_PARALLEL, GROUP_SIZE, launch_argv, pod_env

    overlay = KIND_DIR / "values" / "dp-across-nodes.yaml"
    (lws,) = [
        o for o in render(KIND_DIR / "values" / "stand-in.yaml", overlay) if o["kind"] == "LeaderWorkerSet"
    ]
    assert lws["spec"]["leaderWorkerTemplate"]["size"] == GROUP_SIZE
    assert load(overlay)["vllm"]["dataParallelSize"] == DATA_PARALLEL
    stub = tmp_path / "vllm"
    stub.write_text('#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n', encoding="utf-8")
    stub.chmod(0o755)
    for index in range(GROUP_SIZE):
        role = "leaderTemplate" if index == 0 else "workerTemplate"
        pod = {"spec": lws["spec"]["leaderWorkerTemplate"][role]["spec"]}
        env = pod_env(pod) | {
            "LWS_WORKER_INDEX": str(index),
            "LWS_LEADER_ADDRESS": "e2e-0.e2e.e2e",
            "LWS_GROUP_SIZE": str(GROUP_SIZE),
        }
        argv = launch_argv(env, tmp_path)
        start = argv[argv.index("--data-parallel-start-rank") + 1] if index else None
        assert start == (str(index * DATA_PARALLEL // GROUP_SIZE) if index else None)
