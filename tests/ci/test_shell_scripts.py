"""Shell scripts under ci/ and the charts' launch scripts pass shellcheck, and the runner keeps its safety
properties."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .paths import CI_DIR, KIND_DIR, REPO_ROOT, venv_tool

SCRIPTS = sorted(CI_DIR.rglob("*.sh"))
# Scripts that run in pods under /bin/sh (dash on the Ubuntu-based vLLM images): checked as POSIX sh.
CHART_SCRIPTS = sorted((REPO_ROOT / "charts").glob("*/files/*.sh"))
RUNNER = KIND_DIR / "run-e2e.sh"


def shellcheck(*paths: Path, shell: str = "bash") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [venv_tool("shellcheck"), "--severity=style", f"--shell={shell}", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(CI_DIR)))
def test_script_passes_shellcheck(script: Path) -> None:
    proc = shellcheck(script)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_chart_launch_scripts_exist() -> None:
    assert {p.name for p in CHART_SCRIPTS} >= {"ray-leader.sh", "ray-worker.sh"}


@pytest.mark.parametrize("script", CHART_SCRIPTS, ids=lambda p: str(p.relative_to(REPO_ROOT / "charts")))
def test_chart_launch_script_passes_shellcheck_as_posix_sh(script: Path) -> None:
    proc = shellcheck(script, shell="sh")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_shellcheck_reports_a_known_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n", encoding="utf-8")
    assert shellcheck(bad).returncode != 0


def test_runner_is_strict_and_always_deletes_its_cluster() -> None:
    text = RUNNER.read_text(encoding="utf-8")
    assert RUNNER.stat().st_mode & 0o111, "run-e2e.sh must be executable (make e2e runs it directly)"
    assert "set -euo pipefail" in text
    assert "trap cleanup EXIT" in text
    assert 'kind delete cluster --name "${cluster}"' in text
    # Its own kubeconfig: the user's current context is never used.
    assert 'export KUBECONFIG="${work_dir}/kubeconfig"' in text


def test_runner_rejects_a_missing_argument() -> None:
    proc = subprocess.run(["bash", str(RUNNER)], capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2 and "usage:" in proc.stderr


CI_ENTRY = CI_DIR.parent / ".ci" / "run"


def test_ci_entry_point_passes_shellcheck_and_installs_the_test_registry() -> None:
    proc = shellcheck(CI_ENTRY)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = CI_ENTRY.read_text(encoding="utf-8")
    # Installed only when missing (and never fatal): tests/test_publish.py skips, naming why, without it.
    assert "if ! command -v docker-registry" in text
    assert "apt-get install -y -qq docker-registry" in text and "could not install docker-registry" in text
    # The README's test command, then the launch-script suite (tests/launch), vLLM's own parser on every rendered
    # serve line (issue 12) and the scanners (issue 11), all after `make test`.
    commands = [line for line in text.splitlines() if line.startswith("make ")]
    assert commands == ["make test", "make test-launch", "make test-vllm", "make scan"]
    assert text.rstrip().endswith("make scan")
