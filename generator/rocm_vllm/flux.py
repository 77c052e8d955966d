"""Recipe values -> a Flux ``helm.toolkit.fluxcd.io/v2`` HelmRelease that installs charts/rocm-vllm with them.

The HelmRelease carries the recipe's values inline and points at the chart through a Flux source:
``spec.chartRef`` for an OCIRepository (the version is the OCIRepository's ``ref``), ``spec.chart.spec``
for a HelmRepository (a semver range) or a GitRepository (a path in the repository).  Only fields that
helm.toolkit.fluxcd.io/v2 has had since it went GA are used, so older Flux installations accept it too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocm_vllm.errors import UsageError
from rocm_vllm.yamlio import dump_yaml

API_VERSION = "helm.toolkit.fluxcd.io/v2"
SOURCE_KINDS = ("OCIRepository", "HelmRepository", "GitRepository")
# Annotation recording which command produced the object: the YAML comment stamp does not reach the cluster.
GENERATED_BY_ANNOTATION = "rocm-vllm.amd.com/generated-by"
# Helm waits for every object to become ready; a 405B model takes tens of minutes to download and load
# (the chart's startup probe alone allows 30), so Flux's default of 5m would fail every first install.
DEFAULT_TIMEOUT = "60m"
# Retries re-run an install or upgrade that failed (an image pull, a node lost mid-load); each costs a
# full model load, so a few, not unlimited.
REMEDIATION_RETRIES = 3

# The object whose /spec/replicas an autoscaler owns: the chart makes a LeaderWorkerSet for multi-node
# recipes and a Deployment otherwise.  Drift rules match on group, version and kind.
_SCALED_TARGETS = {
    True: {"group": "leaderworkerset.x-k8s.io", "version": "v1", "kind": "LeaderWorkerSet"},
    False: {"group": "apps", "version": "v1", "kind": "Deployment"},
}


@dataclass(frozen=True)
class ChartSource:
    """The Flux source object that serves charts/rocm-vllm."""

    kind: str  # "OCIRepository" | "HelmRepository" | "GitRepository"
    name: str  # the Flux source object's name
    namespace: str | None = None
    chart: str = "rocm-vllm"  # chart name (HelmRepository) or path in the repo (GitRepository, e.g. ./charts/rocm-vllm)
    version: str | None = None  # semver range for HelmRepository; None = the chart's version


def chart_version(chart: Path) -> str:
    """The `version` in a chart's Chart.yaml."""
    import yaml

    data = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
    return str(data["version"])


def _source_ref(source: ChartSource) -> dict[str, Any]:
    ref: dict[str, Any] = {"kind": source.kind, "name": source.name}
    if source.namespace:
        ref["namespace"] = source.namespace
    return ref


def _chart_fields(source: ChartSource) -> dict[str, Any]:
    """`chartRef` or `chart` for the HelmRelease spec (exactly one: the CRD's CEL rule demands it)."""
    if source.kind not in SOURCE_KINDS:
        raise UsageError(f"source kind {source.kind!r}: expected one of {', '.join(SOURCE_KINDS)}")
    if not source.name:
        raise UsageError("the chart source needs a name")
    if source.kind == "OCIRepository":
        if source.version is not None:
            raise UsageError(
                "a chart version applies to a HelmRepository source only; for an OCIRepository set the tag "
                "or semver range in the OCIRepository's spec.ref"
            )
        return {"chartRef": _source_ref(source)}
    spec: dict[str, Any] = {"chart": source.chart, "sourceRef": _source_ref(source)}
    if source.kind == "HelmRepository":
        from rocm_vllm.paths import chart_dir

        spec["version"] = source.version or chart_version(chart_dir())
        # A new chart version is what publishes a change to a Helm repository.
        spec["reconcileStrategy"] = "ChartVersion"
    else:
        if source.version is not None:
            raise UsageError(
                "a chart version applies to a HelmRepository source only; a GitRepository source "
                "serves the chart at the revision its spec.ref names"
            )
        # Flux ignores the version for Git sources; every new commit that touches the chart is a new artifact.
        spec["reconcileStrategy"] = "Revision"
    return {"chart": {"spec": spec}}


def helmrelease_for(
    release_name: str,
    values: dict[str, Any],
    *,
    namespace: str,
    source: ChartSource,
    interval: str = "10m",
    autoscaled: bool,
    multi_node: bool,
    stamp: str | None = None,
    timeout: str = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """The HelmRelease object installing charts/rocm-vllm as `release_name` with `values` inline."""
    metadata: dict[str, Any] = {
        "name": release_name,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/name": "rocm-vllm", "app.kubernetes.io/instance": release_name},
    }
    if stamp:
        metadata["annotations"] = {GENERATED_BY_ANNOTATION: stamp.splitlines()[0]}
    spec: dict[str, Any] = {
        "interval": interval,
        "releaseName": release_name,
        **_chart_fields(source),
        "timeout": timeout,
        "install": {
            # The chart ships no CRDs; Skip makes sure Flux never creates or replaces one (the LWS CRD is
            # installed with the LWS controller: a Helm-managed copy once took every LWS down with it).
            "crds": "Skip",
            "remediation": {"retries": REMEDIATION_RETRIES},
        },
        "upgrade": {
            "crds": "Skip",
            "cleanupOnFail": True,
            # Roll back to the last release that served traffic, also after the final retry fails.
            "remediation": {
                "retries": REMEDIATION_RETRIES,
                "remediateLastFailure": True,
                "strategy": "rollback",
            },
        },
        "values": copy.deepcopy(values),
    }
    if autoscaled:
        # Drift correction would reset replicas to the chart's manifest on every reconcile, fighting
        # the HPA/KEDA that owns them.
        spec["driftDetection"] = {
            "mode": "enabled",
            "ignore": [{"paths": ["/spec/replicas"], "target": dict(_SCALED_TARGETS[multi_node])}],
        }
    return {"apiVersion": API_VERSION, "kind": "HelmRelease", "metadata": metadata, "spec": spec}


def helmrelease_document(obj: dict[str, Any], stamp: str) -> str:
    """Deterministic YAML for a HelmRelease: the stamp's comment lines, then the object with sorted keys."""
    return dump_yaml(obj, header=stamp)
