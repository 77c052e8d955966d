"""Shared fixtures: where the chart is, and a render helper for chart tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rocm_vllm import helm
from script_loading import script_module

REPO_ROOT = Path(__file__).resolve().parents[1]
CHART_DIR = REPO_ROOT / "charts" / "rocm-vllm"

RenderObjects = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def chart_dir() -> Path:
    return CHART_DIR


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


@pytest.fixture(scope="session")
def load_script() -> Callable[[str], ModuleType]:
    """Import a file of scripts/ by name: scripts/ is not a package and must not become one."""

    return script_module
