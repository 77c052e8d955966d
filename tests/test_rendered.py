"""Facts read back from rendered objects: autoscaled workloads and mounted claims."""

from __future__ import annotations

from typing import Any

from rocm_vllm.rendered import pod_claim_names, scaled_targets


def _autoscaler(kind: str, api_version: str, target_kind: str, name: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "spec": {"scaleTargetRef": {"apiVersion": api_version, "kind": target_kind, "name": name}},
    }


def test_scaled_targets_come_from_hpas_and_scaled_objects_sorted_and_unique() -> None:
    objects = [
        _autoscaler("ScaledObject", "leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", "b-lws"),
        _autoscaler("HorizontalPodAutoscaler", "apps/v1", "Deployment", "a"),
        _autoscaler("HorizontalPodAutoscaler", "apps/v1", "Deployment", "a"),
        {"kind": "Deployment", "spec": {}},
    ]
    assert scaled_targets(objects) == [
        {"group": "apps", "version": "v1", "kind": "Deployment", "name": "a"},
        {"group": "leaderworkerset.x-k8s.io", "version": "v1", "kind": "LeaderWorkerSet", "name": "b-lws"},
    ]


def test_pod_claim_names_read_the_named_volume_only() -> None:
    def job(volumes: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": "Job", "spec": {"template": {"spec": {"volumes": volumes}}}}

    objects = [
        job([{"name": "model-cache", "persistentVolumeClaim": {"claimName": "models"}}]),
        job(
            [{"name": "other", "persistentVolumeClaim": {"claimName": "x"}}, {"name": "tmp", "emptyDir": {}}]
        ),
        {"kind": "Service", "spec": {}},
    ]
    assert pod_claim_names(objects, "model-cache") == ["models"]
