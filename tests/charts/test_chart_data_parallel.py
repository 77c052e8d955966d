"""charts/rocm-vllm's data parallel + expert parallel: the rank arithmetic of every pod of a group, computed by
running the rendered launch command (files/dp-launch.sh) with a stub `vllm` that prints its arguments, the Services
and PodMonitor each load-balancing mode needs, probes that never call HTTP on a headless worker, the fabric and
MoRI settings, and the value combinations the chart refuses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_objects import container, merged, one, pod_specs

from rocm_vllm.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "charts" / "rocm-vllm" / "ci"
LEADER_ADDRESS = "rocm-vllm-0.rocm-vllm.default"

# DP 16 = 2 pods x 8 ranks of TP 1 (the wide-EP shape of ci/dp-across-nodes-values.yaml, without its fabric).
DP16: dict[str, Any] = {
    "multiNode": {"nodesPerReplica": 2, "launchMode": "mp"},
    "gpu": {"count": 8},
    "vllm": {"tensorParallelSize": 1, "dataParallelSize": 16, "enableExpertParallel": True},
}


def flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def launch(pod: dict[str, Any], worker_index: int, group_size: int, stub_bin: Path) -> list[str]:
    """Run a rendered pod's command as the kubelet would, LWS env injected, with `vllm` printing its argv."""
    c = container(pod)
    env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
    env.update(
        PATH=f"{stub_bin}{os.pathsep}{os.environ['PATH']}",
        LWS_LEADER_ADDRESS=LEADER_ADDRESS,
        LWS_WORKER_INDEX=str(worker_index),
        LWS_GROUP_SIZE=str(group_size),
    )
    done = subprocess.run(
        [*c["command"], *c["args"]], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[dp-launch "), lines  # the script logs the ranks it starts
    return lines[1:]


@pytest.fixture(scope="module")
def stub_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bin")
    stub = directory / "vllm"
    stub.write_text('#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n', encoding="utf-8")
    stub.chmod(0o755)
    return directory


def group_argvs(objects: list[dict[str, Any]], stub_bin: Path) -> list[list[str]]:
    """The `vllm` argv of every pod of one group, by worker index."""
    pods = pod_specs(objects)
    size = one(objects, "LeaderWorkerSet")["spec"]["leaderWorkerTemplate"]["size"]
    argvs = []
    for index in range(size):
        argv = launch(pods["leader" if index == 0 else "worker"], index, size, stub_bin)
        assert argv[0] == "serve"
        argvs.append(argv[1:])
    return argvs


@pytest.mark.parametrize(
    ("nodes", "tensor", "lb"),
    [(2, 1, "internal"), (2, 1, "hybrid"), (4, 2, "internal"), (3, 4, "hybrid"), (2, 8, "internal")],
)
def test_every_pod_runs_its_own_ranks(
    render_objects: Any, stub_bin: Path, nodes: int, tensor: int, lb: str
) -> None:
    local = 8 // tensor
    values = merged(
        DP16,
        {
            "multiNode": {"nodesPerReplica": nodes},
            "vllm": {"tensorParallelSize": tensor, "dataParallelSize": local * nodes},
            "dataParallel": {"loadBalancing": lb, "apiServerCount": 4},
        },
    )
    argvs = group_argvs(render_objects(values), stub_bin)
    assert len(argvs) == nodes
    covered: list[int] = []
    for index, args in enumerate(argvs):
        assert flag(args, "--data-parallel-size") == str(local * nodes)
        assert flag(args, "--data-parallel-size-local") == str(local)
        assert int(flag(args, "--data-parallel-size-local") or 0) * tensor == 8  # ranks x TP = GPUs per pod
        assert flag(args, "--data-parallel-address") == LEADER_ADDRESS
        assert flag(args, "--data-parallel-rpc-port") == "29550"
        assert "--nnodes" not in args and "--node-rank" not in args
        start = flag(args, "--data-parallel-start-rank")
        if lb == "internal" and index == 0:
            # vLLM 0.23.0 treats any start rank, even 0, as hybrid when defaulting --api-server-count
            assert start is None and "--headless" not in args
            assert flag(args, "--api-server-count") == "4"
            first = 0
        else:
            assert start == str(index * local)
            first = int(start)
        if lb == "internal" and index > 0:
            assert "--headless" in args and "--api-server-count" not in args
        if lb == "hybrid":
            assert "--data-parallel-hybrid-lb" in args and "--headless" not in args
            assert flag(args, "--api-server-count") == "4"
        covered.extend(range(first, first + local))
    assert covered == list(range(local * nodes))  # every rank exactly once, in order


def test_launch_script_refuses_a_bad_worker_index(render_objects: Any, stub_bin: Path) -> None:
    pod = pod_specs(render_objects(DP16))["worker"]
    c = container(pod)
    env = {e["name"]: e["value"] for e in c["env"] if "value" in e}
    env.update(
        PATH=f"{stub_bin}{os.pathsep}{os.environ['PATH']}", LWS_LEADER_ADDRESS="x", LWS_WORKER_INDEX="-1"
    )
    done = subprocess.run([*c["command"], *c["args"]], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "LWS_WORKER_INDEX '-1' is not a non-negative integer" in done.stderr
    assert done.stdout == ""


def test_internal_lb_serves_from_leaders_and_probes_workers_without_http(render_objects: Any) -> None:
    objects = render_objects(merged(DP16, {"metrics": {"podMonitor": {"enabled": True}}}))
    leaders_only = {"leaderworkerset.sigs.k8s.io/worker-index": "0"}
    assert one(objects, "Service")["spec"]["selector"].items() >= leaders_only.items()
    assert one(objects, "PodMonitor")["spec"]["selector"]["matchLabels"].items() >= leaders_only.items()
    worker = container(pod_specs(objects)["worker"])
    assert "ports" not in worker and "lifecycle" not in worker
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = worker[kind]
        assert "httpGet" not in probe
        # the leader's API port: the DP handshake port closes once the engines are up
        assert "8000" in probe["exec"]["command"][-1]


def test_hybrid_lb_serves_from_every_pod(render_objects: Any) -> None:
    values = merged(
        DP16,
        {
            "dataParallel": {"loadBalancing": "hybrid"},
            "metrics": {"podMonitor": {"enabled": True}},
            "apiKey": {"secretName": "key"},
        },
    )
    objects = render_objects(values)
    assert "leaderworkerset.sigs.k8s.io/worker-index" not in one(objects, "Service")["spec"]["selector"]
    assert (
        "leaderworkerset.sigs.k8s.io/worker-index"
        not in (one(objects, "PodMonitor")["spec"]["selector"]["matchLabels"])
    )
    worker = container(pod_specs(objects)["worker"])
    assert worker["ports"][0]["name"] == "http"
    assert worker["readinessProbe"]["httpGet"]["path"] == "/health"
    assert "VLLM_API_KEY" in {e["name"] for e in worker["env"]}


def test_group_members_reach_each_other_on_every_port(render_objects: Any) -> None:
    objects = render_objects(merged(DP16, {"networkPolicy": {"enabled": True}}))
    (group,) = [
        o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"].endswith("-group-0")
    ]
    (rule,) = group["spec"]["ingress"]
    assert "ports" not in rule  # ephemeral ZMQ, torch.distributed and RCCL ports: no port list
    assert rule["from"][0]["podSelector"]["matchLabels"]["leaderworkerset.sigs.k8s.io/group-index"] == "0"


def test_single_node_dp_ep_flags(render_objects: Any) -> None:
    values = yaml.safe_load((CI / "dp-single-node-values.yaml").read_text(encoding="utf-8"))
    args = container(pod_specs(render_objects(values))["single"])["args"]
    assert flag(args, "--data-parallel-size") == "8"
    assert "--enable-expert-parallel" in args
    assert flag(args, "--all2all-backend") == "mori_low_latency"
    assert flag(args, "--api-server-count") == "8"
    for absent in ("--data-parallel-size-local", "--data-parallel-address", "--headless"):
        assert absent not in args


def test_eplb_and_fabric_settings(render_objects: Any) -> None:
    values = yaml.safe_load((CI / "dp-across-nodes-values.yaml").read_text(encoding="utf-8"))
    objects = render_objects(values)
    for role, pod in pod_specs(objects).items():
        c = container(pod)
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env["MORI_SHMEM_HEAP_SIZE"] == "17179869184", role
        assert env["MORI_DEVICE_NIC"] == "ionic"
        assert env["NCCL_IB_DISABLE"] == "1"
        assert "MORI_RDMA_DEVICES" not in env  # "" leaves it unset
        assert c["resources"]["limits"]["amd.com/vnic"] == 8
        assert c["securityContext"]["capabilities"]["add"] == ["IPC_LOCK"]
        assert pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"].count("amd-host-device-nad") == 8
        args = c["args"]
        assert flag(args, "--eplb-config") == '{"num_redundant_experts":32}'
        assert "--enable-eplb" in args


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"multiNode": {"launchMode": "ray"}}, 'needs multiNode.launchMode \\"mp\\"'),
        (
            {"vllm": {"dataParallelSize": 15}},
            "Make vllm.dataParallelSize = sizeLocal x multiNode.nodesPerReplica",
        ),
        ({"dataParallel": {"sizeLocal": 4}}, "runs dataParallel.sizeLocal 4 ranks, 8 in all"),
        ({"dataParallel": {"sizeLocal": 32}}, "exceeds vllm.dataParallelSize 16"),
        ({"vllm": {"tensorParallelSize": 2}}, "= 16 GPUs but requests gpu.count 8"),
        (
            {"multiNode": {"nodesPerReplica": 1}, "dataParallel": {"sizeLocal": 8}, "gpu": {"count": 16}},
            "on one node (multiNode.nodesPerReplica 1), where the pod runs every rank",
        ),
        ({"dataParallel": {"all2allBackend": "deepep_low_latency"}}, "all2allBackend"),
        ({"dataParallel": {"loadBalancing": "external"}}, "loadBalancing"),
    ],
)
def test_refused_combinations(render_objects: Any, override: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        render_objects(merged(DP16, override))
    assert message.replace("\\", "") in str(error.value).replace("\\", "")
