"""Where the project's charts live, and how paths are written into generated files."""

from __future__ import annotations

import os
from pathlib import Path

from rocm_vllm.errors import UsageError

CHART_ENV = "ROCM_VLLM_CHARTS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]


def charts_dir() -> Path:
    """charts/ of this checkout (the package is installed editable from it), or ROCM_VLLM_CHARTS_DIR."""
    configured = os.environ.get(CHART_ENV)
    candidate = Path(configured) if configured else REPO_ROOT / "charts"
    if not (candidate / "rocm-vllm" / "Chart.yaml").is_file():
        raise UsageError(
            f"cannot find charts/rocm-vllm under {candidate}; set {CHART_ENV} to the charts directory"
        )
    return candidate


def chart_dir(name: str = "rocm-vllm") -> Path:
    return charts_dir() / name


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it, POSIX slashes."""
    try:
        return (
            Path(os.path.relpath(path.resolve(), Path.cwd())).as_posix()
            if path.resolve().is_relative_to(Path.cwd())
            else path.as_posix()
        )
    except ValueError:
        return path.as_posix()
