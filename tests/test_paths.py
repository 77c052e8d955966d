"""rocm_vllm.paths: the built-in charts, recipes and stacks, the user's folders first, and paths as shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm import paths
from rocm_vllm.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[1]
RECIPE = "llama-3-1-8b-mi300x-bf16-tp1-throughput"


def test_a_checkout_uses_its_own_folders() -> None:
    for folder in paths.BUNDLED_FOLDERS:
        assert paths.bundled_dir(folder) == REPO_ROOT / folder
    with pytest.raises(ValueError):
        paths.bundled_dir("values")


def test_charts_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(paths.CHART_ENV, raising=False)
    assert paths.charts_dir() == REPO_ROOT / "charts"
    monkeypatch.setenv(paths.CHART_ENV, str(tmp_path))
    with pytest.raises(
        UsageError, match=rf"cannot find charts/rocm-vllm under {tmp_path} \({paths.CHART_ENV}="
    ):
        paths.charts_dir()
    (tmp_path / "rocm-vllm").mkdir()
    (tmp_path / "rocm-vllm" / "Chart.yaml").write_text("name: rocm-vllm\n")
    assert paths.chart_dir() == tmp_path / "rocm-vllm"


def test_names_resolve_from_the_users_folder_then_the_built_in_catalog(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    built_in = paths.resolve_reference(RECIPE, Path("recipes"), "recipe")
    assert built_in == REPO_ROOT / "recipes" / f"{RECIPE}.yaml"
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / f"{RECIPE}.yaml").write_text("name: local\n")
    assert paths.resolve_reference(RECIPE, Path("recipes"), "recipe") == Path("recipes") / f"{RECIPE}.yaml"
    assert (
        paths.resolve_reference("mi300x-mixed", Path("stacks"), "stack")
        == REPO_ROOT / "stacks" / "mi300x-mixed.yaml"
    )


def test_an_unknown_name_suggests_built_in_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        UsageError, match=f"unknown recipe 'llama-3-1-8b-mi300x-bf16-tp1-thruput'.*did you mean {RECIPE}"
    ):
        paths.resolve_reference("llama-3-1-8b-mi300x-bf16-tp1-thruput", Path("recipes"), "recipe")
    with pytest.raises(UsageError, match=r"no built-in stack of that name; 1 stack\(s\) known"):
        paths.resolve_reference("zzz", Path("stacks"), "stack")


def test_default_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.default_sources(Path("recipes"), "recipes") == REPO_ROOT / "recipes"
    with pytest.raises(UsageError, match="elsewhere: no such directory"):
        paths.default_sources(Path("elsewhere"), "recipes")
    (tmp_path / "recipes").mkdir()
    assert paths.default_sources(Path("recipes"), "recipes") == Path("recipes")


def test_built_in_files_show_the_same_wherever_the_package_is(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recipe = REPO_ROOT / "recipes" / f"{RECIPE}.yaml"
    monkeypatch.chdir(REPO_ROOT)
    assert paths.display_path(recipe) == f"recipes/{RECIPE}.yaml"  # below the working directory: relative
    monkeypatch.chdir(tmp_path)
    assert paths.display_path(recipe) == f"<built-in>/recipes/{RECIPE}.yaml"
    assert paths.display_path(REPO_ROOT / "charts") == "<built-in>/charts"
    assert paths.display_path(tmp_path / "x.yaml") == "x.yaml"
    assert paths.display_path(Path("/elsewhere/y.yaml")) == "/elsewhere/y.yaml"
