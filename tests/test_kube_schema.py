"""rocm_vllm.kube_schema: built-in kinds strictly per version, custom resources by their shipped CRD schema (or
a CRD folder the user names), nothing skipped."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import kube_schema
from rocm_vllm.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[1]

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
        },
    },
}

LWS: dict[str, Any] = {
    "apiVersion": "leaderworkerset.x-k8s.io/v1",
    "kind": "LeaderWorkerSet",
    "metadata": {"name": "group", "annotations": {"a": "b"}},
    "spec": {
        "replicas": 2,
        "leaderWorkerTemplate": {
            "size": 2,
            "workerTemplate": {"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}},
        },
    },
}


def test_valid_builtin_object_has_no_problems() -> None:
    assert kube_schema.validate_objects([DEPLOYMENT], "1.33.0") == []


def test_unknown_builtin_field_is_reported_with_kind_name_and_path() -> None:
    obj = copy.deepcopy(DEPLOYMENT)
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    (problem,) = kube_schema.validate_objects([obj], "1.33.0")
    assert problem.startswith("Deployment/web: spec.template.spec.containers[0]: ")
    assert "imagePullPolcy" in problem


def test_removed_api_is_a_problem() -> None:
    pdb = {
        "apiVersion": "policy/v1beta1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "p"},
        "spec": {},
    }
    (problem,) = kube_schema.validate_objects([pdb], "1.29.0")
    assert problem.startswith("PodDisruptionBudget/p: (root): no schema for policy/v1beta1")


def test_kind_without_schema_or_crd_is_a_problem_not_a_skip() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (problem,) = kube_schema.validate_objects([obj], "1.33.0")
    assert "no schema for example.com/v1 Widget" in problem


def test_custom_resource_validates_against_its_crd() -> None:
    assert kube_schema.validate_objects([LWS], "1.33.0") == []


def test_custom_resource_unknown_field_is_an_error() -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["leaderWorkerTemplate"]["sise"] = 2
    obj["spec"]["leaderWorkerTemplate"]["workerTemplate"]["spec"]["containers"][0]["imagee"] = "x"
    problems = kube_schema.validate_objects([obj], "1.33.0")
    assert len(problems) == 2
    assert any("spec.leaderWorkerTemplate: " in p and "'sise'" in p for p in problems)
    assert any("workerTemplate.spec.containers[0]: " in p and "'imagee'" in p for p in problems)


def test_custom_resource_wrong_enum_is_an_error() -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["startupPolicy"] = "Whenever"
    (problem,) = kube_schema.validate_objects([obj], "1.33.0")
    assert problem.startswith("LeaderWorkerSet/group: spec.startupPolicy: ")


def test_custom_resource_explicit_null_counts_as_absent() -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["rolloutStrategy"] = None
    assert kube_schema.validate_objects([obj], "1.33.0") == []


def test_custom_resource_metadata_is_checked_as_object_meta() -> None:
    obj = copy.deepcopy(LWS)
    obj["metadata"]["labelz"] = {"a": "b"}
    (problem,) = kube_schema.validate_objects([obj], "1.33.0")
    assert problem.startswith("LeaderWorkerSet/group: metadata: ") and "labelz" in problem


def test_unsupported_kubernetes_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="bundles schemas"):
        kube_schema.validate_objects([DEPLOYMENT], "1.99.0")
    with pytest.raises(UsageError, match="not a Kubernetes version"):
        kube_schema.validate_objects([DEPLOYMENT], "latest")


def test_version_maps_to_the_newest_bundled_schema_not_newer() -> None:
    assert kube_schema.schema_version_for("v1.29.3") == (1, 29)
    assert kube_schema.schema_version_for("1.37.0") == (1, 37)


def test_crd_override_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(kube_schema.CRD_DIR_ENV, str(tmp_path))
    assert kube_schema.crd_override_dir() == tmp_path
    monkeypatch.delenv(kube_schema.CRD_DIR_ENV)
    assert kube_schema.crd_override_dir() is None


def test_every_custom_resource_the_charts_render_has_a_shipped_schema() -> None:
    shipped = {(group, kind) for group, _, kind in kube_schema.shipped_crd_index()}
    rendered_or_paired = {
        ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"),
        ("keda.sh", "ScaledObject"),
        ("monitoring.coreos.com", "ServiceMonitor"),
        ("monitoring.coreos.com", "PodMonitor"),
        ("monitoring.coreos.com", "PrometheusRule"),
        ("gateway.networking.k8s.io", "HTTPRoute"),
        ("helm.toolkit.fluxcd.io", "HelmRelease"),
        ("source.toolkit.fluxcd.io", "HelmRepository"),
        ("source.toolkit.fluxcd.io", "OCIRepository"),
        ("source.toolkit.fluxcd.io", "GitRepository"),
        ("inference.networking.k8s.io", "InferencePool"),
        ("http.keda.sh", "HTTPScaledObject"),
        ("disaggregatedset.x-k8s.io", "DisaggregatedSet"),
    }
    assert rendered_or_paired <= shipped


def test_a_crd_folder_adds_kinds_the_package_does_not_ship(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1},
    }
    (problem,) = kube_schema.validate_objects([widget], "1.33.0")
    assert "no CRD schema shipped for it" in problem and kube_schema.CRD_DIR_ENV in problem
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "crds" / "widgets.example.com.yaml", tmp_path)
    monkeypatch.setenv(kube_schema.CRD_DIR_ENV, str(tmp_path))
    assert kube_schema.validate_objects([widget], "1.33.0") == []
    assert kube_schema.validate_objects([LWS], "1.33.0") == []  # shipped kinds still known
    bad = {**widget, "spec": {"size": "big"}}
    (problem,) = kube_schema.validate_objects([bad], "1.33.0")
    assert problem.startswith("Widget/w: spec.size: ")


def test_a_missing_crd_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such CRD folder"):
        kube_schema.validate_objects([LWS], "1.33.0", tmp_path / "absent")


def test_validators_are_cached() -> None:
    kube_schema.validate_objects([DEPLOYMENT, LWS], "1.33.0")
    hits = kube_schema._builtin_validator.cache_info().hits
    kube_schema.validate_objects([DEPLOYMENT], "1.33.0")
    assert kube_schema._builtin_validator.cache_info().hits == hits + 1
