#!/bin/sh
# The leader of a multi-node replica in Ray launch mode (charts/rocm-vllm, multiNode.launchMode "ray").
# It starts the Ray head, waits until every member of the LeaderWorkerSet group has joined with its GPUs,
# then replaces itself with `vllm serve <its arguments> --distributed-executor-backend ray`.
#
# Arguments: the `vllm serve` arguments (model first). Environment, set by the chart unless noted:
#   LWS_GROUP_SIZE                 pods in the group, the leader included (set by LeaderWorkerSet)
#   ROCM_VLLM_RAY_PORT             the Ray head's port (multiNode.rayPort)
#   ROCM_VLLM_GPUS_PER_NODE        GPUs each member brings (gpu.count; 0 when gpu.enabled is false)
#   ROCM_VLLM_GROUP_WAIT_SECONDS   how long the group may take to gather, counted from this script's
#                                  start (multiNode.rayWaitTimeoutSeconds); the leader's startup probe
#                                  allows this plus the model load budget, so this script reports first
#
# The wait is one Python process that connects to Ray once and polls the cluster state in-process:
# polling with a new `ray.init` per check would start a Ray job every few seconds.
set -eu

log() {
  printf '[ray-leader %s] %s\n' "$(date -u +%H:%M:%SZ)" "$*"
}

stop_ray() {
  ray stop --force >/dev/null 2>&1 || true
}

: "${LWS_GROUP_SIZE:?is not set: LeaderWorkerSet sets it on every pod of a group}"
: "${ROCM_VLLM_RAY_PORT:?is not set (chart value multiNode.rayPort)}"
: "${ROCM_VLLM_GPUS_PER_NODE:?is not set (chart value gpu.count)}"
: "${ROCM_VLLM_GROUP_WAIT_SECONDS:?is not set (chart value multiNode.rayWaitTimeoutSeconds)}"

# The deadline counts from the container's start, as the startup probe does.
ROCM_VLLM_GROUP_DEADLINE=$(($(date +%s) + ROCM_VLLM_GROUP_WAIT_SECONDS))
export ROCM_VLLM_GROUP_DEADLINE

# As PID 1 the shell ignores SIGTERM unless it traps it: stop Ray and leave when the pod is deleted.
trap 'log "terminated: stopping Ray"; stop_ray; exit 143' TERM INT

log "starting the Ray head on port ${ROCM_VLLM_RAY_PORT}"
if ! ray start --head --port="${ROCM_VLLM_RAY_PORT}"; then
  log "ERROR: ray start --head failed (its output is above); exiting" >&2
  stop_ray
  exit 1
fi

log "waiting up to ${ROCM_VLLM_GROUP_WAIT_SECONDS}s for ${LWS_GROUP_SIZE} Ray nodes with ${ROCM_VLLM_GPUS_PER_NODE} GPUs each"
# In the background so that a trapped SIGTERM interrupts the wait at once.
python3 - <<'PY' &
import os
import sys
import time

import ray


def log(message, stream=sys.stdout):
    print(f"[ray-leader {time.strftime('%H:%M:%SZ', time.gmtime())}] {message}", file=stream, flush=True)


deadline = int(os.environ["ROCM_VLLM_GROUP_DEADLINE"])
wait_seconds = int(os.environ["ROCM_VLLM_GROUP_WAIT_SECONDS"])
nodes_wanted = int(os.environ["LWS_GROUP_SIZE"])
gpus_per_node = int(os.environ["ROCM_VLLM_GPUS_PER_NODE"])
gpus_wanted = nodes_wanted * gpus_per_node

ray.init(address="auto", logging_level="WARNING", log_to_driver=False)
alive = []
summary = "the cluster state was never read"
last_summary, last_logged = None, 0.0
while True:
    try:
        alive = [node for node in ray.nodes() if node.get("Alive")]
    except Exception as exc:  # the head can be briefly busy: report it and poll again
        log(f"cannot read the Ray cluster state, retrying: {type(exc).__name__}: {exc}", sys.stderr)
    else:
        gpus = sum(node.get("Resources", {}).get("GPU", 0) for node in alive)
        summary = f"{len(alive)}/{nodes_wanted} Ray nodes, {gpus:g}/{gpus_wanted} GPUs"
        if len(alive) >= nodes_wanted and gpus >= gpus_wanted:
            log(f"group complete: {summary}")
            break
        now = time.time()
        if summary != last_summary or now - last_logged >= 30:
            log(f"waiting for the group: {summary}")
            last_summary, last_logged = summary, now
    remaining = deadline - time.time()
    if remaining <= 0:
        members = ", ".join(
            f"{node.get('NodeManagerAddress', '?')} with {node.get('Resources', {}).get('GPU', 0):g} GPUs"
            for node in alive
        )
        log(
            f"ERROR: timed out after {wait_seconds}s (multiNode.rayWaitTimeoutSeconds) waiting for the group: "
            f"{summary}, expected {gpus_per_node} GPUs (gpu.count) on each of {nodes_wanted} nodes. "
            f"Joined: {members or 'none'}. A member with fewer GPUs has no amd.com/gpu allocation or its "
            "GPUs are not visible to Ray. Exiting so that LeaderWorkerSet recreates the group.",
            sys.stderr,
        )
        sys.exit(1)
    time.sleep(min(2.0, remaining))
ray.shutdown()
PY
watcher=$!
if ! wait "${watcher}"; then
  log "ERROR: the Ray group did not gather (see above); stopping Ray and exiting" >&2
  stop_ray
  exit 1
fi

trap - TERM INT
log "starting vllm serve with the Ray executor"
exec vllm serve "$@" --distributed-executor-backend ray
