"""Artifact Hub metadata in each Chart.yaml: the images it lists are exactly the images the chart's ci scenarios
render, and the other annotations parse as Artifact Hub expects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm

REPO_ROOT = Path(__file__).resolve().parents[2]
CHARTS = sorted(p.parent for p in REPO_ROOT.glob("charts/*/Chart.yaml"))
CHANGE_KINDS = {"added", "changed", "deprecated", "removed", "fixed", "security"}


def _annotations(chart: Path) -> dict[str, str]:
    annotations: dict[str, str] = yaml.safe_load((chart / "Chart.yaml").read_text())["annotations"]
    return annotations


def _images(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "image" and isinstance(item, str):
                yield item
            else:
                yield from _images(item)
    elif isinstance(value, list):
        for item in value:
            yield from _images(item)


def _rendered_images(chart: Path) -> set[str]:
    images: set[str] = set()
    for scenario in sorted(chart.glob("ci/*-values.yaml")):
        values = yaml.safe_load(scenario.read_text()) or {}
        rendered = helm.render_chart(chart, values, api_versions=helm.CRD_API_VERSIONS, include_hooks=True)
        for obj in helm.split_manifests(rendered):
            images.update(_images(obj))
    return images


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.name)
def test_listed_images_are_the_images_the_chart_renders(chart: Path) -> None:
    listed = yaml.safe_load(_annotations(chart)["artifacthub.io/images"])
    assert all(set(entry) == {"name", "image"} for entry in listed)
    assert {entry["image"] for entry in listed} == _rendered_images(chart)


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.name)
def test_links_license_and_changes_are_artifact_hub_shaped(chart: Path) -> None:
    annotations = _annotations(chart)
    links = yaml.safe_load(annotations["artifacthub.io/links"])
    assert links and all(
        set(link) == {"name", "url"} and link["url"].startswith("https://") for link in links
    )
    assert annotations["artifacthub.io/license"] == "Apache-2.0"
    changes = yaml.safe_load(annotations["artifacthub.io/changes"])
    assert changes and all(change["kind"] in CHANGE_KINDS and change["description"] for change in changes)


def test_license_annotation_matches_the_package_license() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    license_text = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["license"]
    spdx = license_text if isinstance(license_text, str) else license_text["text"]
    assert {_annotations(chart)["artifacthub.io/license"] for chart in CHARTS} == {spdx}


def test_artifacthub_repo_metadata_is_at_the_root() -> None:
    data = yaml.safe_load((REPO_ROOT / "artifacthub-repo.yml").read_text())
    assert isinstance(data, dict)
    assert set(data) <= {"repositoryID", "owners", "ignore"}
    assert all(set(owner) <= {"name", "email"} for owner in data.get("owners", []))
