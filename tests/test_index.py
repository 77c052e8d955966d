"""Chart-index.yaml and reproducible packaging: the committed index is current, archives are byte-identical
whatever the files' times, and the index carries the archives' digests."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from rocm_vllm.catalog import load_catalog
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.index import (
    ARCHIVE_MTIME,
    INDEX_FILE,
    build_index,
    chart_digests,
    chart_dirs,
    index_document,
    index_stamp,
    package_charts,
)
from rocm_vllm.recipe import Recipe
from rocm_vllm.validate import validate_paths

REPO = Path(__file__).resolve().parents[1]
CHARTS = REPO / "charts"


@pytest.fixture(scope="module")
def recipes() -> list[Recipe]:
    result = validate_paths([REPO / "recipes"])
    assert result.ok
    return result.recipes


def _touch_all(root: Path, when: int) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            os.utime(Path(directory) / name, (when, when))


def _minimal_chart(root: Path, name: str, version: str = "1.2.3", extra: str = "") -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n{extra}")
    (chart / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    return chart


def test_committed_index_is_current(recipes: list[Recipe]) -> None:
    """Drift check: run `rocm-vllm index` (or `make generate`'s sibling) after changing charts/ or recipes/."""
    from rocm_vllm.stack import load_stack
    from rocm_vllm.validate import default_context

    stacks = [load_stack(p, default_context()) for p in sorted((REPO / "stacks").glob("*.yaml"))]
    expected = index_document(build_index(CHARTS, recipes, load_catalog(), stacks), index_stamp())
    committed = (REPO / INDEX_FILE).read_text(encoding="utf-8")
    assert committed == expected, "Chart-index.yaml is stale: run `rocm-vllm index`"


def test_index_lists_every_chart_and_recipe(recipes: list[Recipe]) -> None:
    index = yaml.safe_load((REPO / INDEX_FILE).read_text(encoding="utf-8"))
    assert [c["name"] for c in index["charts"]] == sorted(p.name for p in chart_dirs(CHARTS))
    main = next(c for c in index["charts"] if c["name"] == "rocm-vllm")
    chart_yaml = yaml.safe_load((CHARTS / "rocm-vllm" / "Chart.yaml").read_text())
    for key in ("version", "appVersion", "description", "kubeVersion"):
        assert main[key] == str(chart_yaml[key])
    assert main["archive"] == f"rocm-vllm-{chart_yaml['version']}.tgz"
    assert [r["name"] for r in index["recipes"]] == sorted(r.name for r in recipes)
    assert set(index["recipes"][0]) == {"name", "model", "gpu", "gpus", "nodes", "precision", "goal"}


def test_recipe_precision_is_the_weight_format_in_memory(recipes: list[Recipe]) -> None:
    entries = {r["name"]: r for r in build_index(CHARTS, recipes, load_catalog())["recipes"]}
    assert entries["llama-3-1-405b-mi300x-fp8-tp8-latency"]["precision"]["weights"] == "fp8"
    assert entries["gpt-oss-20b-mi355x-mxfp4-tp1-latency"]["precision"]["weights"] == "mxfp4"
    assert entries["llama-3-1-70b-mi300x-bf16-tp8-latency"]["precision"] == {
        "weights": "bfloat16",
        "dtype": "bfloat16",
        "kvCacheDtype": "auto",
    }
    multi = entries["llama-3-1-405b-mi300x-bf16-2node-ray"]
    assert (multi["gpus"], multi["nodes"]) == (16, 2)


def test_packaging_is_byte_identical_whatever_the_file_times(tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    shutil.copytree(CHARTS, charts)
    _touch_all(charts, 1_700_000_000)
    first = package_charts(charts, tmp_path / "a")
    _touch_all(charts, 1_800_000_000)
    second = package_charts(charts, tmp_path / "b")
    assert len(first) == len(chart_dirs(CHARTS)) >= 1
    for chart, archive in first.items():
        assert archive.read_bytes() == second[chart].read_bytes()


def test_index_digest_is_the_packaged_archives_sha256(tmp_path: Path) -> None:
    archives = package_charts(CHARTS, tmp_path)
    digests = chart_digests(CHARTS)
    for chart, archive in archives.items():
        name, digest = digests[chart]
        assert name == archive.name
        assert digest == "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest()


def test_archive_is_what_helm_would_ship(tmp_path: Path) -> None:
    archive = package_charts(CHARTS, tmp_path)[CHARTS / "rocm-vllm"]
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "rocm-vllm/Chart.yaml"
    assert "rocm-vllm/values.schema.json" in names and "rocm-vllm/templates/_helpers.tpl" in names
    assert not any(n.startswith("rocm-vllm/ci/") for n in names)  # .helmignore applies
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {
        (ARCHIVE_MTIME, 0, 0, "", "", 0o644)
    }


def test_any_number_of_charts(tmp_path: Path, recipes: list[Recipe]) -> None:
    _minimal_chart(tmp_path, "zeta", extra="appVersion: '2'\ndescription: last\n")
    _minimal_chart(tmp_path, "alpha")
    (tmp_path / "not-a-chart").mkdir()
    index = build_index(tmp_path, recipes[:1], load_catalog())
    assert [(c["name"], c["archive"]) for c in index["charts"]] == [
        ("alpha", "alpha-1.2.3.tgz"),
        ("zeta", "zeta-1.2.3.tgz"),
    ]
    assert "appVersion" not in index["charts"][0] and index["charts"][1]["appVersion"] == "2"


def test_chart_with_local_dependency_packages_reproducibly(tmp_path: Path) -> None:
    import helm_python

    _minimal_chart(tmp_path, "base")
    stack = _minimal_chart(
        tmp_path,
        "stack",
        extra="dependencies:\n  - name: base\n    version: 1.2.3\n    repository: file://../base\n",
    )
    with pytest.raises(InvalidInputError, match=r"commit a Chart\.lock"):
        chart_digests(tmp_path)
    helm_python.dependency_update(stack)  # writes Chart.lock and charts/base-1.2.3.tgz
    shutil.rmtree(stack / "charts")  # only the lock is committed
    first = chart_digests(tmp_path)
    _touch_all(tmp_path, 1_750_000_000)
    assert chart_digests(tmp_path) == first


def test_missing_charts_dir_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such charts directory"):
        chart_dirs(tmp_path / "nope")


def test_document_is_stamped_and_sorted(recipes: list[Recipe]) -> None:
    text = index_document({"kind": "ChartIndex", "apiVersion": "v"}, index_stamp("x.yaml", "r", "c"))
    assert (
        text.splitlines()[0] == "# Generated by: rocm-vllm index --out x.yaml --recipes-dir r --charts-dir c"
    )
    assert text.index("apiVersion:") < text.index("kind:")
