"""`select` and `plan` on the command line: formats, exit codes, inventories from flags, files and clusters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rocm_vllm.cli import main

REPO = Path(__file__).resolve().parents[2]
NODES = REPO / "tests" / "fixtures" / "nodes"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_select_json_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["select", "meta-llama/Llama-3.1-405B-Instruct", "--gpu", "MI300X", "--gpus-per-node", "8"]
    assert main([*args, "--nodes", "2", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["chosen"]["gpu"] == "MI300X" and payload["inventory"] == ["2 node(s) x 8 MI300X"]
    assert {r["recipe"] for r in payload["rejected"]} >= {"llama-3-1-405b-mi355x-fp8-tp8-latency"}


def test_select_from_recorded_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["select", "llama-3.1-405b-instruct", "--nodes-file", str(NODES / "mixed-mi300x-mi355x.json")])
        == 0
    )
    out = capsys.readouterr().out
    assert "chosen: llama-3-1-405b-mi355x-fp8-tp8-latency" in out
    assert "note: mi300x-cordoned: cordoned, left out" in out


def test_select_no_fit_exits_1_with_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["select", "deepseek-ai/DeepSeek-R1", "--nodes-file", str(NODES / "one-mi300x-vf-4gpu.json")])
        == 1
    )
    out = capsys.readouterr().out
    assert "chosen: none" in out and "nearest: deepseek-r1-mi300x-fp8-tp8-throughput" in out


def test_select_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["select", "deepseek-r1"]) == 2
    assert "give the inventory one way" in capsys.readouterr().err
    assert main(["select", "deepseek-r1", "--gpu", "H100"]) == 2
    assert main(["select", "deepseek-r1", "--gpu", "MI300X", "--recipes-dir", "nowhere"]) == 2


def test_select_cluster_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kubeconfig pointing at a closed loopback port: a clear message and exit 1, not a traceback."""
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        "clusters: [{name: dead, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: u}}]\nusers: [{name: u, user: {token: x}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert main(["select", "deepseek-r1", "--from-cluster"]) == 1
    assert "cluster unreachable" in capsys.readouterr().err


def _live_cluster_reason() -> str | None:
    if os.environ.get("ROCM_VLLM_LIVE_CLUSTER") != "1":
        return "live-cluster test: set ROCM_VLLM_LIVE_CLUSTER=1 with a kubeconfig for a cluster with AMD GPU nodes"
    if shutil.which("kubectl") is None:
        return "live-cluster test needs kubectl"
    probe = subprocess.run(
        ["kubectl", "get", "nodes", "-o", "name"], capture_output=True, timeout=20, check=False
    )
    return (
        None if probe.returncode == 0 else "live-cluster test: no reachable cluster in the current kubeconfig"
    )


def test_select_from_live_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    reason = _live_cluster_reason()
    if reason:
        pytest.skip(reason)
    code = main(["select", "meta-llama/Llama-3.1-8B-Instruct", "--from-cluster", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and payload["inventory"] is not None


def test_plan_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "meta-llama/Llama-3.1-405B-Instruct", "--gpu", "MI300X", "--max-nodes", "2"]) == 0
    text = capsys.readouterr().out
    assert "Infeasible:" in text and "weights/GPU" in text
    assert main(["plan", "deepseek-r1", "--gpu", "MI355X", "--format", "json", "--all"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"] == "deepseek-ai/DeepSeek-R1"
    assert any(not layout["feasible"] for layout in payload["layouts"])


def test_plan_aiter_counts_its_buffers_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "MI300X", "--format", "json"]
    assert main(args) == 0
    off = json.loads(capsys.readouterr().out)
    assert main([*args, "--aiter"]) == 0
    on = json.loads(capsys.readouterr().out)
    assert (off["aiter"], on["aiter"]) == (False, True)
    tp2 = [
        next(row for row in payload["layouts"] if (row["tensor"], row["pipeline"]) == (2, 1))
        for payload in (off, on)
    ]
    assert tp2[1]["reserveBytesPerGpu"] - tp2[0]["reserveBytesPerGpu"] == 3 * 2**30 + 8 * 2**20
    assert tp2[1]["kvCacheTokens"] < tp2[0]["kvCacheTokens"]


def test_plan_no_feasible_layout_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "deepseek-r1", "--gpu", "MI210", "--gpus-per-node", "4", "--max-nodes", "1"]) == 1
    assert "(no feasible layout)" in capsys.readouterr().out


def test_plan_unknown_model_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "org/nothing", "--gpu", "MI300X"]) == 1
    assert "not in the catalog" in capsys.readouterr().err


def test_plan_of_a_recipe_file_shows_its_start_budget_and_kv_offload(
    capsys: pytest.CaptureFixture[str],
) -> None:
    recipe = "tests/recipes/valid/cold-start-options.yaml"
    assert main(["plan", recipe]) == 0
    out = capsys.readouterr().out
    assert "Start budget (weights from nodeLocal):" in out and "warm start" in out
    assert "startup probe: periodSeconds 10 x failureThreshold 179" in out
    assert "517 GiB (--kv-offloading-size)" in out
    assert main(["plan", recipe, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["startBudget"]["startupProbe"] == {
        "periodSeconds": 10,
        "failureThreshold": 179,
        "budgetSeconds": 1790,
    }
    assert payload["kvOffload"]["sizeGiB"] == 517


def test_plan_of_an_invalid_recipe_exits_1_with_its_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "tests/recipes/invalid/kv-offload-too-large.yaml"]) == 1
    assert "KV offload buffer 4000 GiB does not fit" in capsys.readouterr().err


def test_plan_of_a_model_still_needs_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "meta-llama/Llama-3.1-8B-Instruct"]) == 2
    assert "--gpu is required" in capsys.readouterr().err
