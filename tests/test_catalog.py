"""Catalog extension folders (`--catalog DIR`) go through the hardened loader; a wrong field names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.catalog import load_catalog
from rocm_vllm.cli import main
from rocm_vllm.errors import InputFileError, InvalidInputError

GPU = (
    "gpus:\n  MI999X:\n    arch: gfx999\n    generation: 9\n    memoryGB: 64\n    memoryBandwidthTBps: 1\n"
    "    precisions: [bfloat16]\n"
)


def _catalog(tmp_path: Path, gpus: str) -> Path:
    directory = tmp_path / "catalog"
    directory.mkdir(exist_ok=True)
    (directory / "gpus.yaml").write_text(gpus)
    return directory


def test_an_extension_gpu_loads(tmp_path: Path) -> None:
    assert load_catalog((_catalog(tmp_path, GPU),)).gpus["MI999X"].memory_bytes == 64 * 10**9


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("generation: 9", "generation: nine"), "'generation' is missing or not a int"),
        (("memoryGB: 64", "memoryGB: 0"), "'memoryGB' must be a positive number"),
        (("precisions: [bfloat16]", "precisions: [1, {a: b}]"), "'precisions' must be a list of strings"),
        (("arch: gfx999", "arch: gfx999\n    memoryBytes: lots"), "'memoryBytes' is missing or not a int"),
        (("arch: gfx999", "arch: gfx999\n    deviceIds: 74a1"), "'deviceIds' must be a list of strings"),
    ],
)
def test_wrong_fields_are_invalid_input(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    directory = _catalog(tmp_path, GPU.replace(*change))
    with pytest.raises(InvalidInputError, match=expected):
        load_catalog((directory,))


def test_broken_files_name_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _catalog(tmp_path, "gpus:\n  MI999X:\n    arch: a\n    arch: b\n")
    with pytest.raises(InputFileError) as caught:
        load_catalog((directory,))
    assert caught.value.problem.line == 4 and "duplicate key" in caught.value.problem.message
    (directory / "gpus.yaml").write_text("gpus:\n  MI999X: [1, 2]\n")
    assert main(["catalog", "--catalog", str(directory)]) == 1
    assert f"{directory / 'gpus.yaml'}:2: gpus.MI999X must be a mapping" in capsys.readouterr().err
