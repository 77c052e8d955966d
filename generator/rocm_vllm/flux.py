"""Recipe values -> a Flux ``helm.toolkit.fluxcd.io/v2`` HelmRelease that installs charts/rocm-vllm with them,
and the ``source.toolkit.fluxcd.io/v1`` source object it installs the chart from.

The HelmRelease carries the recipe's values inline and points at the chart through a Flux source:
``spec.chartRef`` for an OCIRepository (the version is the OCIRepository's ``ref``), ``spec.chart.spec``
for a HelmRepository (a semver range) or a GitRepository (a path in the repository).  Only fields that
helm.toolkit.fluxcd.io/v2 has had since it went GA are used, so older Flux installations accept it too.

The default source is an OCIRepository of the published chart (`PUBLISHED_CHARTS`, where the release workflow
pushes): Flux's documentation points OCI charts to the OCIRepository API ("for improved support for OCI Helm
charts") rather than a HelmRepository of ``type: oci``; it pins a tag, a semver range or a digest, verifies
signatures, and hands the chart to the HelmRelease through ``chartRef`` without an intermediate HelmChart.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocm_vllm.errors import UsageError
from rocm_vllm.stamp import STAMP_HEAD
from rocm_vllm.yamlio import dump_yaml

API_VERSION = "helm.toolkit.fluxcd.io/v2"
SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
SOURCE_KINDS = ("OCIRepository", "HelmRepository", "GitRepository")
# Where the release workflow publishes the charts (`make publish REGISTRY=oci://ghcr.io/<owner>/charts`, the GitHub
# owner in lower case): the default source of every HelmRelease this package writes; `--source-url` overrides it.
PUBLISHED_CHARTS = "oci://ghcr.io/rocm-vllm/charts"
# The layer of a Helm chart artifact: an OCIRepository that selects it with `operation: copy` serves the chart
# archive itself, which is what a HelmRelease chartRef needs.
HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
# A GitRepository source includes only the charts (Flux's .sourceignore syntax: exclude all, re-include charts/).
GIT_IGNORE = "/*\n!/charts/\n"
# Annotation recording which command produced the object: the YAML comment stamp does not reach the cluster.
GENERATED_BY_ANNOTATION = "rocm-vllm/generated-by"
# Helm waits for every object to become ready; a 405B model takes tens of minutes to download and load
# (the chart's startup probe alone allows 30), so Flux's default of 5m would fail every first install.
DEFAULT_TIMEOUT = "60m"
# Retries re-run an install or upgrade that failed (an image pull, a node lost mid-load); each costs a
# full model load, so a few, not unlimited.
REMEDIATION_RETRIES = 3

# Flux's duration format (the CRD's pattern) and Helm's limit on release names.
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# An exact chart version (an OCI tag) rather than a semver range.
_EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
MAX_RELEASE_NAME = 53


@dataclass(frozen=True)
class ChartSource:
    """The Flux source object that serves charts/rocm-vllm."""

    kind: str  # "OCIRepository" | "HelmRepository" | "GitRepository"
    name: str  # the Flux source object's name
    namespace: str | None = None
    chart: str = "rocm-vllm"  # chart name (HelmRepository) or path in the repo (GitRepository, e.g. ./charts/rocm-vllm)
    # A version or semver range: the HelmRepository chart's version, or the OCIRepository's ref (a tag for an
    # exact version, semver for a range); None = the chart's own version.  GitRepository sources take none.
    version: str | None = None
    url: str | None = None  # the source's URL; None = the published chart (OCI); a GitRepository needs one


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
        # The version lives in the OCIRepository's spec.ref (source_object), not in the HelmRelease.
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
                "a chart version applies to OCIRepository and HelmRepository sources; a GitRepository "
                "source serves the chart at the revision its spec.ref names"
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
    stamp: str | None = None,
    timeout: str = DEFAULT_TIMEOUT,
    chart: Path | None = None,
) -> dict[str, Any]:
    """The HelmRelease object installing `chart` (charts/rocm-vllm by default) as `release_name` with `values`
    inline; Flux's drift correction leaves alone the replicas of every workload the rendered autoscalers scale."""
    if len(release_name) > MAX_RELEASE_NAME or not _RELEASE_NAME.match(release_name):
        raise UsageError(
            f"release name {release_name!r}: Helm needs at most {MAX_RELEASE_NAME} lowercase letters, digits "
            "and '-', starting and ending with a letter or digit"
        )
    for option, duration in (("interval", interval), ("timeout", timeout)):
        if not _DURATION.match(duration):
            raise UsageError(f"{option} {duration!r}: expected a Flux duration such as 10m, 1h or 1h30m")
    metadata: dict[str, Any] = {
        "name": release_name,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/name": "rocm-vllm", "app.kubernetes.io/instance": release_name},
    }
    if stamp:
        first_line = stamp.splitlines()[0]
        metadata["annotations"] = {GENERATED_BY_ANNOTATION: first_line.removeprefix(STAMP_HEAD)}
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
    targets = _autoscaled_workloads(chart, values, release_name, namespace)
    if targets:
        # Drift correction would reset replicas to the chart's manifest on every reconcile, fighting
        # the HPA/KEDA that owns them.
        spec["driftDetection"] = {
            "mode": "enabled",
            "ignore": [{"paths": ["/spec/replicas"], "target": target} for target in targets],
        }
    return {"apiVersion": API_VERSION, "kind": "HelmRelease", "metadata": metadata, "spec": spec}


def _autoscaled_workloads(
    chart: Path | None, values: dict[str, Any], release_name: str, namespace: str
) -> list[dict[str, str]]:
    """The workloads whose replicas an autoscaler owns, as the chart renders them (names and kinds included)."""
    from rocm_vllm import helm
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.rendered import scaled_targets

    templates = helm.render_chart(
        chart or chart_dir(),
        values,
        release_name=release_name,
        namespace=namespace,
        api_versions=helm.CRD_API_VERSIONS,
        include_hooks=False,
    )
    return scaled_targets(helm.split_manifests(templates))


def source_object(
    source: ChartSource,
    *,
    chart_name: str,
    chart_version: str,
    namespace: str,
    interval: str = "10m",
    stamp: str | None = None,
) -> dict[str, Any]:
    """The Flux source object `source` names: an OCIRepository of the published chart (by default), a
    HelmRepository (OCI or HTTP) or a GitRepository, in the HelmRelease's namespace unless the source has one."""
    if source.kind not in SOURCE_KINDS:
        raise UsageError(f"source kind {source.kind!r}: expected one of {', '.join(SOURCE_KINDS)}")
    if not _DURATION.match(interval):
        raise UsageError(f"interval {interval!r}: expected a Flux duration such as 10m, 1h or 1h30m")
    metadata: dict[str, Any] = {
        "name": source.name,
        "namespace": source.namespace or namespace,
        "labels": {"app.kubernetes.io/name": chart_name},
    }
    if stamp:
        metadata["annotations"] = {GENERATED_BY_ANNOTATION: stamp.splitlines()[0].removeprefix(STAMP_HEAD)}
    spec: dict[str, Any] = {"interval": interval}
    if source.kind == "OCIRepository":
        url = source.url or f"{PUBLISHED_CHARTS}/{chart_name}"
        if not url.startswith("oci://"):
            raise UsageError(f"source URL {url!r}: an OCIRepository needs oci://HOST/PATH/{chart_name}")
        version = source.version or chart_version
        spec["url"] = url
        spec["ref"] = {"tag": version} if _EXACT_VERSION.match(version) else {"semver": version}
        spec["layerSelector"] = {"mediaType": HELM_CHART_LAYER, "operation": "copy"}
    elif source.kind == "HelmRepository":
        url = source.url or PUBLISHED_CHARTS
        if url.startswith("oci://"):
            spec["type"] = "oci"
        elif not url.startswith(("https://", "http://")):
            raise UsageError(f"source URL {url!r}: a HelmRepository needs https://… (index.yaml) or oci://…")
        spec["url"] = url
    else:
        if not source.url:
            raise UsageError(
                "a GitRepository source needs --source-url (the Git repository holding charts/), or --no-source"
            )
        from rocm_vllm import __version__

        # Release tags are v<package version> (the release workflow checks it), and this package's charts are
        # the ones at that tag.
        spec.update({"url": source.url, "ref": {"tag": f"v{__version__}"}, "ignore": GIT_IGNORE})
    return {"apiVersion": SOURCE_API_VERSION, "kind": source.kind, "metadata": metadata, "spec": spec}


def helmrelease_document(obj: dict[str, Any], stamp: str, source: dict[str, Any] | None = None) -> str:
    """Deterministic YAML for a HelmRelease: the stamp's comment lines, then the source object (when given) and
    the HelmRelease as two documents, each with sorted keys."""
    if source is None:
        return dump_yaml(obj, header=stamp)
    return dump_yaml(source, header=stamp) + "---\n" + dump_yaml(obj)


def source_document(source: dict[str, Any], stamp: str) -> str:
    """Deterministic YAML for a source object alone (one per directory of generated HelmReleases)."""
    return dump_yaml(source, header=stamp)
