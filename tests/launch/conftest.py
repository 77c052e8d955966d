"""Gate and fixtures for the launch-script suite (the rendered Ray scripts run for real, `make test-launch`).

The suite is always collected and runs when opted in (`-m launch` or ROCM_VLLM_LAUNCH=1) on a host where it can
work: root (network namespaces), iproute2's `ip`, util-linux's `unshare`, and a virtual environment with the
pinned Ray (ROCM_VLLM_LAUNCH_VENV, default .venv-launch, which `make test-launch` creates from
tests/launch/requirements.txt). Otherwise each test is skipped with the reason, so `make test` stays fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pods import REPO_ROOT, Hosts

OPT_IN_ENV = "ROCM_VLLM_LAUNCH"
VENV_ENV = "ROCM_VLLM_LAUNCH_VENV"
LAUNCH_DIR = Path(__file__).resolve().parent
REQUIREMENTS = LAUNCH_DIR / "requirements.txt"


def ray_bin() -> Path:
    return Path(os.environ.get(VENV_ENV, REPO_ROOT / ".venv-launch")).resolve() / "bin"


def pinned_ray_version() -> str:
    (pin,) = [
        line for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines() if line.startswith("ray==")
    ]
    return pin.removeprefix("ray==").strip()


def opted_in(config: pytest.Config) -> bool:
    if os.environ.get(OPT_IN_ENV) == "1":
        return True
    markexpr = config.getoption("markexpr", default="") or ""
    return re.search(r"(?<!not )\blaunch\b", markexpr) is not None


def skip_reason(config: pytest.Config) -> str | None:
    if not opted_in(config):
        return (
            f"the launch-script suite is opt-in: run `make test-launch`, or pytest -m launch / {OPT_IN_ENV}=1"
        )
    if os.geteuid() != 0:
        return "the launch-script suite needs root to create network namespaces"
    missing = [tool for tool in ("ip", "unshare", "mount") if shutil.which(tool) is None]
    if missing:
        return f"the launch-script suite needs iproute2 and util-linux; missing: {', '.join(missing)}"
    python = ray_bin() / "python3"
    if not python.exists():
        return f"no Ray virtual environment at {python.parent.parent}: run `make test-launch`"
    found = subprocess.run(
        [str(python), "-c", "import ray; print(ray.__version__)"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if found != pinned_ray_version():
        return f"{python} has Ray {found or 'not installed'}, the suite pins {pinned_ray_version()}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    launch_items = [item for item in items if LAUNCH_DIR in Path(str(item.path)).parents]
    if not launch_items:
        return
    reason = skip_reason(config)
    for item in launch_items:
        item.add_marker(pytest.mark.launch)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason), append=False)


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    """Two fresh network namespaces; every pod, namespace and file is removed afterwards."""
    pair = Hosts(ray_bin())
    try:
        pair.create()
        yield pair
    finally:
        pair.stop_pods()
        for pod in pair.pods:
            print(f"--- {pod.name} ---\n{pod.log()}")
        leftovers = pair.leftover_processes()
        pair.destroy()
    assert leftovers == [], f"processes outlived their pods: {leftovers}"
