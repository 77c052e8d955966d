#!/bin/sh
# One pod of a multi-node data-parallel replica (charts/rocm-vllm, vllm.dataParallelSize > 1 across
# multiNode.nodesPerReplica pods, multiNode.launchMode "mp"). Every pod of the LeaderWorkerSet group runs its
# node's data-parallel ranks: this script adds the group-wide settings to the `vllm serve` arguments it is given
# (which carry --data-parallel-size, the total, and --data-parallel-size-local, this pod's ranks) and replaces
# itself with vllm serve.
#
# Arguments: the `vllm serve` arguments (model first). Environment, set by the chart unless noted:
#   LWS_LEADER_ADDRESS             the group leader's DNS name (set by LeaderWorkerSet): --data-parallel-address
#   LWS_WORKER_INDEX               this pod's index in the group, 0 = leader (set by LeaderWorkerSet v0.6.0+)
#   ROCM_VLLM_DP_SIZE_LOCAL        ranks per pod (dataParallel.sizeLocal, or the total / nodesPerReplica)
#   ROCM_VLLM_DP_RPC_PORT          the leader's DP handshake port (dataParallel.rpcPort)
#   ROCM_VLLM_DP_LOAD_BALANCING    internal or hybrid (dataParallel.loadBalancing)
#
# Ranks of pod i: i x ROCM_VLLM_DP_SIZE_LOCAL ... (i + 1) x ROCM_VLLM_DP_SIZE_LOCAL - 1.
# internal: the leader runs the API servers and the DP coordinator and gets NO --data-parallel-start-rank: vLLM
#   0.23.0 treats any start rank (even 0) as hybrid when it defaults --api-server-count (entrypoints/cli/serve.py);
#   the workers run --headless (no HTTP server) from their start rank.
# hybrid: every pod runs API servers for its own ranks (--data-parallel-hybrid-lb, start rank on every pod).
set -eu

log() {
  printf '[dp-launch %s] %s\n' "$(date -u +%H:%M:%SZ)" "$*"
}

: "${LWS_LEADER_ADDRESS:?is not set: LeaderWorkerSet sets it on every pod of a group}"
: "${LWS_WORKER_INDEX:?is not set: LeaderWorkerSet v0.6.0 or newer sets it on every pod of a group}"
: "${ROCM_VLLM_DP_SIZE_LOCAL:?is not set (chart value dataParallel.sizeLocal)}"
: "${ROCM_VLLM_DP_RPC_PORT:?is not set (chart value dataParallel.rpcPort)}"
: "${ROCM_VLLM_DP_LOAD_BALANCING:?is not set (chart value dataParallel.loadBalancing)}"

case "${LWS_WORKER_INDEX}" in
  '' | *[!0-9]*)
    log "ERROR: LWS_WORKER_INDEX '${LWS_WORKER_INDEX}' is not a non-negative integer" >&2
    exit 1
    ;;
esac
case "${ROCM_VLLM_DP_SIZE_LOCAL}" in
  '' | *[!0-9]* | 0)
    log "ERROR: ROCM_VLLM_DP_SIZE_LOCAL '${ROCM_VLLM_DP_SIZE_LOCAL}' is not a positive integer" >&2
    exit 1
    ;;
esac

start_rank=$((LWS_WORKER_INDEX * ROCM_VLLM_DP_SIZE_LOCAL))
last_rank=$((start_rank + ROCM_VLLM_DP_SIZE_LOCAL - 1))

case "${ROCM_VLLM_DP_LOAD_BALANCING}" in
  internal)
    if [ "${LWS_WORKER_INDEX}" -eq 0 ]; then
      log "leader: data-parallel ranks ${start_rank}-${last_rank}, API servers for the whole group (internal load balancing)"
      exec vllm serve "$@" --data-parallel-address "${LWS_LEADER_ADDRESS}" --data-parallel-rpc-port "${ROCM_VLLM_DP_RPC_PORT}"
    fi
    log "worker ${LWS_WORKER_INDEX}: headless data-parallel ranks ${start_rank}-${last_rank}, leader ${LWS_LEADER_ADDRESS}"
    exec vllm serve "$@" --data-parallel-address "${LWS_LEADER_ADDRESS}" --data-parallel-rpc-port "${ROCM_VLLM_DP_RPC_PORT}" --data-parallel-start-rank "${start_rank}" --headless
    ;;
  hybrid)
    log "pod ${LWS_WORKER_INDEX}: data-parallel ranks ${start_rank}-${last_rank} behind this pod's API servers (hybrid load balancing)"
    exec vllm serve "$@" --data-parallel-address "${LWS_LEADER_ADDRESS}" --data-parallel-rpc-port "${ROCM_VLLM_DP_RPC_PORT}" --data-parallel-start-rank "${start_rank}" --data-parallel-hybrid-lb
    ;;
  *)
    log "ERROR: ROCM_VLLM_DP_LOAD_BALANCING '${ROCM_VLLM_DP_LOAD_BALANCING}' is neither internal nor hybrid (chart value dataParallel.loadBalancing)" >&2
    exit 1
    ;;
esac
