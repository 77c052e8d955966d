"""InferencePool routing (Gateway API Inference Extension) and HTTPRoute traffic splitting in charts/rocm-vllm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_objects import MULTI_NODE, assert_render_refused, by_kind, merged, one

from rocm_vllm import helm

POOL: dict[str, Any] = {
    "inferencePool": {"enabled": True},
    "httpRoute": {"enabled": True, "gateway": {"name": "inference-gateway", "namespace": "gateway-system"}},
}
EPP = "rocm-vllm-epp"  # the picker objects' name for the test release "rocm-vllm"
POD_LABELS = {
    "app.kubernetes.io/name": "rocm-vllm",
    "app.kubernetes.io/instance": "rocm-vllm",
    "app.kubernetes.io/component": "server",
}


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in by_kind(objects, kind) if o["metadata"]["name"] == name]
    return obj


def epp_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = named(objects, "Deployment", EPP)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def test_pool_is_off_by_default_and_the_route_targets_the_service(render_objects: Any) -> None:
    objects = render_objects({"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}})
    assert by_kind(objects, "InferencePool") == []
    assert [o["metadata"]["name"] for o in by_kind(objects, "Deployment")] == ["rocm-vllm"]
    rule = one(objects, "HTTPRoute")["spec"]["rules"][0]
    assert rule["backendRefs"] == [{"name": "rocm-vllm", "port": 8000}]


def test_pool_selects_the_serving_pods_on_the_api_port_through_the_picker(render_objects: Any) -> None:
    objects = render_objects(POOL)
    pool = one(objects, "InferencePool")
    assert pool["apiVersion"] == "inference.networking.k8s.io/v1"
    assert pool["spec"]["selector"]["matchLabels"] == POD_LABELS
    assert pool["spec"]["targetPorts"] == [{"number": 8000}]
    assert pool["spec"]["endpointPickerRef"] == {
        "kind": "Service",
        "name": EPP,
        "port": {"number": 9002},
        "failureMode": "FailClose",
    }
    service = named(objects, "Service", EPP)
    assert {p["name"]: (p["port"], p.get("appProtocol")) for p in service["spec"]["ports"]} == {
        "grpc-ext-proc": (9002, "kubernetes.io/h2c"),
        "http-metrics": (9090, None),
    }
    # The picker's Service selects the picker only; the model's Service and pool never select the picker.
    picker_labels = named(objects, "Deployment", EPP)["spec"]["template"]["metadata"]["labels"]
    assert all(picker_labels[k] == v for k, v in service["spec"]["selector"].items())
    assert picker_labels["app.kubernetes.io/component"] == "endpoint-picker"


def test_multi_node_pool_selects_group_leaders_only(render_objects: Any) -> None:
    pool = one(render_objects(merged(MULTI_NODE, POOL)), "InferencePool")
    assert pool["spec"]["selector"]["matchLabels"] == {
        **POD_LABELS,
        "leaderworkerset.sigs.k8s.io/worker-index": "0",
    }


def test_vllm_port_is_the_pool_target_port(render_objects: Any) -> None:
    pool = one(render_objects(merged(POOL, {"vllm": {"port": 8080}})), "InferencePool")
    assert pool["spec"]["targetPorts"] == [{"number": 8080}]


def test_picker_args_are_the_v0_10_0_flags(render_objects: Any) -> None:
    container = epp_container(render_objects(POOL))
    assert container["image"] == "ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0"
    assert container["args"] == [
        "--pool-name=rocm-vllm",
        "--pool-namespace=default",
        "--pool-group=inference.networking.k8s.io",
        "--config-file=/config/config.yaml",
        "--grpc-port=9002",
        "--grpc-health-port=9003",
        "--metrics-port=9090",
        "--secure-serving=true",
        "--metrics-endpoint-auth=false",
        "--enable-pprof=false",
        "--tracing=false",
        "--v=1",
    ]
    assert container["readinessProbe"]["grpc"] == {"port": 9003, "service": "readiness"}
    assert container["livenessProbe"]["grpc"] == {"port": 9003, "service": "liveness"}


def test_picker_replicas_elect_a_leader_and_extra_args_follow(render_objects: Any) -> None:
    values = merged(
        POOL,
        {
            "inferencePool": {
                "endpointPicker": {"replicas": 2, "secureServing": False, "extraArgs": ["--x=1"]}
            }
        },
    )
    objects = render_objects(values)
    args = epp_container(objects)["args"]
    assert "--secure-serving=false" in args
    assert args[-2:] == ["--ha-enable-leader-election", "--x=1"]
    assert named(objects, "Deployment", EPP)["spec"]["replicas"] == 2


READ = ["get", "list", "watch"]
BASE_RULES = [
    {"apiGroups": [""], "resources": ["pods"], "verbs": READ},
    {"apiGroups": ["inference.networking.k8s.io"], "resources": ["inferencepools"], "verbs": READ},
    {
        "apiGroups": ["llm-d.ai", "inference.networking.x-k8s.io"],
        "resources": ["inferenceobjectives", "inferencemodelrewrites"],
        "verbs": READ,
    },
]
LEADER_RULES = [
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
]


@pytest.mark.parametrize(("replicas", "rules"), [(1, BASE_RULES), (3, BASE_RULES + LEADER_RULES)])
def test_picker_rbac_is_namespaced_and_exact(
    render_objects: Any, replicas: int, rules: list[dict[str, Any]]
) -> None:
    objects = render_objects(merged(POOL, {"inferencePool": {"endpointPicker": {"replicas": replicas}}}))
    assert by_kind(objects, "ClusterRole") == [] and by_kind(objects, "ClusterRoleBinding") == []
    assert named(objects, "Role", EPP)["rules"] == rules
    binding = named(objects, "RoleBinding", EPP)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": EPP}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": EPP, "namespace": "default"}]
    pod = named(objects, "Deployment", EPP)["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == EPP and pod["automountServiceAccountToken"] is True
    named(objects, "ServiceAccount", EPP)


def test_picker_config_is_the_configmap_it_reads_and_rolls_the_pods(render_objects: Any) -> None:
    objects = render_objects(POOL)
    config = yaml.safe_load(named(objects, "ConfigMap", EPP)["data"]["config.yaml"])
    assert config["apiVersion"] == "llm-d.ai/v1alpha1" and config["kind"] == "EndpointPickerConfig"
    assert [p["type"] for p in config["plugins"]] == [
        "queue-scorer",
        "kv-cache-utilization-scorer",
        "prefix-cache-scorer",
        "max-score-picker",
        "single-profile-handler",
    ]
    weights = {p["pluginRef"]: p.get("weight") for p in config["schedulingProfiles"][0]["plugins"]}
    assert weights == {
        "queue-scorer": 2,
        "kv-cache-utilization-scorer": 2,
        "prefix-cache-scorer": 3,
        "max-score-picker": None,
    }
    pod = named(objects, "Deployment", EPP)["spec"]["template"]
    assert {"name": "config", "configMap": {"name": EPP}} in pod["spec"]["volumes"]
    other = merged(
        POOL, {"inferencePool": {"endpointPicker": {"config": {**config, "plugins": config["plugins"]}}}}
    )
    other["inferencePool"]["endpointPicker"]["config"]["schedulingProfiles"][0]["plugins"][0]["weight"] = 5
    changed = named(render_objects(other), "Deployment", EPP)["spec"]["template"]
    key = "rocm-vllm/config-sha256"
    assert changed["metadata"]["annotations"][key] != pod["metadata"]["annotations"][key]


def test_picker_is_hardened_and_pinnable(render_objects: Any) -> None:
    digest = "sha256:" + "a" * 64
    values = merged(POOL, {"inferencePool": {"endpointPicker": {"image": {"digest": digest}}}})
    objects = render_objects(values)
    container = epp_container(objects)
    assert container["image"] == f"ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0@{digest}"
    security = container["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"]
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_route_targets_the_pool_from_the_named_gateway(render_objects: Any) -> None:
    route = one(render_objects(POOL), "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "inference-gateway", "namespace": "gateway-system"}]
    assert route["spec"]["rules"][0]["backendRefs"] == [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "rocm-vllm"}
    ]


def test_gateway_shorthand_comes_before_parent_refs(render_objects: Any) -> None:
    values = {"httpRoute": {"enabled": True, "gateway": {"name": "a"}, "parentRefs": [{"name": "b"}]}}
    route = one(render_objects(values), "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "a"}, {"name": "b"}]


def test_pool_mode_routes_without_the_service(render_objects: Any) -> None:
    objects = render_objects(merged(POOL, {"service": {"enabled": False}}))
    assert one(objects, "HTTPRoute")["spec"]["rules"][0]["backendRefs"][0]["kind"] == "InferencePool"
    assert [s["metadata"]["name"] for s in by_kind(objects, "Service")] == [EPP]


def test_network_policies_let_the_gateway_and_picker_in(render_objects: Any) -> None:
    objects = render_objects(POOL)
    gateway = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}},
        "podSelector": {},
    }
    picker = named(objects, "NetworkPolicy", EPP)
    assert picker["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "endpoint-picker"
    grpc, metrics = picker["spec"]["ingress"]
    assert grpc == {"from": [gateway], "ports": [{"port": "grpc", "protocol": "TCP"}]}
    assert metrics == {"from": [{"podSelector": {}}], "ports": [{"port": "metrics", "protocol": "TCP"}]}
    model = named(objects, "NetworkPolicy", "rocm-vllm")
    api_from = model["spec"]["ingress"][0]["from"]
    assert gateway in api_from
    assert {
        "podSelector": {"matchLabels": {**POD_LABELS, "app.kubernetes.io/component": "endpoint-picker"}}
    } in (api_from)


def test_gateway_clients_replace_the_derived_peers(render_objects: Any) -> None:
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}}}
    objects = render_objects(merged(POOL, {"inferencePool": {"gatewayClients": [peer]}}))
    assert named(objects, "NetworkPolicy", EPP)["spec"]["ingress"][0]["from"] == [peer]


def test_parent_without_namespace_means_the_release_namespace(render_objects: Any) -> None:
    values = merged(POOL, {"httpRoute": {"gateway": {"name": "gw", "namespace": ""}}})
    grpc = named(render_objects(values), "NetworkPolicy", EPP)["spec"]["ingress"][0]
    assert grpc["from"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "default"}


def test_no_network_policy_for_the_picker_when_policies_are_off(render_objects: Any) -> None:
    objects = render_objects(merged(POOL, {"networkPolicy": {"enabled": False}}))
    assert by_kind(objects, "NetworkPolicy") == []


# Traffic splitting


def test_canary_split_between_two_services(render_objects: Any) -> None:
    values = {
        "httpRoute": {
            "enabled": True,
            "parentRefs": [{"name": "gw"}],
            "weight": 90,
            "extraBackends": [
                {"name": "canary-rocm-vllm", "weight": 10},
                {"name": "x", "port": 80, "weight": 0},
            ],
        }
    }
    refs = one(render_objects(values), "HTTPRoute")["spec"]["rules"][0]["backendRefs"]
    assert refs == [
        {"name": "rocm-vllm", "port": 8000, "weight": 90},
        {"name": "canary-rocm-vllm", "port": 8000, "weight": 10},
        {"name": "x", "port": 80, "weight": 0},
    ]


def test_canary_split_between_two_pools(render_objects: Any) -> None:
    values = merged(POOL, {"httpRoute": {"weight": 0, "extraBackends": [{"name": "v2", "weight": 1}]}})
    refs = one(render_objects(values), "HTTPRoute")["spec"]["rules"][0]["backendRefs"]
    pool = {"group": "inference.networking.k8s.io", "kind": "InferencePool"}
    assert refs == [{**pool, "name": "rocm-vllm", "weight": 0}, {**pool, "name": "v2", "weight": 1}]


def test_inferencepool_ci_scenario_validates_against_the_crds() -> None:
    from rocm_vllm import kube_schema

    chart = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm"
    values = yaml.safe_load((chart / "ci" / "inferencepool-values.yaml").read_text())
    objects = helm.split_manifests(helm.render_chart(chart, values, api_versions=helm.CRD_API_VERSIONS))
    assert len(by_kind(objects, "InferencePool")) == 1
    assert kube_schema.validate_objects(objects, "1.33.0") == []
    broken = [o for o in objects if o["kind"] == "InferencePool"]
    broken[0]["spec"]["targetPorts"] = []
    assert kube_schema.validate_objects(broken, "1.33.0") != []


@pytest.mark.parametrize(
    ("values", "api_versions", "expected"),
    [
        (POOL, (), ["inference.networking.k8s.io/v1", "--api-versions inference.networking.k8s.io/v1"]),
        (
            merged(POOL, {"inferencePool": {"endpointPicker": {"config": {"kind": "Other"}}}}),
            None,
            ["inferencePool.endpointPicker.config", "EndpointPickerConfig"],
        ),
        (
            merged(
                POOL,
                {
                    "inferencePool": {
                        "endpointPicker": {
                            "config": {
                                "plugins": [{"type": "queue-scorer"}],
                                "schedulingProfiles": [
                                    {"name": "default", "plugins": [{"pluginRef": "nope"}]}
                                ],
                            }
                        }
                    }
                },
            ),
            None,
            ['refers to plugin "nope"', "declared: queue-scorer"],
        ),
        ({"httpRoute": {"enabled": True, "gateway": {"namespace": "gw"}}}, None, ["httpRoute.gateway.name"]),
        (
            {
                "httpRoute": {
                    "enabled": True,
                    "parentRefs": [{"name": "gw"}],
                    "extraBackends": [{"name": "b", "weight": 1}],
                }
            },
            None,
            ["httpRoute.weight"],
        ),
        (
            merged(POOL, {"httpRoute": {"weight": 0, "extraBackends": [{"name": "b", "weight": 0}]}}),
            None,
            ["at least one backend a weight above 0"],
        ),
        (
            merged(
                POOL,
                {
                    "httpRoute": {
                        "weight": 1,
                        "extraBackends": [{"name": "b", "kind": "Service", "weight": 1}],
                    }
                },
            ),
            None,
            ["extraBackends[0] (b) has kind Service", "routes to its InferencePool"],
        ),
        (
            {
                "httpRoute": {
                    "enabled": True,
                    "parentRefs": [{"name": "gw"}],
                    "weight": 1,
                    "extraBackends": [{"name": "b", "kind": "InferencePool", "weight": 1}],
                }
            },
            None,
            ["has kind InferencePool", "routes to its Service"],
        ),
        (
            merged(
                POOL, {"httpRoute": {"weight": 1, "extraBackends": [{"name": "b", "port": 80, "weight": 1}]}}
            ),
            None,
            ["takes none", "remove port"],
        ),
        (
            merged(POOL, {"httpRoute": {"weight": 1, "extraBackends": [{"name": "b", "weight": -1}]}}),
            None,
            ["weight", "minimum"],
        ),
        (
            merged(POOL, {"httpRoute": {"weight": 1, "extraBackends": [{"name": "b", "weight": 1.5}]}}),
            None,
            ["weight", "integer"],
        ),
        (merged(POOL, {"inferencePool": {"failureMode": "Open"}}), None, ["failureMode"]),
        (
            {"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}, "service": {"enabled": False}},
            None,
            ["service.enabled"],
        ),
    ],
    ids=[
        "no-pool-api",
        "config-kind",
        "config-unknown-plugin-ref",
        "gateway-namespace-without-name",
        "split-without-own-weight",
        "split-all-zero",
        "split-service-in-pool-mode",
        "split-pool-in-service-mode",
        "split-port-on-pool",
        "split-negative-weight",
        "split-fractional-weight",
        "failure-mode",
        "service-route-without-service",
    ],
)
def test_invalid_pool_and_split_values_fail_saying_what_to_change(
    render_objects: Any, values: dict[str, Any], api_versions: tuple[str, ...] | None, expected: list[str]
) -> None:
    assert_render_refused(render_objects, values, api_versions, expected)


def test_a_canary_without_its_own_route_admits_the_named_gateway(render_objects: Any) -> None:
    values = {
        "inferencePool": {"enabled": True},
        "httpRoute": {"gateway": {"name": "gw", "namespace": "edge"}},
    }
    objects = render_objects(values)
    assert by_kind(objects, "HTTPRoute") == []
    edge = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}, "podSelector": {}}
    assert named(objects, "NetworkPolicy", EPP)["spec"]["ingress"][0]["from"] == [edge]
    assert edge in named(objects, "NetworkPolicy", "rocm-vllm")["spec"]["ingress"][0]["from"]


def notes(values: dict[str, Any]) -> str:
    rendered = helm.render_chart(
        Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm",
        values,
        include_notes=True,
        api_versions=helm.CRD_API_VERSIONS,
    )
    return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))


def test_notes_name_the_pool_and_do_not_warn_about_the_gateway_namespace() -> None:
    text = notes(POOL)
    assert "InferencePool rocm-vllm (endpoint picker rocm-vllm-epp)" in text
    assert "kubectl --namespace default get inferencepool rocm-vllm" in text
    assert "add your ingress controller's or gateway's namespace" not in text
    service_route = {"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}}
    assert "add your ingress controller's or gateway's namespace" in notes(service_route)
    assert "InferencePool" not in notes(service_route)
