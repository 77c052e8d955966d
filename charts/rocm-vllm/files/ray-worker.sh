#!/bin/sh
# A worker of a multi-node replica in Ray launch mode (charts/rocm-vllm, multiNode.launchMode "ray").
# It waits for the leader's Ray head, joins it with this pod's GPUs, and stays until the head goes away
# (then it exits, so that LeaderWorkerSet recreates the group) or the pod is deleted.
#
# Environment, set by the chart unless noted:
#   LWS_LEADER_ADDRESS             the group leader's address (set by LeaderWorkerSet)
#   ROCM_VLLM_RAY_PORT             the Ray head's port (multiNode.rayPort)
#   ROCM_VLLM_GROUP_WAIT_SECONDS   how long to wait for the head, counted from this script's start
#                                  (multiNode.rayWaitTimeoutSeconds, the leader's wait for the group)
set -eu

log() {
  printf '[ray-worker %s] %s\n' "$(date -u +%H:%M:%SZ)" "$*"
}

stop_ray() {
  ray stop --force >/dev/null 2>&1 || true
}

: "${LWS_LEADER_ADDRESS:?is not set: LeaderWorkerSet sets it on every pod of a group}"
: "${ROCM_VLLM_RAY_PORT:?is not set (chart value multiNode.rayPort)}"
: "${ROCM_VLLM_GROUP_WAIT_SECONDS:?is not set (chart value multiNode.rayWaitTimeoutSeconds)}"

head="${LWS_LEADER_ADDRESS}:${ROCM_VLLM_RAY_PORT}"
deadline=$(($(date +%s) + ROCM_VLLM_GROUP_WAIT_SECONDS))
# Seconds between checks of the head, and failed checks in a row that count as losing it.
interval=5
lost_after=3
# One TCP connection to the head (5 s timeout): prints the address it reached, or why it failed.
connect='import socket, sys
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), 5) as conn:
        print(conn.getpeername()[0])
except OSError as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)'

# As PID 1 the shell ignores SIGTERM unless it traps it: stop Ray and leave when the pod is deleted.
trap 'log "terminated: stopping Ray"; stop_ray; exit 143' TERM INT

attempt=0
while :; do
  attempt=$((attempt + 1))
  if reply=$(python3 -c "${connect}" "${LWS_LEADER_ADDRESS}" "${ROCM_VLLM_RAY_PORT}" 2>&1); then
    break
  fi
  error="${reply}"
  now=$(date +%s)
  if [ "${now}" -ge "${deadline}" ]; then
    log "ERROR: gave up after ${ROCM_VLLM_GROUP_WAIT_SECONDS}s (multiNode.rayWaitTimeoutSeconds) and ${attempt} attempts: the Ray head at ${head} never answered (last error: ${error}). Exiting so that LeaderWorkerSet recreates the group." >&2
    exit 1
  fi
  log "Ray head ${head} not reachable yet (attempt ${attempt}, $((deadline - now))s left): ${error}"
  sleep "${interval}" &
  wait $!
done

# Join by the address just reached: Ray's own gRPC resolver need not resolve the name as this check did (with
# Ray 2.60 it ignored /etc/hosts), and a recreated leader pod has a new address this old member must not join.
case "${reply}" in
  *:*) join="${head}" ;; # IPv6: keep the name
  *) join="${reply}:${ROCM_VLLM_RAY_PORT}" ;;
esac
log "Ray head ${head} reachable at ${join} (attempt ${attempt}): joining"
ray start --address="${join}" --block &
ray_pid=$!
lost=0
while kill -0 "${ray_pid}" 2>/dev/null; do
  sleep "${interval}" &
  wait $!
  if error=$(python3 -c "${connect}" "${join%:*}" "${ROCM_VLLM_RAY_PORT}" 2>&1); then
    lost=0
    continue
  fi
  lost=$((lost + 1))
  log "Ray head ${join} unreachable (${lost}/${lost_after}): ${error}"
  if [ "${lost}" -ge "${lost_after}" ]; then
    log "ERROR: lost the Ray head at ${join}; stopping Ray and exiting so that LeaderWorkerSet recreates the group" >&2
    stop_ray
    exit 1
  fi
done
status=0
wait "${ray_pid}" || status=$?
log "ERROR: ray start exited with status ${status} (its output is above); exiting" >&2
exit 1
