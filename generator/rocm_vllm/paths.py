"""Where the project's own files live (charts, the recipe catalog, example stacks), and how paths are shown.

An installed wheel carries them under ``rocm_vllm/_bundled/`` (mapped there from the repository's top-level
``charts/``, ``recipes/`` and ``stacks/`` by the build backend: one source, no copies in git); a checkout (and an
editable install of it) uses the top-level folders directly.
"""

from __future__ import annotations

import os
from pathlib import Path

from rocm_vllm.errors import UsageError

CHART_ENV = "ROCM_VLLM_CHARTS_DIR"
_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED_DIR = _PACKAGE_DIR / "_bundled"
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]

# The catalog folders a wheel carries; the plural names are the folder names in both layouts.
BUNDLED_FOLDERS = ("charts", "recipes", "stacks")


def bundled_dir(folder: str) -> Path:
    """The built-in `folder` (charts, recipes or stacks): inside the installed package, else in the checkout."""
    if folder not in BUNDLED_FOLDERS:
        raise ValueError(f"not a bundled folder: {folder}")
    inside = _BUNDLED_DIR / folder
    return inside if inside.is_dir() else _CHECKOUT_ROOT / folder


def charts_dir() -> Path:
    """The charts: ROCM_VLLM_CHARTS_DIR when set, else the ones shipped with the package."""
    configured = os.environ.get(CHART_ENV)
    candidate = Path(configured) if configured else bundled_dir("charts")
    if not (candidate / "rocm-vllm" / "Chart.yaml").is_file():
        where = f"{CHART_ENV}={configured}" if configured else "the installed package"
        raise UsageError(
            f"cannot find charts/rocm-vllm under {candidate} ({where}); point {CHART_ENV} at a folder holding "
            "rocm-vllm/Chart.yaml, or reinstall rocm-vllm"
        )
    return candidate


def chart_dir(name: str = "rocm-vllm") -> Path:
    return charts_dir() / name


def default_sources(directory: Path, folder: str) -> Path:
    """What a command reads when given no paths: `directory` when it exists; when it is the default
    (`./recipes`, `./stacks`) and absent, the built-in catalog, so the installed CLI works from any folder; a
    folder the user named that does not exist is a usage error."""
    if directory.is_dir():
        return directory
    if directory == Path(folder):
        return bundled_dir(folder)
    raise UsageError(f"{directory}: no such directory")


BUILTIN_PREFIX = "<built-in>"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it, POSIX slashes.
    A file of the built-in catalog outside the working directory shows as `<built-in>/recipes/x.yaml`, the same
    for a wheel and a checkout, so output does not depend on where the package is installed."""
    resolved = path.resolve()
    if resolved.is_relative_to(Path.cwd()):
        return Path(os.path.relpath(resolved, Path.cwd())).as_posix()
    for folder in BUNDLED_FOLDERS:
        base = bundled_dir(folder).resolve()
        if resolved.is_relative_to(base):
            inside = resolved.relative_to(base).as_posix()
            return f"{BUILTIN_PREFIX}/{folder}" + ("" if inside == "." else f"/{inside}")
    return path.as_posix()


def find_by_name(reference: str, directory: Path, folder: str) -> Path | None:
    """`<directory>/<reference>.yaml`, else the built-in `<folder>/<reference>.yaml`; None when neither exists.
    The user's folder comes first, so a local recipe shadows a built-in one of the same name."""
    for base in (directory, bundled_dir(folder)):
        candidate = base / f"{reference}.yaml"
        if candidate.is_file():
            return candidate
    return None


def resolve_reference(reference: str, directory: Path, kind: str) -> Path:
    """A `kind` (recipe, stack) given as a file path, or by name from `directory` then the built-in catalog;
    a usage error naming the closest names otherwise."""
    as_path = Path(reference)
    if as_path.is_file():
        return as_path
    folder = f"{kind}s"
    found = find_by_name(reference, directory, folder)
    if found is not None:
        return found
    import difflib

    known = sorted(
        {p.stem for base in (directory, bundled_dir(folder)) if base.is_dir() for p in base.glob("*.yaml")}
    )
    close = difflib.get_close_matches(reference, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(known)} {kind}(s) known"
    raise UsageError(
        f"unknown {kind} '{reference}': no such file, no {directory / (reference + '.yaml')} and no built-in "
        f"{kind} of that name{hint}"
    )
