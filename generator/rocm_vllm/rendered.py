"""Facts read from objects the charts rendered: what an autoscaler scales, which claim holds a cache.

The charts decide names, truncation and kinds; Python reads them back from Helm's output instead of rebuilding
them (a rebuilt name drifts the day a template's naming changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The autoscalers whose scaleTargetRef owns a workload's /spec/replicas (KEDA's ScaledObject makes its own HPA).
AUTOSCALER_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")


def scaled_targets(objects: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Group, version, kind and name of every workload an autoscaler among `objects` scales, sorted."""
    targets: dict[tuple[str, ...], dict[str, str]] = {}
    for obj in objects:
        if obj.get("kind") not in AUTOSCALER_KINDS:
            continue
        ref = obj["spec"]["scaleTargetRef"]
        group, _, version = str(ref.get("apiVersion", "apps/v1")).rpartition("/")
        target = {"group": group, "version": version, "kind": str(ref["kind"]), "name": str(ref["name"])}
        targets[tuple(target.values())] = target
    return [targets[key] for key in sorted(targets)]


def pod_claim_names(objects: Iterable[Mapping[str, Any]], volume: str) -> list[str]:
    """The PersistentVolumeClaims mounted as `volume` by the pods of `objects` (Jobs, Deployments, ...), sorted."""
    claims: set[str] = set()
    for obj in objects:
        template = obj.get("spec", {}).get("template", {})
        for entry in template.get("spec", {}).get("volumes", []) or []:
            claim = entry.get("persistentVolumeClaim") if entry.get("name") == volume else None
            if claim:
                claims.add(str(claim["claimName"]))
    return sorted(claims)
