"""The command line: exit codes (0 ok, 1 invalid input, 2 usage, 3 internal), formats, and a light start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rocm_vllm import VLLM_VERSION, __version__
from rocm_vllm.cli import main

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "recipes"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rocm-vllm {__version__} (vLLM {VLLM_VERSION})"


def test_validate_catalog_ok(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(["validate"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_validate_invalid_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES / "invalid" / "parallel-product.yaml"
    assert main(["validate", str(case)]) == 1
    text = capsys.readouterr().out
    assert "parallel-product.yaml:" in text and "$.parallelism: error [parallelism]" in text
    assert main(["validate", "--format", "json", str(case)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errors"] >= 1 and payload["findings"][0]["check"] == "parallelism"
    assert payload["findings"][0]["line"] > 1


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "does/not/exist"]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["validate", "--format", "xml", str(CASES / "valid")]) == 2
    assert main(["no-such-command"]) == 2


def test_directory_without_recipes_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "no recipe files" in capsys.readouterr().err


def test_internal_errors_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import rocm_vllm.validate as validate_module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(validate_module, "validate_paths", boom)
    assert main(["validate", str(CASES / "valid")]) == 3
    assert "internal error: RuntimeError: bug" in capsys.readouterr().err


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from rocm_vllm.cli import main; rc = main(['--help']); "
        "heavy = [m for m in ('helm_python', 'kubernetes', 'kubernetes_validate', 'jsonschema', 'ruamel.yaml',"
        " 'yaml') if m in sys.modules]; print(heavy); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "validate" in result.stdout and "generate" in result.stdout


def test_catalog_lists_gpus_and_models(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"MI300X", "MI325X", "MI355X"} <= set(payload["gpus"]) and len(payload["models"]) >= 12


def test_version_loads_no_command_module() -> None:
    code = (
        "import sys; from rocm_vllm.cli import main; rc = main(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith('rocm_vllm.commands.') and m != "
        "'rocm_vllm.commands.common')); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import rocm_vllm.validate as validate_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_module, "validate_paths", interrupted)
    assert main(["validate", str(CASES / "valid")]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_exit_codes_are_decided_in_one_place() -> None:
    import click

    from rocm_vllm.errors import ExitCode, FindingsError, InputFileError, InputProblem, exit_code_for

    assert exit_code_for(KeyboardInterrupt()) is ExitCode.INTERRUPTED
    assert exit_code_for(click.exceptions.Abort()) is ExitCode.INTERRUPTED
    assert exit_code_for(click.UsageError("x")) is ExitCode.USAGE
    assert exit_code_for(InputFileError(InputProblem("f", 1, "$", "m"))) is ExitCode.INVALID_INPUT
    assert exit_code_for(FindingsError("s", [])) is ExitCode.INVALID_INPUT
    assert exit_code_for(RecursionError()) is ExitCode.INTERNAL


def test_github_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES / "invalid" / "parallel-product.yaml"
    assert main(["validate", "--format", "github", str(case)]) == 1
    lines = capsys.readouterr().out.splitlines()
    annotation = next(line for line in lines if line.startswith("::error "))
    assert (
        "file=tests/recipes/invalid/parallel-product.yaml,line=13," in annotation
        and "::$.parallelism: " in annotation
    )
    assert lines[-1].startswith("1 file(s) checked: ")


def test_every_command_lives_in_commands_and_cli_only_wires() -> None:
    from rocm_vllm.cli import LazyGroup, cli

    assert {target.split(":")[0] for target in LazyGroup.LAZY_COMMANDS.values()} == {
        f"rocm_vllm.commands.{name.replace('-', '_')}" for name in LazyGroup.LAZY_COMMANDS
    }
    assert not cli.commands  # nothing defined in cli.py itself


def test_commands_never_print_or_exit_on_their_own() -> None:
    """Output goes through rocm_vllm.findings and exit codes through rocm_vllm.errors (via cli.main)."""
    forbidden = ("click.echo", "print(", "sys.exit", "SystemExit", "click.secho")
    for module in sorted((REPO / "generator" / "rocm_vllm" / "commands").glob("*.py")):
        text = module.read_text()
        assert not [word for word in forbidden if word in text], module.name


def test_one_stamp_builder() -> None:
    """`Generated by:` is spelled in rocm_vllm.stamp alone."""
    spelled = [
        path.name
        for path in (REPO / "generator" / "rocm_vllm").rglob("*.py")
        if "Generated by:" in path.read_text() and path.name != "stamp.py"
    ]
    assert spelled == []
