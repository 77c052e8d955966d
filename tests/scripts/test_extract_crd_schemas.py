"""scripts/extract_crd_schemas.py: the package's CRD schemas, their recorded sources, and the checksum guard.

Only the comparison with the reference CRD files needs them beside the clone (../shared/crds); it is skipped,
with the reason, where they are absent. Everything else runs on the shipped files or on CRDs the test writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType

import pytest

from script_loading import script_module

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "extract_crd_schemas.py"


@pytest.fixture(scope="module")
def extract() -> ModuleType:
    return script_module("extract_crd_schemas")


CRD = (REPO_ROOT / "tests" / "fixtures" / "crds" / "widgets.example.com.yaml").read_bytes()


def pinned(extract: ModuleType, name: str, data: bytes) -> object:
    return extract.PinnedFile(name, "o/r", f"crds/{name}", "1" * 40, hashlib.sha256(data).hexdigest())


def test_every_pinned_crd_is_shipped_with_its_source(extract: ModuleType) -> None:
    shipped = {p.name: json.loads(p.read_text("utf-8")) for p in extract.DEFAULT_OUT.glob("*.json")}
    assert set(shipped) == {p.schema_file for p in extract.PINNED}
    for entry in extract.PINNED:
        document = shipped[entry.schema_file]
        assert document["source"] == {
            "repository": entry.repository,
            "path": entry.path,
            "commit": entry.commit,
            "sha256": entry.sha256,
        }
        assert document["generatedBy"] == extract.STAMP
        assert document["versions"], entry.name


def test_shipped_schemas_match_the_reference_crds(
    extract: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    if not extract.DEFAULT_SOURCE.is_dir():
        pytest.skip(
            f"no reference CRDs at {extract.DEFAULT_SOURCE} (a user's clone has none); "
            "`python scripts/extract_crd_schemas.py --check --download` verifies against upstream"
        )
    # The pinned table lists exactly the reference folder's CRDs, and the shipped schemas are what they give.
    assert {p.name for p in extract.PINNED} == {p.name for p in extract.DEFAULT_SOURCE.glob("*.yaml")}
    assert extract.verify_dir(extract.DEFAULT_SOURCE) == []
    assert extract.main(["--check"]) == 0
    assert "13 CRD schema file(s) match" in capsys.readouterr().out


def test_extraction_keeps_served_versions_and_records_the_source(extract: ModuleType) -> None:
    entry = pinned(extract, "widgets.yaml", CRD)
    document = extract.extract(entry, CRD)
    assert document["group"] == "example.com" and document["kind"] == "Widget"
    assert list(document["versions"]) == ["v1"]  # v0 is not served
    assert document["source"]["commit"] == "1" * 40
    text = extract.document_text(document)
    assert text == extract.document_text(json.loads(text)) and text.endswith("\n")


def test_a_file_that_is_not_one_crd_is_refused(extract: ModuleType) -> None:
    data = b"kind: ConfigMap\n"
    with pytest.raises(extract.SourceError, match="expected one CustomResourceDefinition"):
        extract.extract(pinned(extract, "x.yaml", data), data)


def test_check_reports_changed_missing_and_stale_files(extract: ModuleType, tmp_path: Path) -> None:
    source = tmp_path / "crds"
    source.mkdir()
    (source / "widgets.yaml").write_bytes(CRD)
    entry = pinned(extract, "widgets.yaml", CRD)
    outputs = extract.expected_outputs(extract.read_sources(source, files=(entry,)))
    out = tmp_path / "out"
    assert "missing" in extract.differences(out, outputs)[0]
    extract.write_outputs(out, outputs)
    assert extract.differences(out, outputs) == []
    (out / "widgets.json").write_text("{}\n")
    (out / "old.json").write_text("{}\n")
    problems = extract.differences(out, outputs)
    assert len(problems) == 2
    assert "widgets.json: differs from its pinned CRD" in problems[0]
    assert "old.json: stale" in problems[1]
    extract.write_outputs(out, outputs)
    assert sorted(p.name for p in out.iterdir()) == ["widgets.json"]


def test_a_checksum_mismatch_reads_nothing_further(extract: ModuleType, tmp_path: Path) -> None:
    good = pinned(extract, "a.yaml", CRD)
    bad = extract.PinnedFile("b.yaml", "o/r", "b.yaml", "1" * 40, "0" * 64)
    urls: list[str] = []

    def fake_fetch(url: str) -> bytes:
        urls.append(url)
        return CRD

    with pytest.raises(extract.ChecksumError, match=r"b\.yaml"):
        extract.read_sources(None, files=(good, bad), fetch=fake_fetch)
    assert urls[0] == f"https://raw.githubusercontent.com/o/r/{'1' * 40}/crds/a.yaml"


def test_main_writes_nothing_when_a_source_is_missing(
    extract: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert extract.main(["--source", str(tmp_path / "empty"), "--out", str(out)]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert not out.exists()


def test_main_download_failure_is_one_line(
    extract: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(url: str) -> bytes:
        raise OSError("network unreachable")

    assert extract.main(["--download", "--check", "--out", str(tmp_path)], fetch=offline) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "network unreachable" in err and err.count("\n") == 1


def test_verify_dir_reports_missing_and_changed_files(extract: ModuleType, tmp_path: Path) -> None:
    good = pinned(extract, "good.yaml", CRD)
    changed = extract.PinnedFile("changed.yaml", "o/r", "p/changed.yaml", "0" * 40, "f" * 64)
    missing = extract.PinnedFile("missing.yaml", "o/r", "p/missing.yaml", "0" * 40, "f" * 64)
    (tmp_path / "good.yaml").write_bytes(CRD)
    (tmp_path / "changed.yaml").write_bytes(CRD)
    problems = extract.verify_dir(tmp_path, (good, changed, missing))
    assert len(problems) == 2
    assert problems[0].startswith("changed.yaml: sha256 ")
    assert problems[1] == f"missing.yaml: missing from {tmp_path}"
