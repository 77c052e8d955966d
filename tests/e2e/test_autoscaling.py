"""An HPA bound to the LeaderWorkerSet finds its target and scales whole groups."""

from __future__ import annotations

from typing import Any

import pytest

from .kube import Cluster, condition, wait_until
from .lws import ready_groups
from .release import Release, values_files

pytestmark = pytest.mark.e2e

GROUP_SIZE = 2


def scale_target_found(hpa: dict[str, Any]) -> dict[str, Any] | None:
    able = condition(hpa, "AbleToScale")
    active = condition(hpa, "ScalingActive")
    if not able or not active or able["status"] != "True":
        return None
    # Without a metrics source ScalingActive may be False, but never because the target is missing.
    assert active["reason"] not in {"FailedGetScale", "InvalidSelector"}, active
    return hpa


def test_hpa_finds_lws_and_scales_groups(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "hpa", namespace, values_files(None, "autoscaling"))
    release.install()

    [hpa] = release.objects("hpa")
    [lws] = release.objects("leaderworkerset")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("LeaderWorkerSet", lws["metadata"]["name"])
    hpa_name = hpa["metadata"]["name"]
    wait_until(
        "HPA AbleToScale",
        lambda: scale_target_found(cluster.get("hpa", hpa_name, namespace=namespace)),
        timeout_s=180,
    )

    # The HPA enforces minReplicas without metrics, so raising it must produce a second group.
    release.upgrade("autoscaling.minReplicas=2")
    wait_until(
        "a second LeaderWorkerSet group from the HPA",
        lambda: g if (g := ready_groups(release.pods(), GROUP_SIZE)) and len(g) == 2 else None,
        timeout_s=420,
    )
