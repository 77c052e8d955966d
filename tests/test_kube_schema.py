"""rocm_vllm.kube_schema: built-in kinds strictly per version, custom resources by their CRD, nothing skipped.
Also scripts/fetch_crds.py's checksum verification (offline, on local files)."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
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


def test_valid_builtin_object_has_no_problems(crd_dir: Path) -> None:
    assert kube_schema.validate_objects([DEPLOYMENT], "1.33.0", crd_dir) == []


def test_unknown_builtin_field_is_reported_with_kind_name_and_path(crd_dir: Path) -> None:
    obj = copy.deepcopy(DEPLOYMENT)
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    (problem,) = kube_schema.validate_objects([obj], "1.33.0", crd_dir)
    assert problem.startswith("Deployment/web: spec.template.spec.containers[0]: ")
    assert "imagePullPolcy" in problem


def test_removed_api_is_a_problem(crd_dir: Path) -> None:
    pdb = {
        "apiVersion": "policy/v1beta1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "p"},
        "spec": {},
    }
    (problem,) = kube_schema.validate_objects([pdb], "1.29.0", crd_dir)
    assert problem.startswith("PodDisruptionBudget/p: (root): no schema for policy/v1beta1")


def test_kind_without_schema_or_crd_is_a_problem_not_a_skip(crd_dir: Path) -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (problem,) = kube_schema.validate_objects([obj], "1.33.0", crd_dir)
    assert "no schema for example.com/v1 Widget" in problem


def test_custom_resource_validates_against_its_crd(crd_dir: Path) -> None:
    assert kube_schema.validate_objects([LWS], "1.33.0", crd_dir) == []


def test_custom_resource_unknown_field_is_an_error(crd_dir: Path) -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["leaderWorkerTemplate"]["sise"] = 2
    obj["spec"]["leaderWorkerTemplate"]["workerTemplate"]["spec"]["containers"][0]["imagee"] = "x"
    problems = kube_schema.validate_objects([obj], "1.33.0", crd_dir)
    assert len(problems) == 2
    assert any("spec.leaderWorkerTemplate: " in p and "'sise'" in p for p in problems)
    assert any("workerTemplate.spec.containers[0]: " in p and "'imagee'" in p for p in problems)


def test_custom_resource_wrong_enum_is_an_error(crd_dir: Path) -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["startupPolicy"] = "Whenever"
    (problem,) = kube_schema.validate_objects([obj], "1.33.0", crd_dir)
    assert problem.startswith("LeaderWorkerSet/group: spec.startupPolicy: ")


def test_custom_resource_explicit_null_counts_as_absent(crd_dir: Path) -> None:
    obj = copy.deepcopy(LWS)
    obj["spec"]["rolloutStrategy"] = None
    assert kube_schema.validate_objects([obj], "1.33.0", crd_dir) == []


def test_custom_resource_metadata_is_checked_as_object_meta(crd_dir: Path) -> None:
    obj = copy.deepcopy(LWS)
    obj["metadata"]["labelz"] = {"a": "b"}
    (problem,) = kube_schema.validate_objects([obj], "1.33.0", crd_dir)
    assert problem.startswith("LeaderWorkerSet/group: metadata: ") and "labelz" in problem


def test_unsupported_kubernetes_version_is_a_usage_error(crd_dir: Path) -> None:
    with pytest.raises(UsageError, match="bundles schemas"):
        kube_schema.validate_objects([DEPLOYMENT], "1.99.0", crd_dir)
    with pytest.raises(UsageError, match="not a Kubernetes version"):
        kube_schema.validate_objects([DEPLOYMENT], "latest", crd_dir)


def test_version_maps_to_the_newest_bundled_schema_not_newer() -> None:
    assert kube_schema.schema_version_for("v1.29.3") == (1, 29)
    assert kube_schema.schema_version_for("1.37.0") == (1, 37)


def test_crd_dir_defaults_to_env_then_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(kube_schema.CRD_DIR_ENV, str(tmp_path))
    assert kube_schema.default_crd_dir() == tmp_path
    monkeypatch.delenv(kube_schema.CRD_DIR_ENV)
    assert kube_schema.default_crd_dir() == REPO_ROOT.parent / "shared" / "crds"


def test_validators_are_cached(crd_dir: Path) -> None:
    kube_schema.validate_objects([DEPLOYMENT, LWS], "1.33.0", crd_dir)
    hits = kube_schema._builtin_validator.cache_info().hits
    kube_schema.validate_objects([DEPLOYMENT], "1.33.0", crd_dir)
    assert kube_schema._builtin_validator.cache_info().hits == hits + 1


# scripts/fetch_crds.py


@pytest.fixture(scope="module")
def fetch_crds() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_crds", REPO_ROOT / "scripts" / "fetch_crds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fetch_crds"] = module
    spec.loader.exec_module(module)
    return module


def test_pinned_table_matches_the_shared_crds(fetch_crds: ModuleType, crd_dir: Path) -> None:
    assert fetch_crds.verify_dir(crd_dir) == []
    assert {p.name for p in fetch_crds.PINNED} == {p.name for p in crd_dir.glob("*.yaml")}


def test_verify_dir_reports_missing_and_changed_files(fetch_crds: ModuleType, tmp_path: Path) -> None:
    data = b"kind: CustomResourceDefinition\n"
    good = fetch_crds.PinnedFile(
        "good.yaml", "o/r", "p/good.yaml", "0" * 40, hashlib.sha256(data).hexdigest()
    )
    changed = fetch_crds.PinnedFile("changed.yaml", "o/r", "p/changed.yaml", "0" * 40, "f" * 64)
    missing = fetch_crds.PinnedFile("missing.yaml", "o/r", "p/missing.yaml", "0" * 40, "f" * 64)
    (tmp_path / "good.yaml").write_bytes(data)
    (tmp_path / "changed.yaml").write_bytes(data)
    problems = fetch_crds.verify_dir(tmp_path, (good, changed, missing))
    assert len(problems) == 2
    assert problems[0].startswith("changed.yaml: sha256 ")
    assert problems[1] == f"missing.yaml: missing from {tmp_path}"


def test_fetch_all_writes_nothing_when_any_checksum_fails(fetch_crds: ModuleType, tmp_path: Path) -> None:
    data = b"ok\n"
    good = fetch_crds.PinnedFile("a.yaml", "o/r", "a.yaml", "1" * 40, hashlib.sha256(data).hexdigest())
    bad = fetch_crds.PinnedFile("b.yaml", "o/r", "b.yaml", "1" * 40, "0" * 64)
    urls: list[str] = []

    def fake_fetch(url: str) -> bytes:
        urls.append(url)
        return data

    dest = tmp_path / "out"
    with pytest.raises(fetch_crds.ChecksumError, match=r"b\.yaml"):
        fetch_crds.fetch_all(dest, (good, bad), fetch=fake_fetch)
    assert not dest.exists()
    assert urls[0] == f"https://raw.githubusercontent.com/o/r/{'1' * 40}/a.yaml"

    written = fetch_crds.fetch_all(dest, (good,), fetch=fake_fetch)
    assert [p.read_bytes() for p in written] == [data]
