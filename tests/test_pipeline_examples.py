"""What users copy into their pipelines: the pre-commit hooks and the GitHub Actions example must work."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rocm_vllm.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_pre_commit_hooks_run_real_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"rocm-vllm-validate", "rocm-vllm-generate-check"}
    monkeypatch.chdir(REPO)
    for hook in hooks:
        argv = shlex.split(hook["entry"])
        assert argv[0] == "rocm-vllm"
        # pre-commit appends the changed files when pass_filenames is true.
        extra = ["recipes/qwen3-8b-mi300x-fp8-tp1-throughput.yaml"] if hook["pass_filenames"] else []
        assert main(argv[1:] + extra) == 0, hook["id"]


def test_github_actions_example_is_a_valid_workflow() -> None:
    example = REPO / "examples" / "github-actions" / "recipes.yaml"
    check = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(check), "--builtin-schema", "vendor.github-workflows", str(example)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = yaml.safe_load(example.read_text())["jobs"]["generate"]["steps"]
    commands = [s.get("run", "") for s in steps]
    assert any("rocm-vllm generate recipes/ --out values/ --check" in c for c in commands)
    assert any("rocm-vllm validate recipes/ --format github" in c for c in commands)
    for step in steps:
        if "uses" in step:
            ref = step["uses"].split("@")[1]
            assert len(ref) == 40, f"{step['uses']} must be pinned to a commit"
