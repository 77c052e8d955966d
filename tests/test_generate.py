"""generate: all-or-nothing writes, deterministic stamped output, and drift detection for values/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rocm_vllm.cli import main
from rocm_vllm.generate import STAMP_PREFIX, plan_generation

REPO = Path(__file__).resolve().parents[1]
VALID = REPO / "tests" / "recipes" / "valid"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project: recipes/ with a few valid recipes, run from inside it."""
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    for name in ("full-node-tp8", "minimal-single-gpu", "multinode-mp-pp2"):
        shutil.copy(VALID / f"{name}.yaml", recipes)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_committed_values_match_the_recipe_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = plan_generation([Path("recipes")], Path("values"))
    assert result.ok, [f.format() for f in result.findings]
    drift = [p.name for p in result.changed + result.stale]
    assert not drift, f"values/ drifted from recipes/: {drift}; run `make generate`"
    assert len(result.outputs) >= 16


def test_generate_writes_stamped_sorted_values(workdir: Path) -> None:
    assert main(["generate", "recipes", "--out", "values"]) == 0
    text = (workdir / "values" / "full-node-tp8.yaml").read_text()
    first = text.splitlines()[0]
    assert first == f"{STAMP_PREFIX} recipes/full-node-tp8.yaml --out values"
    values = yaml.safe_load(text)
    assert values["vllm"]["tensorParallelSize"] == 8 and values["gpu"] == {
        "count": 8,
        "model": "MI300X",
        "deviceIds": ["74a1", "74a9", "74b5", "74bd"],
    }
    assert list(values) == sorted(values)


def test_generate_is_deterministic_and_check_passes_after_it(workdir: Path) -> None:
    assert main(["generate", "recipes", "--out", "values"]) == 0
    first = {p.name: p.read_text() for p in (workdir / "values").iterdir()}
    assert main(["generate", "recipes", "--out", "values"]) == 0
    assert first == {p.name: p.read_text() for p in (workdir / "values").iterdir()}
    assert main(["generate", "recipes", "--out", "values", "--check"]) == 0


def test_check_lists_changed_and_stale_files_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "recipes", "--out", "values"]) == 0
    (workdir / "values" / "full-node-tp8.yaml").write_text("edited: true\n")
    (workdir / "recipes" / "minimal-single-gpu.yaml").unlink()
    capsys.readouterr()
    assert main(["generate", "recipes", "--out", "values", "--check"]) == 1
    out = capsys.readouterr().out
    assert "values/full-node-tp8.yaml would change" in out
    assert "values/minimal-single-gpu.yaml is stale" in out
    assert (workdir / "values" / "full-node-tp8.yaml").read_text() == "edited: true\n"
    assert (workdir / "values" / "minimal-single-gpu.yaml").exists()
    # Without --check the drift is repaired: edited file rewritten, stale one removed.
    assert main(["generate", "recipes", "--out", "values"]) == 0
    assert not (workdir / "values" / "minimal-single-gpu.yaml").exists()


def test_one_invalid_recipe_means_nothing_is_written(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REPO / "tests" / "recipes" / "invalid" / "dtype-fp8.yaml", workdir / "recipes")
    assert main(["generate", "recipes", "--out", "values"]) == 1
    assert not (workdir / "values").exists()
    err = capsys.readouterr().err
    assert "recipes/dtype-fp8.yaml" in err and "nothing was written" in err


def test_generating_one_file_keeps_the_other_outputs(workdir: Path) -> None:
    assert main(["generate", "recipes", "--out", "values"]) == 0
    assert main(["generate", "recipes/full-node-tp8.yaml", "--out", "values"]) == 0
    assert len(list((workdir / "values").glob("*.yaml"))) == 3


def test_a_gpu_added_with_catalog_passes_validate_generate_and_render(
    workdir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """One catalog entry is all a new GPU needs: the chart keeps no GPU list, its device ids arrive as values."""
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    entry = yaml.safe_load((REPO / "generator/rocm_vllm/catalog/gpus.yaml").read_text())["gpus"]["MI300X"]
    entry["deviceIds"] = ["7fff"]
    (catalog / "gpus.yaml").write_text(yaml.safe_dump({"gpus": {"MI300A": entry}}))
    recipe = workdir / "recipes" / "full-node-tp8.yaml"
    recipe.write_text(recipe.read_text().replace("gpu: MI300X", "gpu: MI300A"))
    flags = ["--catalog", str(catalog)]
    assert main(["validate", "recipes/full-node-tp8.yaml", *flags]) == 0
    assert main(["generate", "recipes", "--out", "values", *flags]) == 0, capsys.readouterr().err
    values = yaml.safe_load((workdir / "values" / "full-node-tp8.yaml").read_text())
    assert values["gpu"] == {"count": 8, "model": "MI300A", "deviceIds": ["7fff"]}
    capsys.readouterr()
    assert main(["render", "recipes/full-node-tp8.yaml", *flags]) == 0
    deployment = next(
        d for d in yaml.safe_load_all(capsys.readouterr().out) if d and d["kind"] == "Deployment"
    )
    affinity = deployment["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
    terms = affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    (term,) = terms
    assert term["matchExpressions"][0] == {
        "key": "amd.com/gpu.device-id",
        "operator": "In",
        "values": ["7fff"],
    }
    # Whole GPUs: the rest keeps the pods off nodes labelled as partitioned (tests/charts/test_chart_dra.py).
    assert {e["operator"] for e in term["matchExpressions"][1:]} == {"NotIn"}


def test_generate_manifests_through_the_chart(workdir: Path) -> None:
    assert main(["generate", "recipes", "--out", "values", "--manifests", "manifests"]) == 0
    text = (workdir / "manifests" / "multinode-mp-pp2.yaml").read_text()
    assert text.splitlines()[0] == f"{STAMP_PREFIX} recipes/multinode-mp-pp2.yaml --manifests manifests"
    kinds = {doc["kind"] for doc in yaml.safe_load_all(text) if doc}
    assert "LeaderWorkerSet" in kinds and "Deployment" not in kinds
    assert main(["generate", "recipes", "--out", "values", "--manifests", "manifests", "--check"]) == 0
    (workdir / "recipes" / "full-node-tp8.yaml").unlink()
    assert main(["generate", "recipes", "--out", "values", "--manifests", "manifests", "--check"]) == 1
    assert main(["generate", "recipes", "--out", "values", "--manifests", "manifests"]) == 0
    assert not (workdir / "manifests" / "full-node-tp8.yaml").exists()


def test_generate_helmreleases(workdir: Path) -> None:
    args = ["generate", "recipes", "--out", "values", "--helmreleases", "flux", "--namespace", "llm"]
    assert main(args) == 0
    text = (workdir / "flux" / "multinode-mp-pp2.yaml").read_text()
    assert text.splitlines()[0] == f"{STAMP_PREFIX} recipes/multinode-mp-pp2.yaml --helmreleases flux"
    release = yaml.safe_load(text)
    assert release["kind"] == "HelmRelease" and release["metadata"]["namespace"] == "llm"
    values = yaml.safe_load((workdir / "values" / "multinode-mp-pp2.yaml").read_text())
    assert release["spec"]["values"] == values
    # One source object for the directory, the one every release's chartRef names.
    source_text = (workdir / "flux" / "rocm-vllm.source.yaml").read_text()
    assert source_text.splitlines()[0] == f"{STAMP_PREFIX} --helmreleases flux"
    source = yaml.safe_load(source_text)
    assert (source["kind"], source["metadata"]["name"], source["metadata"]["namespace"]) == (
        release["spec"]["chartRef"]["kind"],
        release["spec"]["chartRef"]["name"],
        "llm",
    )
    assert main([*args, "--check"]) == 0
