"""The kind e2e suite is always collected, and skipped with a precise reason unless it can and may run.

Each case runs pytest on tests/e2e in a subprocess whose PATH holds only stub tools, so the outcome does not
depend on what this machine has installed.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .paths import REPO_ROOT

E2E_ENV_VARS = ("ROCM_VLLM_E2E", "ROCM_VLLM_E2E_KUBECONFIG", "ROCM_VLLM_E2E_CLUSTER", "PYTEST_ADDOPTS")


def stub_tools(bin_dir: Path, present: dict[str, int]) -> None:
    """Executables that exit with the given status (docker's status is what `docker info` returns)."""
    bin_dir.mkdir()
    for name, status in present.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\nexit {status}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)


def run_e2e_suite(bin_dir: Path, *extra: str, env_extra: dict[str, str] | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in E2E_ENV_VARS}
    env.update(PATH=str(bin_dir), **(env_extra or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "-q", "-rs", "-p", "no:cacheprovider", *extra],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def skip_reasons(output: str) -> list[str]:
    return re.findall(r"^SKIPPED \[\d+\] [^:]+(?::\d+)?: (.*)$", output, flags=re.MULTILINE)


def ran_any(output: str) -> bool:
    return re.search(r"\d+ (passed|failed|error)", output) is not None


def skipped_count(output: str) -> int:
    match = re.search(r"(\d+) skipped", output)
    return int(match.group(1)) if match else 0


def test_missing_tools_are_named(tmp_path: Path) -> None:
    # kubectl present, docker present but its engine unreachable, kind and helm absent.
    bin_dir = tmp_path / "bin"
    stub_tools(bin_dir, {"kubectl": 0, "docker": 1})
    output = run_e2e_suite(bin_dir, "-m", "e2e")
    reasons = skip_reasons(output)
    assert skipped_count(output) >= 5, output
    assert not ran_any(output), output
    assert reasons, output
    for reason in reasons:
        assert "missing: docker (engine not reachable" in reason, reason
        assert "kind" in reason and "helm" in reason, reason
        assert "kubectl" not in reason.split("missing:", 1)[1], reason


def test_default_run_skips_even_with_every_tool(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    stub_tools(bin_dir, {"kubectl": 0, "docker": 0, "kind": 0, "helm": 0})
    output = run_e2e_suite(bin_dir)
    reasons = skip_reasons(output)
    assert skipped_count(output) >= 5, output
    assert reasons and all("opt-in" in r for r in reasons), output


@pytest.mark.parametrize(
    ("args", "env"),
    [(("-m", "e2e"), {}), ((), {"ROCM_VLLM_E2E": "1"})],
    ids=["marker", "env-var"],
)
def test_opting_in_without_a_kind_cluster_skips(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    # Opted in, every tool present, but no cluster handed over by ci/kind/run-e2e.sh: nothing may run.
    bin_dir = tmp_path / "bin"
    stub_tools(bin_dir, {"kubectl": 0, "docker": 0, "kind": 0, "helm": 0})
    output = run_e2e_suite(bin_dir, *args, env_extra=env)
    reasons = skip_reasons(output)
    assert not ran_any(output), output
    assert reasons and all("no kind cluster handed over" in r for r in reasons if "parameter set" not in r), (
        output
    )
