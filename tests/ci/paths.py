"""Paths shared by the CI-configuration tests."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CI_DIR = REPO_ROOT / "ci"
KIND_DIR = CI_DIR / "kind"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
LINTCONF = CI_DIR / "lintconf.yaml"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
# Tools installed next to the running interpreter (the project venv), found even when not on PATH.
VENV_BIN = Path(sys.executable).parent


def venv_tool(name: str) -> str:
    candidate = VENV_BIN / name
    return str(candidate) if candidate.exists() else name
