"""LeaderWorkerSet facts the multi-node tests read from the cluster."""

from __future__ import annotations

from typing import Any

from .kube import Cluster, condition, wait_until

GROUP_INDEX = "leaderworkerset.sigs.k8s.io/group-index"
WORKER_INDEX = "leaderworkerset.sigs.k8s.io/worker-index"


def is_ready(pod: dict[str, Any]) -> bool:
    ready = condition(pod, "Ready")
    return pod.get("status", {}).get("phase") == "Running" and bool(ready) and ready["status"] == "True"


def groups(pods: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """{group index: {worker index: pod}} for the LWS pods that are not being deleted."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        labels = pod["metadata"].get("labels", {})
        if GROUP_INDEX in labels and WORKER_INDEX in labels:
            result.setdefault(labels[GROUP_INDEX], {})[labels[WORKER_INDEX]] = pod
    return result


def ready_groups(pods: list[dict[str, Any]], size: int) -> dict[str, dict[str, dict[str, Any]]] | None:
    """The groups, if every group has `size` Ready pods; otherwise None (keep waiting)."""
    found = groups(pods)
    if found and all(len(g) == size and all(is_ready(p) for p in g.values()) for g in found.values()):
        return found
    return None


def leader_address(pod: dict[str, Any]) -> str:
    """LWS_LEADER_ADDRESS as the LWS webhook injected it into the pod's first container."""
    for env in pod["spec"]["containers"][0].get("env") or []:
        if env["name"] == "LWS_LEADER_ADDRESS":
            return str(env["value"])
    raise KeyError(f"pod {pod['metadata']['name']} has no LWS_LEADER_ADDRESS")


def resolves_from_pod(cluster: Cluster, namespace: str, pod: str, name: str, image: str) -> bool:
    """Resolve `name` from inside `pod` (an ephemeral container shares its network and resolv.conf)."""
    probe = "dns-probe"
    script = f'nslookup "{name}" || nslookup "{name}.svc.cluster.local"'
    cluster.kubectl(
        "debug",
        pod,
        f"--image={image}",
        f"--container={probe}",
        "--attach=false",
        "--",
        "sh",
        "-c",
        script,
        namespace=namespace,
    )

    def exit_code() -> tuple[int] | None:
        status = cluster.get("pod", pod, namespace=namespace)["status"]
        for entry in status.get("ephemeralContainerStatuses") or []:
            terminated = entry["name"] == probe and entry.get("state", {}).get("terminated")
            if terminated:
                return (int(terminated["exitCode"]),)
        return None

    # A tuple, because exit code 0 is falsy and wait_until keeps polling on falsy results.
    return wait_until(f"DNS probe in {pod}", exit_code, timeout_s=120) == (0,)
