"""Gate and fixtures for the kind end-to-end suite.

The suite is always collected. It runs only when every tool is present (docker with a reachable engine,
kind, kubectl, helm), the user opted in (`-m e2e` or ROCM_VLLM_E2E=1; `make e2e` does both through
ci/kind/run-e2e.sh), and run-e2e.sh handed over its cluster. Otherwise each test is skipped with a reason
that says which of these is missing, so a plain `pytest` stays fast and never touches a cluster.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from .kube import Cluster

REQUIRED_TOOLS = ("docker", "kind", "kubectl", "helm")
OPT_IN_ENV = "ROCM_VLLM_E2E"
KUBECONFIG_ENV = "ROCM_VLLM_E2E_KUBECONFIG"
CLUSTER_ENV = "ROCM_VLLM_E2E_CLUSTER"
E2E_DIR = Path(__file__).resolve().parent


@functools.cache
def missing_tools() -> tuple[str, ...]:
    """Names of the missing tools; docker counts as missing when its engine does not answer."""
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if "docker" not in missing:
        try:
            engine_ok = (
                subprocess.run(
                    ["docker", "info"],
                    capture_output=True,
                    timeout=20,
                    check=False,
                ).returncode
                == 0
            )
        except subprocess.TimeoutExpired:
            engine_ok = False
        if not engine_ok:
            missing.insert(0, "docker (engine not reachable: `docker info` failed)")
    return tuple(missing)


def opted_in(config: pytest.Config) -> bool:
    if os.environ.get(OPT_IN_ENV) == "1":
        return True
    markexpr = config.getoption("markexpr", default="") or ""
    # `-m e2e` or `-m "e2e and ..."` opts in; `-m "not e2e"` does not.
    return re.search(r"(?<!not )\be2e\b", markexpr) is not None


def skip_reason(config: pytest.Config) -> str | None:
    missing = missing_tools()
    if missing:
        return f"kind e2e suite needs docker, kind, kubectl and helm; missing: {', '.join(missing)}"
    if not opted_in(config):
        return f"kind e2e suite is opt-in: run `make e2e K8S_VERSION=...`, or pytest -m e2e / {OPT_IN_ENV}=1"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_items = [item for item in items if E2E_DIR in Path(str(item.path)).parents]
    if not e2e_items:
        return
    reason = skip_reason(config)
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
        if reason:
            # Prepended so this reason wins over any other skip (e.g. an empty parameter set).
            item.add_marker(pytest.mark.skip(reason=reason), append=False)


def _require_loopback_api_server(kubeconfig: Path) -> None:
    """Refuse any kubeconfig whose API server is not on loopback, where kind publishes it."""
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    for entry in config.get("clusters") or []:
        host = urlparse(entry["cluster"]["server"]).hostname or ""
        is_loopback = host == "localhost"
        if not is_loopback:
            try:
                is_loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                is_loopback = False
        if not is_loopback:
            pytest.exit(f"{kubeconfig}: API server {host!r} is not a local kind cluster; refusing to run", 3)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    kubeconfig = os.environ.get(KUBECONFIG_ENV)
    name = os.environ.get(CLUSTER_ENV)
    if not kubeconfig or not name:
        pytest.skip(
            f"no kind cluster handed over ({KUBECONFIG_ENV}/{CLUSTER_ENV} unset): run ci/kind/run-e2e.sh"
        )
    path = Path(kubeconfig)
    _require_loopback_api_server(path)
    return Cluster(name=name, kubeconfig=path)


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards; releases and PVCs go with it."""
    base = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-")
    name = f"{base}-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    try:
        yield name
    finally:
        if request.session.testsfailed:
            dump = cluster.kubectl(
                "get", "all,pvc,pdb,hpa,leaderworkerset", "-o", "wide", namespace=name, check=False
            )
            print(f"--- objects in {name} ---\n{dump.stdout}{dump.stderr}")
        cluster.kubectl(
            "delete", "namespace", name, "--wait=true", "--timeout=300s", timeout_s=320, check=False
        )
