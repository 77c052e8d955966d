"""Chart-index.yaml and reproducible packaging: the committed index is current, is a Helm repository index that
carries the archives' digests, and archives are byte-identical whatever the files' times."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.index import (
    ARCHIVE_MTIME,
    INDEX_FILE,
    INDEX_TIME,
    build_index,
    chart_digests,
    chart_dirs,
    index_digests,
    index_document,
    index_stamp,
    package_charts,
)

REPO = Path(__file__).resolve().parents[1]
CHARTS = REPO / "charts"


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


def test_committed_index_is_current() -> None:
    """Drift check: run `rocm-vllm index` (or `make index`) after changing charts/."""
    expected = index_document(build_index(CHARTS), index_stamp())
    committed = (REPO / INDEX_FILE).read_text(encoding="utf-8")
    assert committed == expected, "Chart-index.yaml is stale: run `rocm-vllm index`"


def test_index_is_a_helm_repository_index_of_every_chart() -> None:
    index = yaml.safe_load((REPO / INDEX_FILE).read_text(encoding="utf-8"))
    assert set(index) == {"apiVersion", "entries", "generated"} and index["apiVersion"] == "v1"
    assert sorted(index["entries"]) == sorted(p.name for p in chart_dirs(CHARTS))
    [main] = index["entries"]["rocm-vllm"]
    chart_yaml = yaml.safe_load((CHARTS / "rocm-vllm" / "Chart.yaml").read_text())
    for key in ("version", "appVersion", "description", "kubeVersion", "annotations"):
        assert main[key] == chart_yaml[key]
    # Relative URLs: the index serves from wherever the archives are published beside it.
    assert main["urls"] == [f"rocm-vllm-{chart_yaml['version']}.tgz"]
    assert main["created"] == index["generated"] == INDEX_TIME


def test_index_times_are_fixed_whatever_the_clock(tmp_path: Path) -> None:
    """Helm stamps the time of day; the index replaces it, so two runs a second apart give the same file."""
    import time

    _minimal_chart(tmp_path, "alpha")
    first = index_document(build_index(tmp_path), index_stamp())
    time.sleep(1.1)
    assert index_document(build_index(tmp_path), index_stamp()) == first
    assert INDEX_TIME in first and str(time.gmtime().tm_year) not in first


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
    in_index = index_digests(build_index(CHARTS))
    for chart, archive in archives.items():
        name, digest = digests[chart]
        assert name == archive.name
        assert digest == "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest()
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        assert in_index[(meta["name"], str(meta["version"]))] == digest


def test_archive_files_carry_the_fixed_time(tmp_path: Path) -> None:
    """`helm push` copies the archive file's time into the OCI manifest: a fixed time, a reproducible digest."""
    for archive in package_charts(CHARTS, tmp_path).values():
        assert archive.stat().st_mtime == ARCHIVE_MTIME


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


def test_any_number_of_charts(tmp_path: Path) -> None:
    _minimal_chart(tmp_path, "zeta", extra="appVersion: '2'\ndescription: last\n")
    _minimal_chart(tmp_path, "alpha")
    (tmp_path / "not-a-chart").mkdir()
    entries = build_index(tmp_path)["entries"]
    assert sorted(entries) == ["alpha", "zeta"]
    assert [e["urls"] for e in entries["alpha"]] == [["alpha-1.2.3.tgz"]]
    assert "appVersion" not in entries["alpha"][0] and entries["zeta"][0]["appVersion"] == "2"


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


def test_document_is_stamped_and_sorted() -> None:
    text = index_document({"generated": INDEX_TIME, "apiVersion": "v1"}, index_stamp("x.yaml", "c"))
    assert text.splitlines()[0] == "# Generated by: rocm-vllm index --out x.yaml --charts-dir c"
    assert text.index("apiVersion:") < text.index("generated:")
