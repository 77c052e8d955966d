"""Golden renders of charts/rocm-vllm, compared exactly. After a reviewed chart change, refresh them with
scripts/update_golden.py and review the diff."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from script_loading import script_module

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load_updater() -> ModuleType:
    return script_module("update_golden")


UPDATER = _load_updater()


@pytest.mark.parametrize("name", sorted(UPDATER.SCENARIOS))
def test_golden_render_matches(name: str) -> None:
    path = UPDATER.golden_path(name)
    assert path.is_file(), f"{path} missing: run scripts/update_golden.py"
    fresh = UPDATER.render(UPDATER.SCENARIOS[name])
    assert fresh == path.read_text(), (
        f"{path.name} differs from a fresh render: review, then run scripts/update_golden.py"
    )


def test_golden_files_have_no_strays() -> None:
    expected = {f"{name}.yaml" for name in UPDATER.SCENARIOS}
    assert {p.name for p in UPDATER.GOLDEN_DIR.glob("*.yaml")} == expected
