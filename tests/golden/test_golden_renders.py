"""Golden renders of charts/rocm-vllm, compared exactly. After a reviewed chart change, refresh them with
scripts/update_golden.py and review the diff."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load_updater() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_golden", REPO_ROOT / "scripts" / "update_golden.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_golden"] = module
    spec.loader.exec_module(module)
    return module


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
