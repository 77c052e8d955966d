"""Acceptance cases: every file in tests/recipes/valid passes cleanly, every file in invalid/ produces the
finding it states (a first-line `# expect: [check] text` comment, or a sidecar `<file>.expect`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.validate import validate_paths

CASES = Path(__file__).parent / "recipes"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))


def expected_text(case: Path) -> str:
    sidecar = case.with_name(case.name + ".expect")
    if sidecar.is_file():
        return sidecar.read_text(encoding="utf-8").strip()
    first = case.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{case.name}: first line must be '# expect: [check] message'"
    return first.removeprefix("# expect: ").strip()


def test_enough_cases() -> None:
    assert len(INVALID) >= 30 and len(VALID) >= 5


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_case_has_no_findings(case: Path) -> None:
    result = validate_paths([case])
    assert result.findings == [], "\n".join(f.format() for f in result.findings)
    assert len(result.recipes) == 1


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_case_reports_its_message(case: Path) -> None:
    expected = expected_text(case)
    check, _, text = expected.partition("] ")
    result = validate_paths([case])
    assert not result.ok
    reported = [f"[{f.check}] {f.message}" for f in result.findings]
    assert any(f"[{f.check}" == check and text in f.message for f in result.findings), (
        f"expected {expected!r} in:\n" + "\n".join(reported)
    )
    for finding in result.findings:
        assert finding.file.endswith(case.name) and finding.line >= 1, finding.format()


def test_findings_point_at_the_offending_line() -> None:
    result = validate_paths([CASES / "invalid" / "parallel-product.yaml"])
    (finding,) = [f for f in result.findings if f.check == "parallelism"]
    line = (CASES / "invalid" / "parallel-product.yaml").read_text().splitlines()[finding.line - 1]
    assert line.startswith("parallelism:") and finding.path == "$.parallelism"


def test_all_findings_are_collected_not_just_the_first(tmp_path: Path) -> None:
    source = (CASES / "valid" / "full-node-tp8.yaml").read_text()
    broken = tmp_path / "full-node-tp8.yaml"
    broken.write_text(source.replace("tensor: 8", "tensor: 3").replace("dtype: bfloat16", "dtype: fp8"))
    checks = {f.check for f in validate_paths([broken]).findings}
    assert {"parallelism", "precision"} <= checks


def test_duplicate_recipe_names_across_directories(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "full-node-tp8.yaml").write_text(
            (CASES / "valid" / "full-node-tp8.yaml").read_text()
        )
    result = validate_paths([tmp_path])
    assert any("recipe names must be unique" in f.message for f in result.findings)
