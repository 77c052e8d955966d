"""The observability pack: Grafana dashboards (ConfigMaps for the sidecar) and PrometheusRule alerts.

Every PromQL expression (alert rules, dashboard panels, dashboard variables) must parse and use only the metric
names sourced in generator/rocm_vllm/data/observability-metrics.yaml.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from chart_objects import MULTI_NODE, by_kind, merged, one

from rocm_vllm import kube_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
METRICS_FILE = REPO_ROOT / "generator" / "rocm_vllm" / "data" / "observability-metrics.yaml"
DASHBOARD_DIR = REPO_ROOT / "charts" / "rocm-vllm" / "files" / "dashboards"
KUBE_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")
PACK = {"metrics": {"dashboards": {"enabled": True}, "prometheusRule": {"enabled": True}}}
MODEL = {"model": {"id": "Qwen/Qwen3-8B", "servedModelName": "qwen3-8b"}}
ALERTS = {
    "VllmKvCacheNearFull",
    "VllmRequestsQueueing",
    "VllmErrorRate",
    "VllmPodRestarting",
    "AmdGpuUnhealthy",
    "AmdGpuEccUncorrectable",
}
# Grafana's variable query function (not PromQL): label_values(<selector>, <label>).
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*[a-z_]+\)$")


def allowed_metric_names() -> set[str]:
    data = yaml.safe_load(METRICS_FILE.read_text(encoding="utf-8"))
    suffixes = {
        "gauge": ("",),
        "exposed": ("",),
        "counter": ("_total",),
        "histogram": ("_bucket", "_sum", "_count"),
    }
    names: set[str] = set()
    for entry in data["metrics"]:
        assert entry["source"] in data["sources"], entry
        names.update(entry["name"] + suffix for suffix in suffixes[entry["kind"]])
    return names


def metric_names(expr: str) -> set[str]:
    """Every metric name a PromQL expression selects (raises ValueError when it does not parse)."""
    found: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, (promql_parser.VectorSelector, promql_parser.MatrixSelector)):
            selector = node if isinstance(node, promql_parser.VectorSelector) else node.vector_selector
            assert selector.name, f"selector without a metric name in {expr!r}"
            found.add(selector.name)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def dashboard_expressions(board: dict[str, Any]) -> list[str]:
    exprs = [target["expr"] for panel in board["panels"] for target in panel["targets"]]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            match = LABEL_VALUES.match(variable["query"]["query"])
            assert match, variable
            exprs.append(match["selector"])
    return exprs


def rules(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rule = one(objects, "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_the_walker_sees_every_selector_and_rejects_bad_promql() -> None:
    assert metric_names('sum(rate(a_total{x="y"}[5m])) / on () b > 1') == {"a_total", "b"}
    with pytest.raises(ValueError):
        metric_names("sum(rate(a_total[5m])")


def test_disabled_by_default_renders_nothing(render_objects: Any) -> None:
    objects = render_objects()
    assert not by_kind(objects, "PrometheusRule")
    assert not by_kind(objects, "ConfigMap")


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("extra", [{}, MULTI_NODE], ids=["single", "multinode"])
def test_enabled_pack_validates(render_objects: Any, kube_version: str, extra: dict[str, Any]) -> None:
    objects = render_objects(merged(MODEL, extra, PACK), kube_version=kube_version)
    assert len(by_kind(objects, "ConfigMap")) == len(dashboards()) == 2
    assert set(rules(objects)) == ALERTS
    assert kube_schema.validate_objects(objects, kube_version) == []


def test_dashboard_configmaps_carry_the_files_and_the_sidecar_label(render_objects: Any) -> None:
    values = merged(
        PACK,
        {"metrics": {"dashboards": {"annotations": {"grafana_folder": "LLM"}, "namespace": "monitoring"}}},
    )
    maps = {cm["metadata"]["name"]: cm for cm in by_kind(render_objects(values), "ConfigMap")}
    assert set(maps) == {"rocm-vllm-dashboard-amd-gpus", "rocm-vllm-dashboard-vllm-serving"}
    for cm in maps.values():
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"] == {"grafana_folder": "LLM"}
        assert cm["metadata"]["namespace"] == "monitoring"
        ((key, text),) = cm["data"].items()
        assert json.loads(text) == dashboards()[key]
    # Helm merges maps with the defaults: a null drops the default label.
    relabelled = merged(
        PACK, {"metrics": {"dashboards": {"labels": {"grafana_dashboard": None, "dashboards": "grafana"}}}}
    )
    for cm in by_kind(render_objects(relabelled), "ConfigMap"):
        assert "grafana_dashboard" not in cm["metadata"]["labels"]
        assert cm["metadata"]["labels"]["dashboards"] == "grafana"


@pytest.mark.parametrize("name", sorted(p.name for p in DASHBOARD_DIR.glob("*.json")))
def test_dashboards_are_valid_with_unique_panel_ids_and_sourced_metrics(name: str) -> None:
    board = dashboards()[name]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) > 0
    allowed = allowed_metric_names()
    for expr in dashboard_expressions(board):
        assert metric_names(expr) <= allowed, expr


def test_dashboards_cover_serving_and_gpus() -> None:
    used = {
        n for board in dashboards().values() for e in dashboard_expressions(board) for n in metric_names(e)
    }
    for name in (
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:kv_cache_usage_perc",
        "vllm:time_to_first_token_seconds_bucket",
        "vllm:request_time_per_output_token_seconds_bucket",
        "vllm:e2e_request_latency_seconds_bucket",
        "vllm:generation_tokens_total",
        "vllm:request_success_total",
        "gpu_gfx_activity",
        "gpu_used_vram",
        "gpu_health",
        "gpu_ecc_uncorrect_total",
    ):
        assert name in used


def test_dashboard_files_match_their_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "generate_dashboards.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_alert_expressions_parse_and_use_sourced_metrics(render_objects: Any) -> None:
    allowed = allowed_metric_names()
    for alert, rule in rules(render_objects(merged(MODEL, PACK))).items():
        assert metric_names(rule["expr"]) <= allowed, (alert, rule["expr"])


def test_alerts_select_the_release_and_take_their_thresholds(render_objects: Any) -> None:
    values = merged(
        MODEL,
        PACK,
        {
            "metrics": {
                "prometheusRule": {
                    "kvCacheFull": {"threshold": 0.8, "for": "3m"},
                    "requestsQueueing": {"threshold": 25, "for": "1m"},
                    "errorRate": {"threshold": 0.01, "window": "10m", "for": "15m"},
                    "podRestarts": {"threshold": 5, "window": "2h", "for": "1m"},
                    "gpuUnhealthy": {"for": "7m"},
                    "gpuEccUncorrectable": {"for": "2m"},
                    "labels": {"release": "prometheus"},
                }
            }
        },
    )
    objects = render_objects(values)
    assert one(objects, "PrometheusRule")["metadata"]["labels"]["release"] == "prometheus"
    got = rules(objects)
    vllm = 'namespace="default", model_name="qwen3-8b"'
    pods = 'namespace="default", pod=~"rocm-vllm-.+"'
    assert got["VllmKvCacheNearFull"]["expr"] == f"max by (pod) (vllm:kv_cache_usage_perc{{{vllm}}}) > 0.8"
    assert got["VllmKvCacheNearFull"]["for"] == "3m"
    assert got["VllmRequestsQueueing"]["expr"].endswith("> 25")
    assert got["VllmRequestsQueueing"]["for"] == "1m"
    assert "[10m])) > 0.01" in got["VllmErrorRate"]["expr"]
    assert 'finished_reason="error"' in got["VllmErrorRate"]["expr"]
    assert got["VllmErrorRate"]["for"] == "15m"
    assert (
        got["VllmPodRestarting"]["expr"]
        == f"increase(kube_pod_container_status_restarts_total{{{pods}}}[2h]) > 5"
    )
    assert got["AmdGpuUnhealthy"]["for"] == "7m"
    assert pods in got["AmdGpuEccUncorrectable"]["expr"]
    assert got["AmdGpuEccUncorrectable"]["for"] == "2m"


def test_multinode_alerts_select_the_leaderworkerset_pods(render_objects: Any) -> None:
    got = rules(render_objects(merged(MODEL, MULTI_NODE, PACK)))
    assert 'pod=~"rocm-vllm-lws-.+"' in got["VllmPodRestarting"]["expr"]


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ({"kvCacheFull": {"threshold": 1.5, "for": "5m"}}, "kvCacheFull"),
        ({"errorRate": {"threshold": 0.1, "window": "five minutes", "for": "5m"}}, "window"),
        ({"gpuHealth": {"for": "5m"}}, "gpuHealth"),
    ],
)
def test_bad_alert_values_are_rejected(render_objects: Any, override: dict[str, Any], path: str) -> None:
    from rocm_vllm.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match=path):
        render_objects(merged(PACK, {"metrics": {"prometheusRule": override}}))


def test_unknown_dashboard_value_is_rejected(render_objects: Any) -> None:
    from rocm_vllm.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="folder"):
        render_objects(merged(PACK, {"metrics": {"dashboards": {"folder": "LLM"}}}))
