"""Data parallel across the pods of a LeaderWorkerSet group on kind: every running pod gets the start rank of its
worker index. The simulator does not run the launch script (it emulates neither --headless nor start ranks), so
the rank is computed from the running pods themselves: each pod's LWS_* env (injected by the LWS webhook) and the
chart's ROCM_VLLM_DP_* env, fed to the chart's files/dp-launch.sh with a `vllm` that prints its arguments."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .kube import Cluster, wait_until
from .lws import WORKER_INDEX, ready_groups
from .release import Release, values_files

pytestmark = pytest.mark.e2e

GROUP_SIZE = 2  # multiNode.nodesPerReplica in ci/kind/values/dp-across-nodes.yaml
DATA_PARALLEL = 4  # vllm.dataParallelSize there
SCRIPT = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm" / "files" / "dp-launch.sh"


def pod_env(pod: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in pod["spec"]["containers"][0].get("env") or [] if "value" in e}


def launch_argv(env: dict[str, str], stub_bin: Path) -> list[str]:
    """What files/dp-launch.sh would exec in a pod with this env (a stub vllm prints it)."""
    names = ("LWS_LEADER_ADDRESS", "LWS_WORKER_INDEX", "LWS_GROUP_SIZE")
    run_env = {k: v for k, v in env.items() if k.startswith("ROCM_VLLM_DP_") or k in names}
    run_env["PATH"] = f"{stub_bin}{os.pathsep}{os.environ['PATH']}"
    serve = ["model", "--data-parallel-size", str(DATA_PARALLEL)]
    done = subprocess.run(
        ["sh", str(SCRIPT), *serve], env=run_env, capture_output=True, text=True, timeout=30, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[1] == "serve", done.stdout
    return lines[2:]


def test_each_pod_gets_its_start_rank(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    release = Release(cluster, "dp", namespace, values_files(None, "dp-across-nodes"))
    release.install()
    group = wait_until(
        f"a Ready LeaderWorkerSet group of {GROUP_SIZE}",
        lambda: g["0"] if (g := ready_groups(release.pods(), GROUP_SIZE)) else None,
        timeout_s=420,
    )
    stub = tmp_path / "vllm"
    stub.write_text('#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n', encoding="utf-8")
    stub.chmod(0o755)
    ranks: list[int] = []
    for index, pod in sorted(group.items(), key=lambda item: int(item[0])):
        env = pod_env(pod)
        assert env["LWS_WORKER_INDEX"] == pod["metadata"]["labels"][WORKER_INDEX] == index
        assert env["LWS_GROUP_SIZE"] == str(GROUP_SIZE)
        local = int(env["ROCM_VLLM_DP_SIZE_LOCAL"])
        assert local * GROUP_SIZE == DATA_PARALLEL
        argv = launch_argv(env, tmp_path)
        assert argv[argv.index("--data-parallel-address") + 1] == env["LWS_LEADER_ADDRESS"]
        if index == "0":
            assert "--data-parallel-start-rank" not in argv and "--headless" not in argv
            start = 0
        else:
            start = int(argv[argv.index("--data-parallel-start-rank") + 1])
            assert start == int(index) * local and "--headless" in argv
        ranks.extend(range(start, start + local))
    assert ranks == list(range(DATA_PARALLEL))
