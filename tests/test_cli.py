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
