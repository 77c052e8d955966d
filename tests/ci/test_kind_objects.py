"""Objects the e2e suite creates besides the chart: the kind cluster config and its own manifests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from .paths import KIND_DIR, SCHEMAS_DIR

KUBERNETES_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")
BUILT_IN_MANIFESTS = ("client-pod.yaml", "eviction.yaml")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def kind_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS_DIR / "kind-cluster-v1alpha4.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def test_kind_cluster_config_is_valid_v1alpha4() -> None:
    config = load(KIND_DIR / "cluster.yaml")
    errors = list(kind_validator().iter_errors(config))
    assert not errors, [e.message for e in errors]


def test_kind_schema_rejects_unknown_fields() -> None:
    config = load(KIND_DIR / "cluster.yaml")
    config["nodes"][0]["rol"] = "worker"
    assert list(kind_validator().iter_errors(config))


def test_kind_cluster_has_a_control_plane_and_two_workers() -> None:
    # Two workers so a LeaderWorkerSet group of two can spread; the image comes from versions.yaml only.
    nodes = load(KIND_DIR / "cluster.yaml")["nodes"]
    assert [n.get("role", "control-plane") for n in nodes] == ["control-plane", "worker", "worker"]
    assert all("image" not in n for n in nodes)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("manifest", BUILT_IN_MANIFESTS)
def test_manifest_is_valid_for_kubernetes(manifest: str, version: str) -> None:
    obj = load(KIND_DIR / "manifests" / manifest)
    kubernetes_validate.validate(obj, version, strict=True)


def test_strict_validation_rejects_a_typo() -> None:
    pod = copy.deepcopy(load(KIND_DIR / "manifests" / "client-pod.yaml"))
    pod["spec"]["restartPolicyy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, "1.33.0", strict=True)


def test_client_pod_is_bounded_and_unprivileged() -> None:
    pod = load(KIND_DIR / "manifests" / "client-pod.yaml")
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never" and spec["activeDeadlineSeconds"] <= 3600
    assert spec["securityContext"]["runAsNonRoot"] is True
    [container] = spec["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_lws_webhook_probe_matches_the_crd() -> None:
    # The probe is a LeaderWorkerSet: the package's shipped CRD schema, strict, for every supported version.
    from rocm_vllm.kube_schema import validate_objects

    probe = load(KIND_DIR / "manifests" / "lws-webhook-probe.yaml")
    for version in KUBERNETES_VERSIONS:
        assert validate_objects([probe], version) == []
