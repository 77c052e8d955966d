"""Scaling of one model: scale from zero through the KEDA HTTP add-on (HTTPScaledObject, wake Service, hold
timeout from the start budget) and the KEDA SLO triggers on vLLM's own metrics (PromQL parsed, names sourced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_objects import MULTI_NODE, by_kind, merged, one, pod_specs
from test_chart_observability import allowed_metric_names, metric_names

from rocm_vllm import kube_schema
from rocm_vllm.errors import InvalidInputError

WAKE = {"keda": {"httpScaleFromZero": {"enabled": True}}}
KEDA = {"keda": {"enabled": True, "prometheus": {"serverAddress": "http://prom:9090"}}}
ALL_SLO = {
    "keda": {"slo": {"queue": {"enabled": True}, "kvCache": {"enabled": True}, "ttft": {"enabled": True}}}
}
MODEL = {"model": {"servedModelName": "m"}}


def test_off_by_default(render_objects: Any) -> None:
    objects = render_objects()
    assert not by_kind(objects, "HTTPScaledObject")
    assert all(s["spec"]["type"] != "ExternalName" for s in by_kind(objects, "Service"))


@pytest.mark.parametrize("kube_version", ["1.29.0", "1.33.0", "1.37.0"])
@pytest.mark.parametrize("extra", [{}, MULTI_NODE], ids=["single", "multinode"])
def test_scale_from_zero_validates(render_objects: Any, kube_version: str, extra: dict[str, Any]) -> None:
    objects = render_objects(merged(extra, WAKE), kube_version=kube_version)
    assert kube_schema.validate_objects(objects, kube_version) == []


def test_the_http_scaled_object_targets_the_deployment_through_its_service(render_objects: Any) -> None:
    objects = render_objects(WAKE)
    spec = one(objects, "HTTPScaledObject")["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "rocm-vllm",
        "service": "rocm-vllm",
        "port": 8000,
    }
    assert spec["replicas"] == {"min": 0, "max": 4}
    assert spec["scaledownPeriod"] == 900
    assert spec["pathPrefixes"] == ["/v1"]
    assert spec["scalingMetric"] == {"concurrency": {"targetValue": 16}}
    assert spec["hosts"] == [
        "rocm-vllm-wake",
        "rocm-vllm-wake.default",
        "rocm-vllm-wake.default.svc",
        "rocm-vllm-wake.default.svc.cluster.local",
    ]
    assert "replicas" not in one(objects, "Deployment")["spec"]  # the add-on's ScaledObject owns them


def test_the_wake_service_points_at_the_interceptor(render_objects: Any) -> None:
    interceptor = {"service": "proxy", "namespace": "keda-http", "port": 9080, "clusterDomain": "corp.local"}
    objects = render_objects(merged(WAKE, {"keda": {"httpScaleFromZero": {"interceptor": interceptor}}}))
    (wake,) = [s for s in by_kind(objects, "Service") if s["metadata"]["name"] == "rocm-vllm-wake"]
    assert wake["spec"] == {
        "type": "ExternalName",
        "externalName": "proxy.keda-http.svc.corp.local",
        "ports": [{"name": "http", "port": 9080, "protocol": "TCP"}],
    }
    assert "rocm-vllm-wake.default.svc.corp.local" in one(objects, "HTTPScaledObject")["spec"]["hosts"]
    (api,) = [r for r in one(objects, "NetworkPolicy")["spec"]["ingress"] if "from" in r]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda-http"}}} in api["from"]


def test_request_rate_and_extra_hosts(render_objects: Any) -> None:
    settings = {
        "hosts": ["llm.example.com"],
        "scalingMetric": {"type": "requestRate", "targetValue": 5, "window": "2m", "granularity": "5s"},
    }
    spec = one(render_objects(merged(WAKE, {"keda": {"httpScaleFromZero": settings}})), "HTTPScaledObject")[
        "spec"
    ]
    assert spec["hosts"][-1] == "llm.example.com"
    assert spec["scalingMetric"] == {"requestRate": {"targetValue": 5, "window": "2m", "granularity": "5s"}}


def test_the_hold_timeout_is_the_startup_probes_budget_plus_the_allowance(render_objects: Any) -> None:
    probe = {"startup": {"initialDelaySeconds": 60, "periodSeconds": 20, "failureThreshold": 30}}
    values = merged(
        WAKE, {"probes": probe, "keda": {"httpScaleFromZero": {"timeouts": {"startAllowanceSeconds": 100}}}}
    )
    objects = render_objects(values)
    scaled = one(objects, "HTTPScaledObject")
    assert scaled["spec"]["timeouts"] == {
        "conditionWait": "760s",
        "responseHeader": "300s",
    }  # 60 + 20 x 30 + 100
    assert scaled["metadata"]["annotations"]["rocm-vllm/start-budget-seconds"] == "660"
    startup = pod_specs(objects)["single"]["spec"]["containers"][0]["startupProbe"]
    assert startup["initialDelaySeconds"] + startup["periodSeconds"] * startup["failureThreshold"] == 660


def test_a_ray_groups_hold_timeout_includes_the_group_wait(render_objects: Any) -> None:
    values = merged(MULTI_NODE, {"multiNode": {"launchMode": "ray", "rayWaitTimeoutSeconds": 600}}, WAKE)
    objects = render_objects(values)
    leader = pod_specs(objects)["leader"]["spec"]["containers"][0]["startupProbe"]
    budget = leader["periodSeconds"] * leader["failureThreshold"]
    assert budget == 10 * (180 + 60)
    spec = one(objects, "HTTPScaledObject")["spec"]
    assert spec["timeouts"]["conditionWait"] == f"{budget + 600}s"
    assert spec["scaleTargetRef"]["kind"] == "LeaderWorkerSet"
    assert spec["scaleTargetRef"]["name"] == "rocm-vllm-lws"
    assert "replicas" not in one(objects, "LeaderWorkerSet")["spec"]


def test_an_explicit_hold_timeout_is_used_verbatim(render_objects: Any) -> None:
    values = merged(WAKE, {"keda": {"httpScaleFromZero": {"timeouts": {"conditionWait": "45m"}}}})
    assert one(render_objects(values), "HTTPScaledObject")["spec"]["timeouts"]["conditionWait"] == "45m"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"autoscaling": {"enabled": True}}, "keda.httpScaleFromZero.enabled with autoscaling.enabled"),
        (KEDA, "keda.httpScaleFromZero.enabled with keda.enabled"),
        ({"service": {"enabled": False}}, "keda.httpScaleFromZero.enabled needs service.enabled"),
        (
            {"keda": {"httpScaleFromZero": {"minReplicas": 3, "maxReplicas": 2}}},
            r"minReplicas \(3\) is more than maxReplicas \(2\)",
        ),
        ({"probes": {"startup": {"enabled": False}}}, "there is no start budget"),
        ({"keda": {"httpScaleFromZero": {"scalingMetric": {"type": "latency"}}}}, "scalingMetric"),
        ({"keda": {"httpScaleFromZero": {"timeouts": {"conditionWait": "ten minutes"}}}}, "conditionWait"),
        ({"keda": {"httpScaleFromZero": {"pathPrefixes": ["v1"]}}}, "pathPrefixes"),
    ],
)
def test_invalid_scale_from_zero_fails_with_a_message(
    render_objects: Any, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render_objects(merged(WAKE, values))


def slo_triggers(render_objects: Any, *extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    scaled = one(render_objects(merged(MODEL, KEDA, *extra)), "ScaledObject")
    return {t["name"]: t for t in scaled["spec"]["triggers"]}


def test_every_slo_trigger_parses_and_uses_only_sourced_vllm_metrics(render_objects: Any) -> None:
    triggers = slo_triggers(render_objects, ALL_SLO)
    assert set(triggers) == {"queue", "kv-cache", "ttft"}
    names = {t["name"]: metric_names(t["metadata"]["query"]) for t in triggers.values()}
    assert names == {
        "queue": {"vllm:num_requests_waiting"},
        "kv-cache": {"vllm:kv_cache_usage_perc"},
        "ttft": {"vllm:time_to_first_token_seconds_bucket"},
    }
    assert set().union(*names.values()) <= allowed_metric_names()
    for trigger in triggers.values():
        assert 'namespace="default"' in trigger["metadata"]["query"]
        assert 'model_name="m"' in trigger["metadata"]["query"]


def test_slo_trigger_queries_and_metric_types(render_objects: Any) -> None:
    triggers = slo_triggers(
        render_objects, ALL_SLO, {"keda": {"slo": {"ttft": {"quantile": 0.9, "window": "5m"}}}}
    )
    assert triggers["ttft"]["metadata"]["query"] == (
        'histogram_quantile(0.9, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="default",'
        'model_name="m"}[5m])))'
    )
    assert triggers["ttft"]["metricType"] == "Value"  # a percentile is not divided among replicas
    assert triggers["ttft"]["metadata"]["threshold"] == "2"
    assert "metricType" not in triggers["queue"] and "metricType" not in triggers["kv-cache"]
    assert triggers["kv-cache"]["metadata"]["query"] == (
        'sum(vllm:kv_cache_usage_perc{namespace="default",model_name="m"})'
    )
    assert triggers["kv-cache"]["metadata"]["threshold"] == "0.8"


def test_activation_threshold_applies_to_the_queue_trigger_only(render_objects: Any) -> None:
    triggers = slo_triggers(render_objects, ALL_SLO, {"keda": {"prometheus": {"activationThreshold": 1}}})
    assert triggers["queue"]["metadata"]["activationThreshold"] == "1"
    assert "activationThreshold" not in triggers["kv-cache"]["metadata"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"keda": {"slo": {"queue": {"enabled": False}}}},
            "every keda.slo trigger is off",
        ),
        ({"keda": {"prometheus": {"threshold": "5"}}}, "the threshold belongs to your own query only"),
        ({"keda": {"prometheus": {"query": "sum(x)"}}}, "without keda.prometheus.threshold"),
        ({"keda": {"slo": {"kvCache": {"threshold": 1.5}}}}, "kvCache"),
        ({"keda": {"slo": {"ttft": {"quantile": 95}}}}, "quantile"),
    ],
)
def test_invalid_slo_values_fail_with_a_message(
    render_objects: Any, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render_objects(merged(KEDA, values))


def test_the_hpa_external_metrics_example_uses_sourced_vllm_metrics(
    render_objects: Any, chart_dir: Path
) -> None:
    values = yaml.safe_load((chart_dir / "ci" / "hpa-slo-values.yaml").read_text(encoding="utf-8"))
    hpa = one(render_objects(values), "HorizontalPodAutoscaler")
    names = {m["external"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "External"}
    assert names == {"vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"}
    assert names <= allowed_metric_names()
    for metric in hpa["spec"]["metrics"]:
        assert metric["external"]["metric"]["selector"]["matchLabels"] == {"model_name": "qwen3-8b"}
