"""`rocm-vllm upgrade-check --to VERSION`: which recipes need a change for another vLLM release, and why."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rocm_vllm.cli import main

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "valid" / "full-node-tp8.yaml"


def write_recipe(tmp_path: Path, name: str, vllm: dict[str, object]) -> Path:
    data = yaml.safe_load(RECIPE.read_text())
    data["name"], data["vllm"] = name, vllm
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_removed_flags_and_env_are_changes_with_their_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_recipe(
        tmp_path,
        "old-flags",
        {"extraArgs": ["--calculate-kv-scales", "--max-num-batched-tokens", "8192"],
         "env": {"VLLM_ROCM_USE_AITER_PAGED_ATTN": "1"}},
    )  # fmt: skip
    assert main(["upgrade-check", "--to", "0.29.0", str(old)]) == 1
    captured = capsys.readouterr()
    assert (
        "$.vllm.extraArgs[0]: error [upgrade] vLLM 0.29.0: vllm serve has no flag --calculate-kv-scales"
        in (captured.out)
    )
    assert "nothing reads VLLM_ROCM_USE_AITER_PAGED_ATTN any more (vLLM 0.23.0 did)" in captured.out
    # the recipe sets --max-num-batched-tokens itself, so the new default does not reach it
    assert "default --max-num-batched-tokens becomes 16384" not in captured.out
    assert "images carrying vLLM 0.29.0: rocm/vllm:rocm10.1.0_" in captured.err


def test_a_recipe_that_moves_cleanly_gets_only_the_changed_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = write_recipe(tmp_path, "clean", {"extraArgs": ["--enable-prefix-caching"]})
    assert main(["upgrade-check", "--to", "0.29.0", str(clean), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"severity": "warning"' in out and "becomes 16384 (0.23.0: 8192)" in out
    assert '"severity": "error"' not in out


def test_the_same_release_needs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write_recipe(tmp_path, "clean", {"extraArgs": ["--calculate-kv-scales"]})
    assert main(["upgrade-check", "--to", "0.23.0", str(clean)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_an_unknown_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upgrade-check", "--to", "0.99.0", str(RECIPE)]) == 2
    assert "flags are known for vLLM 0.23.0, 0.29.0" in capsys.readouterr().err
