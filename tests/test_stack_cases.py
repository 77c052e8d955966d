"""Acceptance cases for stacks: every file in tests/stacks/valid passes cleanly, every file in invalid/ produces the
finding its first line states (`# expect: [check] text`), addressed to the stack file with a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.stack import load_stack
from rocm_vllm.validate import default_context

CASES = Path(__file__).parent / "stacks"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))


def expected_text(case: Path) -> str:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{case.name}: first line must be '# expect: [check] message'"
    return first.removeprefix("# expect: ").strip()


def test_enough_cases() -> None:
    assert len(INVALID) >= 15 and len(VALID) >= 2


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_stack_has_no_findings_and_values(case: Path) -> None:
    result = load_stack(case, default_context())
    assert result.findings == [], "\n".join(f.format() for f in result.findings)
    assert set(result.values["models"]) == {m.key for m in result.models}


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_stack_reports_its_message(case: Path) -> None:
    check, _, text = expected_text(case).partition("] ")
    result = load_stack(case, default_context())
    assert not result.ok and result.values == {}
    reported = "\n".join(f.format() for f in result.findings)
    matching = [f for f in result.findings if f"[{f.check}" == check and text in f.message]
    assert matching, f"expected {check}] {text!r} in:\n{reported}"
    for finding in matching:
        assert finding.file.endswith(case.name) and finding.line >= 1, finding.format()


def test_override_findings_point_at_the_override_line() -> None:
    case = CASES / "invalid" / "override-wrong-type.yaml"
    (finding,) = [f for f in load_stack(case, default_context()).findings if f.check == "schema"]
    assert finding.path == "$.models[0].overrides.deployment.replicas"
    assert "replicas" in case.read_text().splitlines()[finding.line - 1]


def test_a_broken_recipe_reports_its_own_findings_too() -> None:
    result = load_stack(CASES / "invalid" / "invalid-recipe.yaml", default_context())
    assert any(f.file.endswith("parallel-product.yaml") and f.check == "parallelism" for f in result.findings)


def test_inventory_flags_replace_the_stack_inventory() -> None:
    from rocm_vllm.inventory import NodePool

    case = CASES / "valid" / "two-models.yaml"
    result = load_stack(case, default_context(), inventory=NodePool("MI300X", 8, 1))
    (finding,) = result.findings
    assert finding.check == "inventory" and "--gpu/--gpus-per-node/--nodes" in finding.message


def test_autoscaling_maximum_beyond_the_inventory_is_a_warning(tmp_path: Path) -> None:
    from rocm_vllm.inventory import NodePool

    stack = tmp_path / "grows.yaml"
    recipe = (Path(__file__).parents[1] / "recipes" / "llama-3-1-8b-mi300x-fp8-tp1-latency.yaml").as_posix()
    stack.write_text(
        "name: grows\nmodels:\n  - key: a\n    recipe: " + recipe + "\n"
        "    overrides: {deployment: {autoscaling: {minReplicas: 1, maxReplicas: 9}}}\n"
    )
    result = load_stack(stack, default_context(), inventory=NodePool("MI300X", 8, 1))
    assert result.ok and [f.severity.value for f in result.findings] == ["warning"]
    assert "at its autoscaling maximum" in result.findings[0].message
