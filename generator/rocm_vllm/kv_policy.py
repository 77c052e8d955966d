"""Prefill/decode releases: the KV connector's ports each pool's vLLM listens on, read from the rendered pods, must
be admitted from the other pool by the NetworkPolicies that select it. An override can move a port away from the
one the chart's KV policy opens (VLLM_NIXL_SIDE_CHANNEL_PORT in a pool's vllm.extraEnv, a MoRIIO port in
disaggregation.connector.moriio.extraConfig) or a policy of the release can leave it closed; either way the transfer
would hang at its handshake, so the render is refused with what to change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rocm_vllm.vllm_argv import last_flag_value

ROLE_LABEL = (
    "llm-d.ai/role"  # llm-d-router v0.10.0 pkg/epp/framework/plugins/scheduling/filter/bylabel/roles.go
)
POOLS = ("prefill", "decode")
NIXL_DEFAULT_SIDE_CHANNEL_PORT = 5600  # vLLM 0.23.0 envs.py VLLM_NIXL_SIDE_CHANNEL_PORT
MORIIO_DEFAULT_PORTS = {"handshake_port": 6301, "notify_port": 61005}  # vLLM 0.23.0 MoRIIOConstants


@dataclass(frozen=True)
class PoolPod:
    role: str
    workload: str  # "Deployment/<name>" or "LeaderWorkerSet/<name>"
    labels: Mapping[str, str]
    ports: tuple[int, ...]


def kv_listen_ports(template: Mapping[str, Any]) -> tuple[int, ...]:
    """The TCP ports a pod template's vLLM listens on for its KV connector (none without --kv-transfer-config)."""
    vllm = next((c for c in template["spec"]["containers"] if c["name"] == "vllm"), None)
    if vllm is None:
        return ()
    args = [str(a) for a in vllm.get("args", [])]
    config_text = last_flag_value(args, "--kv-transfer-config")
    if config_text is None:
        return ()
    config = json.loads(config_text)
    data_parallel = int(last_flag_value(args, "--data-parallel-size") or 1)
    tensor = int(last_flag_value(args, "--tensor-parallel-size") or 1)
    env = {e["name"]: e.get("value") for e in vllm.get("env", [])}  # the last of a repeated name wins
    if config.get("kv_connector") == "NixlConnector":
        base = int(env.get("VLLM_NIXL_SIDE_CHANNEL_PORT") or NIXL_DEFAULT_SIDE_CHANNEL_PORT)
        return tuple(range(base, base + data_parallel))  # one side channel per DP rank (nixl/scheduler.py)
    if config.get("kv_connector") == "MoRIIOConnector":
        extra = config.get("kv_connector_extra_config") or {}
        ports: list[int] = []
        for key, default in MORIIO_DEFAULT_PORTS.items():
            base = int(extra.get(key, default))
            ports.extend(range(base, base + data_parallel + tensor - 1))  # + DP rank + TP rank
        return tuple(ports)
    return ()


def pool_pods(objects: Iterable[Mapping[str, Any]]) -> list[PoolPod]:
    pods = []
    for obj in objects:
        kind, name = obj.get("kind"), obj.get("metadata", {}).get("name")
        templates = []
        if kind == "Deployment":
            templates = [obj["spec"]["template"]]
        elif kind == "LeaderWorkerSet":
            lwt = obj["spec"]["leaderWorkerTemplate"]
            templates = [t for t in (lwt.get("leaderTemplate"), lwt.get("workerTemplate")) if t]
        for template in templates:
            labels = template.get("metadata", {}).get("labels", {})
            if labels.get(ROLE_LABEL) in POOLS:
                pods.append(PoolPod(labels[ROLE_LABEL], f"{kind}/{name}", labels, kv_listen_ports(template)))
    return pods


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """matchLabels only: the chart writes no matchExpressions; a selector with them is taken as not matching."""
    if selector is None:
        return False
    if selector.get("matchExpressions"):
        return False
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _peer_admits(peer: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if "ipBlock" in peer or peer.get("namespaceSelector") not in (None, {}):
        return False  # another namespace or an address range: not the release's own pods
    return _selects(peer.get("podSelector", {}), labels)


def _port_admits(entry: Mapping[str, Any], port: int) -> bool:
    if entry.get("protocol", "TCP") != "TCP" or not isinstance(entry.get("port"), int):
        return entry.get("port") is None and entry.get("protocol", "TCP") == "TCP"
    return int(entry["port"]) <= port <= int(entry.get("endPort", entry["port"]))


def _admits(policy: Mapping[str, Any], peer_labels: Mapping[str, str], port: int) -> bool:
    for rule in policy.get("spec", {}).get("ingress") or []:
        peers = rule.get("from")
        ports = rule.get("ports")
        if peers and not any(_peer_admits(p, peer_labels) for p in peers):
            continue
        if ports and not any(_port_admits(p, port) for p in ports):
            continue
        return True
    return False


def closed_kv_ports(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per pool whose KV ports the release's NetworkPolicies select but do not admit from the other pool."""
    pods = pool_pods(objects)
    policies = [
        o
        for o in objects
        if o.get("kind") == "NetworkPolicy" and "Ingress" in o["spec"].get("policyTypes", ["Ingress"])
    ]
    problems = []
    for pod in pods:
        selecting = [p for p in policies if _selects(p["spec"].get("podSelector"), pod.labels)]
        if not selecting:
            continue  # no policy isolates these pods: every port is open
        others = [o for o in pods if o.role != pod.role]
        closed = sorted(
            {
                port
                for port in pod.ports
                for other in others
                if not any(_admits(p, other.labels, port) for p in selecting)
            }
        )
        if closed:
            other_role = others[0].role
            problems.append(
                f"{pod.workload}: the {pod.role} pool's vLLM listens on TCP {', '.join(map(str, closed))} for KV "
                f"transfer, but no NetworkPolicy selecting its pods admits the {other_role} pool there. Set the "
                "ports with disaggregation.connector.* (the chart's <pool>-kv policies open those), not with "
                "VLLM_NIXL_SIDE_CHANNEL_PORT or kv_connector_extra_config in a pool's own values, and keep "
                "networkPolicy.enabled the same for both pools"
            )
    return problems
