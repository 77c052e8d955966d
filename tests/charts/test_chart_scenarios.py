"""Every charts/*/ci/*-values.yaml renders, validates strictly for each supported Kubernetes version
(a missing schema is a failure) and lints clean.

A scenario whose feature needs a newer Kubernetes declares it on a line of its own,
`# rocm-vllm-ci: minKubeVersion=1.32`; on older versions the chart must refuse it with a message naming that version.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm, kube_schema
from rocm_vllm.errors import InvalidInputError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(REPO_ROOT.glob("charts/*/ci/*-values.yaml"))
KUBE_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")
EXPECTED_SCENARIOS = {
    "single-node-default",
    "multinode-ray",
    "multinode-mp",
    "hpa",
    "keda",
    "pdb-affinity",
    "cache",
    "monitoring-ingress-netpol",
    "rdma",
    "observability",
    "dp-across-nodes",
    "dp-hybrid",
    "dp-single-node",
    "scale-from-zero",
    "hpa-slo",
    "pd",
    "inferencepool",
    "dra",
    "partition",
}
MIN_KUBE_MARKER = re.compile(r"^# rocm-vllm-ci: minKubeVersion=(\d+)\.(\d+)$", re.MULTILINE)


def _id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name.removesuffix('-values.yaml')}"


def _values(path: Path) -> dict[str, Any]:
    values = yaml.safe_load(path.read_text()) or {}
    assert isinstance(values, dict)
    return values


def min_kube_version(path: Path) -> tuple[int, int] | None:
    """The scenario's declared minimum Kubernetes version (major, minor), or None for every supported one."""
    found = MIN_KUBE_MARKER.findall(path.read_text())
    assert len(found) <= 1, f"{path.name}: more than one minKubeVersion line"
    return (int(found[0][0]), int(found[0][1])) if found else None


def _below_minimum(scenario: Path, kube_version: str) -> tuple[int, int] | None:
    minimum = min_kube_version(scenario)
    major, minor = (int(part) for part in kube_version.split(".")[:2])
    return minimum if minimum is not None and (major, minor) < minimum else None


def test_min_kube_version_marker_is_read() -> None:
    dra = REPO_ROOT / "charts" / "rocm-vllm" / "ci" / "dra-values.yaml"
    assert min_kube_version(dra) == (1, 32)
    assert min_kube_version(REPO_ROOT / "charts" / "rocm-vllm" / "ci" / "hpa-values.yaml") is None
    assert _below_minimum(dra, "1.29.0") == (1, 32)
    assert _below_minimum(dra, "1.32.0") is None


def test_every_feature_has_a_scenario() -> None:
    names = {p.name.removesuffix("-values.yaml") for p in SCENARIOS if p.parent.parent.name == "rocm-vllm"}
    assert names >= EXPECTED_SCENARIOS


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_id)
def test_scenario_objects_are_valid(scenario: Path, kube_version: str) -> None:
    chart = scenario.parent.parent
    minimum = _below_minimum(scenario, kube_version)
    if minimum is not None:
        with pytest.raises(InvalidInputError, match=rf"needs Kubernetes {minimum[0]}\.{minimum[1]} or newer"):
            helm.render_chart(
                chart, _values(scenario), kube_version=kube_version, api_versions=helm.CRD_API_VERSIONS
            )
        return
    rendered = helm.render_chart(
        chart, _values(scenario), kube_version=kube_version, api_versions=helm.CRD_API_VERSIONS
    )
    objects = helm.split_manifests(rendered)
    assert objects, "scenario rendered nothing"
    assert kube_schema.validate_objects(objects, kube_version) == []


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_id)
def test_scenario_lints_clean(scenario: Path, kube_version: str) -> None:
    findings = helm.lint_chart(
        scenario.parent.parent, _values(scenario), kube_version=kube_version, strict=True
    )
    assert [str(f) for f in findings if f.severity in ("error", "warning")] == []
