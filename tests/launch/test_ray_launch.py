"""The rendered Ray launch scripts (charts/rocm-vllm/files/ray-*.sh) run as a two-pod LeaderWorkerSet group.

Every case renders the chart, runs the leader's and the worker's container command with exactly their rendered
environment in network namespaces of their own, with Ray from tests/launch/requirements.txt and a stub `vllm`,
and emulates 8 GPUs per pod. Timeouts come from chart values, so each case ends in well under a minute.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from .pods import Hosts, render_group, startup_budget_seconds

GROUP: dict[str, Any] = {
    "model": {"id": "org/model"},
    "multiNode": {"nodesPerReplica": 2, "launchMode": "ray", "rayWaitTimeoutSeconds": 90},
    "gpu": {"count": 8},
    "vllm": {"tensorParallelSize": 8, "pipelineParallelSize": 2},
}
# A group that must give up soon: 20 s to gather, and startup probes of 5 s x 2 on top (30 s in all).
IMPATIENT: dict[str, Any] = {
    **GROUP,
    "multiNode": {**GROUP["multiNode"], "rayWaitTimeoutSeconds": 20},
    "probes": {
        "startup": {"enabled": True, "path": "/health", "periodSeconds": 5, "failureThreshold": 2},
        "worker": {"startup": {"enabled": True, "periodSeconds": 5, "failureThreshold": 2}},
    },
}
GPUS = 8
# Long enough for a Ray head and a worker to start on a loaded two-core machine.
JOIN_TIMEOUT = 50.0


def wait_for_vllm(hosts: Hosts, timeout: float = JOIN_TIMEOUT) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = hosts.vllm_started()
        if record is not None:
            return record
        if all(pod.process.poll() is not None for pod in hosts.pods):
            break
        time.sleep(0.5)
    raise AssertionError(f"vllm did not start within {timeout:.0f}s")


def test_all_join_and_vllm_starts_with_every_gpu_of_the_group(hosts: Hosts) -> None:
    leader_spec, worker_spec = render_group(GROUP)
    started = time.monotonic()
    leader = hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    worker = hosts.start("worker", worker_spec, group_size=2, gpus=GPUS)
    record = wait_for_vllm(hosts)
    print(f"group gathered and vllm started after {time.monotonic() - started:.1f}s")
    assert record["alive_nodes"] == 2 and record["gpus"] == 16
    # The leader's rendered args after $0, then the executor it picks.
    assert record["argv"] == ["serve", *leader_spec["args"][1:], "--distributed-executor-backend", "ray"]
    assert record["argv"][1] == "org/model"
    log = leader.log()
    assert "waiting up to 90s for 2 Ray nodes with 8 GPUs each" in log
    assert "group complete: 2/2 Ray nodes, 16/16 GPUs" in log
    # One Ray driver for the whole wait, not one per poll: the wait's job and vLLM's are the only ones.
    assert record["ray_jobs"] == 2
    assert leader.process.poll() is None and worker.process.poll() is None, "both pods keep serving"


def test_leader_gives_up_on_a_missing_worker_before_its_startup_probe(hosts: Hosts) -> None:
    leader_spec, _ = render_group(IMPATIENT)
    budget = startup_budget_seconds(leader_spec)
    assert budget == 30
    leader = hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    code = leader.wait(timeout=budget + 15)
    elapsed = time.monotonic() - leader.started
    print(f"leader exited {code} after {elapsed:.1f}s; its startup probe allows {budget}s")
    assert code == 1
    assert elapsed < budget, "the startup probe would have restarted the leader before it reported"
    log = leader.log()
    assert "ERROR: timed out after 20s (multiNode.rayWaitTimeoutSeconds)" in log
    assert "1/2 Ray nodes, 8/16 GPUs" in log
    assert hosts.vllm_started() is None


def test_worker_started_first_retries_visibly_and_joins(hosts: Hosts) -> None:
    leader_spec, worker_spec = render_group(GROUP)
    worker = hosts.start("worker", worker_spec, group_size=2, gpus=GPUS)
    assert worker.wait_for_log("not reachable yet (attempt 2,", timeout=20), worker.log()
    assert "ConnectionRefusedError" in worker.log(), "each retry says why it failed"
    hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    record = wait_for_vllm(hosts)
    assert record["alive_nodes"] == 2 and record["gpus"] == 16
    assert "reachable at" in worker.log() and "joining" in worker.log()


def test_worker_exits_when_its_leader_dies(hosts: Hosts) -> None:
    leader_spec, worker_spec = render_group(GROUP)
    leader = hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    worker = hosts.start("worker", worker_spec, group_size=2, gpus=GPUS)
    wait_for_vllm(hosts)
    leader.kill()
    killed = time.monotonic()
    code = worker.wait(timeout=45)
    print(f"worker exited {code} {time.monotonic() - killed:.1f}s after its leader died")
    assert code == 1
    assert "ERROR: lost the Ray head at" in worker.log()


def test_a_worker_without_gpus_keeps_the_leader_waiting_then_failing(hosts: Hosts) -> None:
    leader_spec, worker_spec = render_group(IMPATIENT)
    budget = startup_budget_seconds(leader_spec)
    leader = hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    hosts.start("worker", worker_spec, group_size=2, gpus=0)
    code = leader.wait(timeout=budget + 15)
    elapsed = time.monotonic() - leader.started
    print(f"leader exited {code} after {elapsed:.1f}s; its startup probe allows {budget}s")
    assert code == 1 and elapsed < budget
    log = leader.log()
    # Every node joined, yet vllm never started: the wait counts GPUs.
    assert "waiting for the group: 2/2 Ray nodes, 8/16 GPUs" in log
    assert "2/2 Ray nodes, 8/16 GPUs, expected 8 GPUs (gpu.count) on each of 2 nodes" in log
    assert "with 0 GPUs" in log
    assert hosts.vllm_started() is None


def test_worker_gives_up_on_a_missing_head_before_its_startup_probe(hosts: Hosts) -> None:
    _, worker_spec = render_group(IMPATIENT)
    budget = startup_budget_seconds(worker_spec)
    worker = hosts.start("worker", worker_spec, group_size=2, gpus=GPUS)
    code = worker.wait(timeout=budget + 15)
    elapsed = time.monotonic() - worker.started
    print(f"worker exited {code} after {elapsed:.1f}s; its startup probe allows {budget}s")
    assert code == 1 and elapsed < budget
    log = worker.log()
    assert log.count("not reachable yet") >= 3
    assert "ERROR: gave up after 20s (multiNode.rayWaitTimeoutSeconds)" in log


def test_leader_stops_ray_and_exits_on_sigterm(hosts: Hosts) -> None:
    leader_spec, _ = render_group(GROUP)
    leader = hosts.start("leader", leader_spec, group_size=2, gpus=GPUS)
    assert leader.wait_for_log("waiting for the group", timeout=JOIN_TIMEOUT), leader.log()
    # SIGTERM to the pod's PID 1 (the kubelet's stop), which ignores it unless the script traps it.
    (init,) = Path(f"/proc/{leader.process.pid}/task/{leader.process.pid}/children").read_text().split()
    os.kill(int(init), signal.SIGTERM)
    code = leader.wait(timeout=20)
    assert code == 143, leader.log()
    assert "terminated: stopping Ray" in leader.log()


def test_impatient_values_change_only_the_budgets() -> None:
    """The fast cases run the chart's scripts and environment unchanged; only the wait and the probes shrink."""
    for patient, impatient in zip(render_group(GROUP), render_group(IMPATIENT), strict=True):
        assert patient["command"] == impatient["command"] and patient["args"] == impatient["args"]
        changed = {e["name"] for e in patient["env"]} ^ {e["name"] for e in impatient["env"]}
        changed |= {a["name"] for a, b in zip(patient["env"], impatient["env"], strict=True) if a != b}
        assert changed == {"ROCM_VLLM_GROUP_WAIT_SECONDS"}
