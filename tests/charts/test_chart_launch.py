"""charts/rocm-vllm's multi-node launch, render-level: budgets that add up, the GPU count the Ray leader waits for,
scripts that report their retries and errors and give up on their own, an explicit mp backend, and the minimum
LeaderWorkerSet version. tests/launch runs the Ray scripts for real (`make test-launch`)."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_objects import merged

from rocm_vllm.vllm_facts import load_vllm_facts

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "rocm-vllm"
FILES = CHART / "files"
SCRIPTS = sorted(FILES.glob("*.sh"))
GROUP: dict[str, Any] = {
    "multiNode": {"nodesPerReplica": 2},
    "gpu": {"count": 8},
    "vllm": {"tensorParallelSize": 8, "pipelineParallelSize": 2},
}


def containers(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """role -> the vllm container (single, leader, worker)."""
    out = {}
    for obj in objects:
        if obj["kind"] == "Deployment":
            templates = {"single": obj["spec"]["template"]}
        elif obj["kind"] == "LeaderWorkerSet":
            lwt = obj["spec"]["leaderWorkerTemplate"]
            templates = {"leader": lwt["leaderTemplate"], "worker": lwt["workerTemplate"]}
        else:
            continue
        for role, template in templates.items():
            (out[role],) = [c for c in template["spec"]["containers"] if c["name"] == "vllm"]
    return out


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def startup_seconds(container: dict[str, Any]) -> int:
    probe = container["startupProbe"]
    return probe.get("initialDelaySeconds", 0) + probe["periodSeconds"] * probe["failureThreshold"]


# Item 7: the startup probe allows the group wait plus the model load.


def test_default_ray_budgets_add_up(render_objects: Any) -> None:
    pods = containers(render_objects(GROUP))
    load_budget = 10 * 180  # probes.startup defaults
    wait = 1800  # multiNode.rayWaitTimeoutSeconds default
    assert startup_seconds(pods["leader"]) == wait + load_budget
    assert startup_seconds(pods["worker"]) == wait + 10 * 180
    assert env(pods["leader"])["ROCM_VLLM_GROUP_WAIT_SECONDS"] == str(wait)


@pytest.mark.parametrize(
    ("wait", "period", "failures"), [(95, 10, 12), (20, 5, 2), (1, 7, 1), (3600, 30, 40)]
)
def test_ray_startup_probes_add_the_group_wait_rounded_up_to_periods(
    render_objects: Any, wait: int, period: int, failures: int
) -> None:
    probe = {"periodSeconds": period, "failureThreshold": failures}
    values = merged(
        GROUP,
        {"multiNode": {"rayWaitTimeoutSeconds": wait}},
        {"probes": {"startup": probe, "worker": {"startup": probe}}},
    )
    pods = containers(render_objects(values))
    for role in ("leader", "worker"):
        startup = pods[role]["startupProbe"]
        assert startup["failureThreshold"] == failures + math.ceil(wait / period)
        # The leader's own deadline (wait) comes first, and vLLM still has its whole load budget after it.
        assert startup_seconds(pods[role]) >= wait + period * failures
    # Readiness and liveness are not stretched.
    assert pods["leader"]["livenessProbe"]["failureThreshold"] == 6


@pytest.mark.parametrize(
    "values",
    [
        {},
        merged(GROUP, {"multiNode": {"launchMode": "mp"}}),
        merged(GROUP, {"command": ["sim"], "probes": {"worker": {"startup": {"enabled": False}}}}),
    ],
    ids=["single-node", "mp", "command-replaced"],
)
def test_startup_probes_without_the_ray_scripts_keep_their_own_budget(
    render_objects: Any, values: dict[str, Any]
) -> None:
    for role, container in containers(render_objects(values)).items():
        if "startupProbe" in container:
            assert container["startupProbe"]["failureThreshold"] == 180, role
        assert not any(name.startswith("ROCM_VLLM_") for name in env(container)), role


# Item 8: the leader waits for GPUs (gpu.count per node x nodes), not only nodes.


@pytest.mark.parametrize(
    ("gpu", "expected"), [({"count": 8}, "8"), ({"count": 4}, "4"), ({"enabled": False}, "0")]
)
def test_ray_pods_know_the_gpus_each_member_brings(
    render_objects: Any, gpu: dict[str, Any], expected: str
) -> None:
    pods = containers(render_objects(merged(GROUP, {"gpu": gpu})))
    assert env(pods["leader"])["ROCM_VLLM_GPUS_PER_NODE"] == expected
    assert env(pods["leader"]) == env(pods["worker"])


def test_leader_script_waits_for_nodes_and_gpus() -> None:
    leader = (FILES / "ray-leader.sh").read_text(encoding="utf-8")
    assert "gpus_wanted = nodes_wanted * gpus_per_node" in leader
    assert "len(alive) >= nodes_wanted and gpus >= gpus_wanted" in leader


# Item 9: one Ray connection for the whole wait, errors reported, retries logged, a deadline for the worker.


def test_leader_polls_through_one_ray_connection_and_keeps_its_errors() -> None:
    leader = (FILES / "ray-leader.sh").read_text(encoding="utf-8")
    assert leader.count("ray.init(") == 1
    assert leader.index("ray.init(") < leader.index("while True:"), "connect once, then poll"
    assert "/dev/null" not in leader.replace("ray stop --force >/dev/null 2>&1", ""), "no output is discarded"


@pytest.fixture
def stub_bin(tmp_path: Path) -> Path:
    """A PATH directory whose `ray` only records its arguments and fails: no real Ray is ever started or
    stopped by these tests, whatever the host has installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ray = bin_dir / "ray"
    ray.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "ray-calls"}\nexit 1\n', encoding="utf-8")
    ray.chmod(0o755)
    return bin_dir


def ray_calls(stub_bin: Path) -> list[str]:
    calls = stub_bin.parent / "ray-calls"
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def run_script(
    script: str,
    name: str,
    env_vars: dict[str, str],
    stub_bin: Path,
    args: tuple[str, ...] = (),
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    """A chart script under /bin/sh with exactly `env_vars` and a PATH whose `ray` is the stub."""
    return subprocess.run(
        ["/bin/sh", "-c", script, name, *args],
        env={"PATH": f"{stub_bin}:/usr/bin:/bin", **env_vars},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_worker_logs_each_retry_and_gives_up_at_its_deadline(render_objects: Any, stub_bin: Path) -> None:
    """The rendered worker against a head that never answers (a closed port on loopback)."""
    worker = containers(render_objects(merged(GROUP, {"multiNode": {"rayWaitTimeoutSeconds": 2}})))["worker"]
    variables = {**env(worker), "LWS_LEADER_ADDRESS": "127.0.0.1", "ROCM_VLLM_RAY_PORT": str(closed_port())}
    started = time.monotonic()
    proc = run_script(worker["command"][2], worker["args"][0], variables, stub_bin)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert time.monotonic() - started < 15
    assert "not reachable yet (attempt 1, " in proc.stdout and "ConnectionRefusedError" in proc.stdout
    assert "ERROR: gave up after 2s (multiNode.rayWaitTimeoutSeconds) and 2 attempts" in proc.stderr


@pytest.mark.parametrize("role", ["leader", "worker"])
def test_scripts_name_a_missing_setting(render_objects: Any, role: str, stub_bin: Path) -> None:
    container = containers(render_objects(GROUP))[role]
    lws = {"LWS_GROUP_SIZE": "2", "LWS_LEADER_ADDRESS": "127.0.0.1"}
    variables = {k: v for k, v in {**env(container), **lws}.items() if k != "ROCM_VLLM_RAY_PORT"}
    proc = run_script(container["command"][2], container["args"][0], variables, stub_bin)
    assert proc.returncode != 0
    assert f"ray-{role}:" in proc.stderr and "ROCM_VLLM_RAY_PORT" in proc.stderr


def test_leader_reports_a_failed_ray_start(render_objects: Any, stub_bin: Path) -> None:
    leader = containers(render_objects(GROUP))["leader"]
    variables = {**env(leader), "LWS_GROUP_SIZE": "2"}
    proc = run_script(leader["command"][2], leader["args"][0], variables, stub_bin, tuple(leader["args"][1:]))
    assert proc.returncode == 1
    assert "ERROR: ray start --head failed" in proc.stdout + proc.stderr
    assert ray_calls(stub_bin) == ["start --head --port=6379", "stop --force"]


def test_worker_exits_on_sigterm_while_waiting(render_objects: Any, stub_bin: Path) -> None:
    worker = containers(render_objects(GROUP))["worker"]
    variables = {**env(worker), "LWS_LEADER_ADDRESS": "127.0.0.1", "ROCM_VLLM_RAY_PORT": str(closed_port())}
    proc = subprocess.Popen(
        ["/bin/sh", "-c", worker["command"][2], worker["args"][0]],
        env={"PATH": f"{stub_bin}:/usr/bin:/bin", **variables},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 143, out
    assert "terminated: stopping Ray" in out
    assert ray_calls(stub_bin) == ["stop --force"]


# The scripts as files, safe from Kubernetes' $(VAR) expansion of command and args (tests/ci/test_shell_scripts.py
# shellchecks them).


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_launch_script_survives_kubernetes_expansion(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert "$$" not in text, "Kubernetes turns $$ into $ in command and args"
    assert re.findall(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", text) == [], "Kubernetes would substitute $(NAME)"
    assert os.access(script, os.R_OK)


def test_every_chart_file_is_a_launch_script_the_templates_use() -> None:
    templates = "".join(p.read_text(encoding="utf-8") for p in (CHART / "templates").glob("*.tpl"))
    # files/dashboards/ holds the Grafana dashboards (tests/charts/test_chart_observability.py checks those);
    # files/node-cache.py is the node-local cache tier's prefill and wait (tests/charts/test_chart_coldstart.py).
    python_files = {"node-cache.py"}
    assert {p.name for p in FILES.iterdir()} == {p.name for p in SCRIPTS} | {"dashboards"} | python_files
    for name in sorted({script.name for script in SCRIPTS} | python_files):
        assert f'"file" "{name}"' in templates, name


# Item 10: the mp backend is explicit and the chart states the LeaderWorkerSet version it needs.


def test_backends_the_chart_passes_exist_in_the_pinned_vllm(render_objects: Any) -> None:
    backends = load_vllm_facts().choices["distributedExecutorBackend"]
    for mode in ("ray", "mp"):
        pods = containers(render_objects(merged(GROUP, {"multiNode": {"launchMode": mode}})))
        leader = pods["leader"]
        if mode == "mp":
            for role in ("leader", "worker"):
                args = pods[role]["args"]
                assert args[args.index("--distributed-executor-backend") + 1] == "mp"
        else:
            assert "--distributed-executor-backend ray" in leader["command"][2]
        assert mode in backends


@pytest.mark.parametrize("chart", ["rocm-vllm", "rocm-vllm-stack"])
def test_charts_state_the_minimum_leaderworkerset_version(chart: str) -> None:
    meta = yaml.safe_load((REPO / "charts" / chart / "Chart.yaml").read_text(encoding="utf-8"))
    assert meta["annotations"]["rocm-vllm/lws-minimum-version"] == "v0.6.0"
    readme = (REPO / "charts" / chart / "README.md").read_text(encoding="utf-8")
    assert "v0.6.0 or newer" in readme


def test_readme_says_how_to_check_the_installed_leaderworkerset() -> None:
    readme = (CHART / "README.md").read_text(encoding="utf-8")
    assert "kubectl get deploy -n lws-system lws-controller-manager" in readme
    assert "LWS_WORKER_INDEX" in readme


def test_kind_suite_installs_a_leaderworkerset_the_chart_supports() -> None:
    def version(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.removeprefix("v").split("."))

    meta = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    kind = yaml.safe_load((REPO / "ci" / "kind" / "versions.yaml").read_text(encoding="utf-8"))
    assert version(kind["lws"]["version"]) >= version(meta["annotations"]["rocm-vllm/lws-minimum-version"])
