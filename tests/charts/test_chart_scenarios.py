"""Every charts/*/ci/*-values.yaml renders, validates strictly for each supported Kubernetes version
(a missing schema is a failure) and lints clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm, kube_schema

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
    "pd",
    "inferencepool",
}


def _id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name.removesuffix('-values.yaml')}"


def _values(path: Path) -> dict[str, Any]:
    values = yaml.safe_load(path.read_text()) or {}
    assert isinstance(values, dict)
    return values


def test_every_feature_has_a_scenario() -> None:
    names = {p.name.removesuffix("-values.yaml") for p in SCENARIOS if p.parent.parent.name == "rocm-vllm"}
    assert names >= EXPECTED_SCENARIOS


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_id)
def test_scenario_objects_are_valid(scenario: Path, kube_version: str) -> None:
    chart = scenario.parent.parent
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
