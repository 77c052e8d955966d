"""Every generated values file renders through charts/rocm-vllm and validates for each supported Kubernetes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rocm_vllm import helm
from rocm_vllm.kube_schema import validate_objects

REPO = Path(__file__).resolve().parents[1]
VALUES = sorted((REPO / "values").glob("*.yaml"))
KUBE_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")


@pytest.mark.parametrize("values_file", VALUES, ids=lambda p: p.stem)
def test_generated_values_render_and_validate(values_file: Path) -> None:
    values = yaml.safe_load(values_file.read_text())
    for kube_version in KUBE_VERSIONS:
        rendered = helm.render_chart(
            REPO / "charts" / "rocm-vllm",
            values,
            release_name=values_file.stem,
            kube_version=kube_version,
            api_versions=helm.CRD_API_VERSIONS,
        )
        objects = helm.split_manifests(rendered)
        kinds = {obj["kind"] for obj in objects}
        workload = "LeaderWorkerSet" if values["multiNode"]["nodesPerReplica"] > 1 else "Deployment"
        assert workload in kinds
        assert validate_objects(objects, kube_version) == [], f"{values_file.name} on {kube_version}"


def test_every_recipe_has_generated_values() -> None:
    recipes = {p.stem for p in (REPO / "recipes").glob("*.yaml")}
    assert recipes == {p.stem for p in VALUES}
