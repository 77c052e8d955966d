"""The KEDA SLO trigger defaults (charts/rocm-vllm keda.slo) a recipe's goal gives.

The triggers query vLLM 0.23.0's own Prometheus metrics (vllm/v1/metrics/loggers.py in the wheel;
docs/research/issues-13-15-facts.md section i): vllm:num_requests_waiting (queue), vllm:kv_cache_usage_perc (KV
cache, 0 to 1) and the vllm:time_to_first_token_seconds histogram (TTFT percentile). A latency recipe keeps few
sequences per replica and buys replicas early: a short queue, a KV cache three quarters full and the p95 time to
first token. A throughput recipe runs large batches, whose queue and cache are meant to be busy: it scales on a
longer queue and a fuller cache, and leaves TTFT alone (a batch-filled replica's first tokens are slow by design).
The recipe's deployment.slo fields (data/fields.yaml) override these, row by row, after them.
"""

from __future__ import annotations

from typing import Any

# goal -> keda.slo values. The figures are starting points, not measurements: tune them per model from the
# dashboards (charts/rocm-vllm files/dashboards) before relying on them.
GOAL_TRIGGERS: dict[str, dict[str, Any]] = {
    "latency": {
        "queue": {"enabled": True, "threshold": 2},
        "kvCache": {"enabled": True, "threshold": 0.75},
        "ttft": {"enabled": True, "quantile": 0.95, "thresholdSeconds": 2},
    },
    "throughput": {
        "queue": {"enabled": True, "threshold": 16},
        "kvCache": {"enabled": True, "threshold": 0.9},
        "ttft": {"enabled": False},
    },
}


def slo_trigger_values(goal: str) -> dict[str, Any]:
    """The chart's keda.slo for a recipe goal (a fresh copy each call: the caller may change it)."""
    if goal not in GOAL_TRIGGERS:
        raise ValueError(
            f"no SLO trigger defaults for goal {goal!r}; known: {', '.join(sorted(GOAL_TRIGGERS))}"
        )
    return {name: dict(settings) for name, settings in GOAL_TRIGGERS[goal].items()}
