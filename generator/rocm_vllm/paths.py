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


def resolve_reference(reference: str, directory: Path, kind: str) -> Path:
    """A `kind` (recipe, stack) given as a file path, or by name as `<directory>/<name>.yaml`; a usage error
    naming the closest names otherwise."""
    as_path = Path(reference)
    if as_path.is_file():
        return as_path
    by_name = directory / f"{reference}.yaml"
    if by_name.is_file():
        return by_name
    import difflib

    known = sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []
    close = difflib.get_close_matches(reference, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(known)} {kind}(s) in {directory}/"
    raise UsageError(f"unknown {kind} '{reference}': no such file, and no {by_name}{hint}")
