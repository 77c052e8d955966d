#!/usr/bin/env python3
"""Generate the chart's Grafana dashboards (charts/rocm-vllm/files/dashboards/*.json).

The dashboards are built here from panel lists, so panel ids and grid positions are assigned in one place and the
JSON is byte-for-byte deterministic (sorted keys, two-space indent). The chart loads the files with .Files.Get
(templates/configmap-dashboards.yaml); tests/charts/test_chart_observability.py checks every query against the
sourced metric names in generator/rocm_vllm/data/observability-metrics.yaml.

    python scripts/generate_dashboards.py [--check]

With --check nothing is written and the exit code is 1 when a file differs from what this script gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "charts" / "rocm-vllm" / "files" / "dashboards"
COMMAND = "python scripts/generate_dashboards.py (make dashboards)"

# Rate window of every rate()/increase(): fixed (not Grafana's $__rate_interval) so each query is plain PromQL.
WINDOW = "5m"
VLLM = 'namespace=~"$namespace", model_name=~"$model_name"'
GPU = 'hostname=~"$hostname"'


def _quantiles(metric: str) -> list[tuple[str, str]]:
    """p50/p90/p99 of a vLLM histogram, per model."""
    return [
        (
            f"p{q[2:]} {{{{model_name}}}}",
            f"histogram_quantile({q}, sum by (le, model_name) (rate({metric}_bucket{{{VLLM}}}[{WINDOW}])))",
        )
        for q in ("0.50", "0.90", "0.99")
    ]


SERVING_PANELS: list[dict[str, Any]] = [
    {
        "title": "Requests running",
        "unit": "short",
        "targets": [
            ("{{model_name}} {{pod}}", f"sum by (model_name, pod) (vllm:num_requests_running{{{VLLM}}})")
        ],
    },
    {
        "title": "Requests waiting",
        "unit": "short",
        "targets": [
            ("{{model_name}} {{pod}}", f"sum by (model_name, pod) (vllm:num_requests_waiting{{{VLLM}}})")
        ],
    },
    {
        "title": "KV-cache usage",
        "unit": "percentunit",
        "targets": [
            ("{{model_name}} {{pod}}", f"max by (model_name, pod) (vllm:kv_cache_usage_perc{{{VLLM}}})")
        ],
    },
    {
        "title": "Preemptions per second",
        "unit": "ops",
        "targets": [
            ("{{model_name}}", f"sum by (model_name) (rate(vllm:num_preemptions_total{{{VLLM}}}[{WINDOW}]))")
        ],
    },
    {"title": "Time to first token", "unit": "s", "targets": _quantiles("vllm:time_to_first_token_seconds")},
    {
        "title": "Time per output token",
        "unit": "s",
        "targets": _quantiles("vllm:request_time_per_output_token_seconds"),
    },
    {"title": "Inter-token latency", "unit": "s", "targets": _quantiles("vllm:inter_token_latency_seconds")},
    {
        "title": "End-to-end request latency",
        "unit": "s",
        "targets": _quantiles("vllm:e2e_request_latency_seconds"),
    },
    {"title": "Queue time", "unit": "s", "targets": _quantiles("vllm:request_queue_time_seconds")},
    {
        "title": "Token throughput",
        "unit": "short",
        "targets": [
            (
                "prompt {{model_name}}",
                f"sum by (model_name) (rate(vllm:prompt_tokens_total{{{VLLM}}}[{WINDOW}]))",
            ),
            (
                "generation {{model_name}}",
                f"sum by (model_name) (rate(vllm:generation_tokens_total{{{VLLM}}}[{WINDOW}]))",
            ),
        ],
    },
    {
        "title": "Finished requests by reason",
        "unit": "reqps",
        "targets": [
            (
                "{{finished_reason}} {{model_name}}",
                f"sum by (model_name, finished_reason) (rate(vllm:request_success_total{{{VLLM}}}[{WINDOW}]))",
            )
        ],
    },
    {
        "title": "Errors and aborts (share of finished requests)",
        "unit": "percentunit",
        "targets": [
            (
                "{{finished_reason}} {{model_name}}",
                "sum by (model_name, finished_reason) "
                f'(rate(vllm:request_success_total{{{VLLM}, finished_reason=~"error|abort"}}[{WINDOW}])) '
                "/ on (model_name) group_left() "
                f"sum by (model_name) (rate(vllm:request_success_total{{{VLLM}}}[{WINDOW}]))",
            )
        ],
    },
    {
        "title": "Prefix-cache hit ratio",
        "unit": "percentunit",
        "targets": [
            (
                "{{model_name}}",
                f"sum by (model_name) (rate(vllm:prefix_cache_hits_total{{{VLLM}}}[{WINDOW}])) "
                f"/ sum by (model_name) (rate(vllm:prefix_cache_queries_total{{{VLLM}}}[{WINDOW}]))",
            )
        ],
    },
]

GPU_PANELS: list[dict[str, Any]] = [
    {
        "title": "GPU health (1 healthy, 0 unhealthy)",
        "unit": "short",
        "targets": [("{{hostname}} gpu {{gpu_id}}", f"min by (hostname, gpu_id) (gpu_health{{{GPU}}})")],
    },
    {
        "title": "Graphics activity",
        "unit": "percent",
        "targets": [
            ("{{hostname}} gpu {{gpu_id}}", f"avg by (hostname, gpu_id) (gpu_gfx_activity{{{GPU}}})")
        ],
    },
    {
        "title": "Memory engine activity",
        "unit": "percent",
        "targets": [
            ("{{hostname}} gpu {{gpu_id}}", f"avg by (hostname, gpu_id) (gpu_umc_activity{{{GPU}}})")
        ],
    },
    {
        "title": "VRAM used",
        "unit": "percentunit",
        "targets": [
            (
                "{{hostname}} gpu {{gpu_id}}",
                f"sum by (hostname, gpu_id) (gpu_used_vram{{{GPU}}}) "
                f"/ sum by (hostname, gpu_id) (gpu_total_vram{{{GPU}}})",
            )
        ],
    },
    {
        "title": "Junction temperature (MI3xx)",
        "unit": "celsius",
        "targets": [
            ("{{hostname}} gpu {{gpu_id}}", f"max by (hostname, gpu_id) (gpu_junction_temperature{{{GPU}}})")
        ],
    },
    {
        "title": "Package power (MI3xx)",
        "unit": "watt",
        "targets": [
            ("{{hostname}} gpu {{gpu_id}}", f"sum by (hostname, gpu_id) (gpu_package_power{{{GPU}}})")
        ],
    },
    {
        "title": "ECC errors (uncorrectable, correctable)",
        "unit": "short",
        "targets": [
            (
                "uncorrectable {{hostname}} gpu {{gpu_id}}",
                f"max by (hostname, gpu_id) (gpu_ecc_uncorrect_total{{{GPU}}})",
            ),
            (
                "correctable {{hostname}} gpu {{gpu_id}}",
                f"max by (hostname, gpu_id) (gpu_ecc_correct_total{{{GPU}}})",
            ),
        ],
    },
]


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": f"{name}-variable"},
        "definition": query,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "refresh": 2,
        "sort": 1,
        "current": {},
    }


def _panel(panel_id: int, spec: dict[str, Any]) -> dict[str, Any]:
    # Two panels per row, 12 columns by 8 rows each, in list order.
    index = panel_id - 1
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": spec["title"],
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": spec["unit"]}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": expr,
                "legendFormat": legend,
                "refId": chr(ord("A") + n),
            }
            for n, (legend, expr) in enumerate(spec["targets"])
        ],
    }


def dashboard(
    uid: str, title: str, description: str, variables: list[dict[str, Any]], panels: list[dict[str, Any]]
) -> dict[str, Any]:
    datasource = {
        "name": "datasource",
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
    }
    return {
        "uid": uid,
        "title": title,
        "description": f"{description} Generated by {COMMAND}; do not edit.",
        "tags": ["rocm-vllm"],
        "editable": False,
        "schemaVersion": 39,
        "time": {"from": "now-3h", "to": "now"},
        "refresh": "30s",
        "timezone": "browser",
        "templating": {"list": [datasource, *variables]},
        "panels": [_panel(n, spec) for n, spec in enumerate(panels, start=1)],
    }


def dashboards() -> dict[str, dict[str, Any]]:
    """File name -> dashboard."""
    return {
        "vllm-serving.json": dashboard(
            "rocm-vllm-serving",
            "vLLM serving (rocm-vllm)",
            "vLLM 0.23.0 serving metrics (scraped by the chart's ServiceMonitor or PodMonitor).",
            [
                _variable("namespace", "Namespace", "label_values(vllm:num_requests_running, namespace)"),
                _variable(
                    "model_name",
                    "Model",
                    'label_values(vllm:num_requests_running{namespace=~"$namespace"}, model_name)',
                ),
            ],
            SERVING_PANELS,
        ),
        "amd-gpus.json": dashboard(
            "rocm-vllm-amd-gpus",
            "AMD GPUs (rocm-vllm)",
            "AMD device metrics exporter v1.5.1 metrics (scraped by that exporter's own ServiceMonitor).",
            [_variable("hostname", "Node", "label_values(gpu_health, hostname)")],
            GPU_PANELS,
        ),
    }


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file differs; write nothing")
    args = parser.parse_args(argv)
    wanted = {OUT_DIR / name: render(board) for name, board in dashboards().items()}
    stale = sorted(
        str(path.relative_to(REPO))
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    )
    extra = (
        sorted(str(p.relative_to(REPO)) for p in OUT_DIR.glob("*.json") if p not in wanted)
        if OUT_DIR.exists()
        else []
    )
    if args.check:
        for path in stale + extra:
            print(f"{path}: differs from {COMMAND}", file=sys.stderr)
        return 1 if stale or extra else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    for name in extra:
        (REPO / name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
