"""Shared fixtures: where the chart and the CRDs are, and a render helper for chart tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import helm
from rocm_vllm.kube_schema import default_crd_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
CHART_DIR = REPO_ROOT / "charts" / "rocm-vllm"

RenderObjects = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def chart_dir() -> Path:
    return CHART_DIR


@pytest.fixture(scope="session")
def crd_dir() -> Path:
    path = default_crd_dir()
    if not path.is_dir():
        pytest.fail(f"CRD directory {path} is missing: set ROCM_VLLM_CRD_DIR or run scripts/fetch_crds.py")
    return path


@pytest.fixture(scope="session")
def render_objects() -> RenderObjects:
    """Render charts/rocm-vllm with values (LWS and the other CRD APIs available unless told otherwise)."""

    def render(
        values: dict[str, Any] | None = None,
        *,
        api_versions: tuple[str, ...] = helm.CRD_API_VERSIONS,
        kube_version: str | None = None,
        include_hooks: bool = True,
    ) -> list[dict[str, Any]]:
        rendered = helm.render_chart(
            CHART_DIR,
            values or {},
            api_versions=api_versions,
            kube_version=kube_version,
            include_hooks=include_hooks,
        )
        return helm.split_manifests(rendered)

    return render
