"""charts/rocm-vllm with disaggregation.enabled: two pools rendered through the same workload templates, the KV
connector per role, llm-d's sidecar on decode pods, and NetworkPolicies that open the KV ports only between the
pools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_objects import MULTI_NODE, by_kind, merged

from rocm_vllm.errors import InvalidInputError

PD_VALUES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm" / "ci" / "pd-values.yaml").read_text()
)


# llm-d-router v0.10.0 deploy/config/pd-epp-config.yaml, as the chart's default disaggregation.endpointPickerConfig.
PD_VALUES_DEFAULT_EPP_CONFIG = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm" / "values.yaml").read_text()
)["disaggregation"]["endpointPickerConfig"]


def pd(*overrides: dict[str, Any]) -> dict[str, Any]:
    return merged(PD_VALUES, *overrides)


def by_name(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in by_kind(objects, kind)}


def vllm_of(template: dict[str, Any]) -> dict[str, Any]:
    (vllm,) = [c for c in template["spec"]["containers"] if c["name"] == "vllm"]
    return vllm


def flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def kv_config(template: dict[str, Any]) -> dict[str, Any]:
    value = flag(vllm_of(template)["args"], "--kv-transfer-config")
    assert value is not None
    parsed = json.loads(value)
    assert isinstance(parsed, dict)
    return parsed


def test_disabled_renders_the_single_workload(render_objects: Any) -> None:
    objects = render_objects(merged(PD_VALUES, {"disaggregation": {"enabled": False}}), include_hooks=False)
    assert list(by_name(objects, "Deployment")) == ["rocm-vllm"]
    assert (
        "--kv-transfer-config" not in vllm_of(by_kind(objects, "Deployment")[0]["spec"]["template"])["args"]
    )


def test_two_pools_with_their_role_labels_and_own_selectors(render_objects: Any) -> None:
    deployments = by_name(render_objects(pd()), "Deployment")
    assert sorted(deployments) == ["rocm-vllm-decode", "rocm-vllm-prefill"]
    for role in ("prefill", "decode"):
        dep = deployments[f"rocm-vllm-{role}"]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert labels["llm-d.ai/role"] == role
        assert dep["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == f"rocm-vllm-{role}"
        assert all(labels[k] == v for k, v in dep["spec"]["selector"]["matchLabels"].items())
    # The overlays reach each pool: replicas, GPUs and tensor parallel size differ per role.
    prefill, decode = deployments["rocm-vllm-prefill"], deployments["rocm-vllm-decode"]
    assert prefill["spec"]["replicas"] == 2
    assert "replicas" not in decode["spec"]  # the decode pool is autoscaled
    assert vllm_of(prefill["spec"]["template"])["resources"]["limits"]["amd.com/gpu"] == 1
    assert vllm_of(decode["spec"]["template"])["resources"]["limits"]["amd.com/gpu"] == 4
    assert flag(vllm_of(prefill["spec"]["template"])["args"], "--tensor-parallel-size") == "1"
    assert flag(vllm_of(decode["spec"]["template"])["args"], "--tensor-parallel-size") == "4"


def test_nixl_kv_transfer_config_and_side_channel_env_per_role(render_objects: Any) -> None:
    deployments = by_name(render_objects(pd()), "Deployment")
    prefill = deployments["rocm-vllm-prefill"]["spec"]["template"]
    decode = deployments["rocm-vllm-decode"]["spec"]["template"]
    assert kv_config(prefill) == {"kv_connector": "NixlConnector", "kv_role": "kv_producer"}
    assert kv_config(decode) == {"kv_connector": "NixlConnector", "kv_role": "kv_both"}
    for template in (prefill, decode):
        env = {e["name"]: e for e in vllm_of(template)["env"]}
        assert env["VLLM_NIXL_SIDE_CHANNEL_HOST"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}
        assert env["VLLM_NIXL_SIDE_CHANNEL_PORT"]["value"] == "5600"


def test_moriio_kv_transfer_config_carries_the_ports_and_extra_keys(render_objects: Any) -> None:
    values = pd(
        {
            "disaggregation": {
                "connector": {
                    "type": "MoRIIOConnector",
                    "moriio": {"extraConfig": {"proxy_ip": "10.0.0.9", "proxy_ping_port": "36367"}},
                }
            }
        }
    )
    deployments = by_name(render_objects(values), "Deployment")
    prefill = kv_config(deployments["rocm-vllm-prefill"]["spec"]["template"])
    decode = kv_config(deployments["rocm-vllm-decode"]["spec"]["template"])
    assert prefill["kv_role"] == "kv_producer" and decode["kv_role"] == "kv_consumer"
    assert prefill["kv_connector_extra_config"] == {
        "http_port": "8000",
        "handshake_port": "6301",
        "notify_port": "61005",
        "proxy_ip": "10.0.0.9",
        "proxy_ping_port": "36367",
    }
    assert decode["kv_connector_extra_config"]["http_port"] == "8200"  # vLLM behind the sidecar
    env = {e["name"] for e in vllm_of(deployments["rocm-vllm-prefill"]["spec"]["template"])["env"]}
    assert "VLLM_NIXL_SIDE_CHANNEL_HOST" not in env


def test_explicit_kv_roles_win(render_objects: Any) -> None:
    values = pd({"disaggregation": {"connector": {"kvRoles": {"decode": "kv_consumer"}}}})
    decode = by_name(render_objects(values), "Deployment")["rocm-vllm-decode"]["spec"]["template"]
    assert kv_config(decode)["kv_role"] == "kv_consumer"


def test_decode_pods_run_the_sidecar_in_front_of_vllm(render_objects: Any) -> None:
    deployments = by_name(render_objects(pd()), "Deployment")
    decode = deployments["rocm-vllm-decode"]["spec"]["template"]
    (sidecar,) = [c for c in decode["spec"]["initContainers"] if c["name"] == "disagg-sidecar"]
    assert sidecar["image"] == "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0"
    assert sidecar["restartPolicy"] == "Always"  # a native sidecar
    assert sidecar["args"] == [
        "--port=8000",
        "--model-server-port=8200",
        "--kv-connector=nixlv2",
        "--secure-proxy=false",
    ]
    assert sidecar["ports"] == [{"name": "sidecar", "containerPort": 8000, "protocol": "TCP"}]
    assert flag(vllm_of(decode)["args"], "--port") == "8200"
    assert vllm_of(decode)["ports"][0]["containerPort"] == 8200
    prefill = deployments["rocm-vllm-prefill"]["spec"]["template"]
    assert "initContainers" not in prefill
    assert flag(vllm_of(prefill)["args"], "--port") == "8000"


def test_moriio_sidecar_flags(render_objects: Any) -> None:
    values = pd({"disaggregation": {"connector": {"type": "MoRIIOConnector"}}})
    decode = by_name(render_objects(values), "Deployment")["rocm-vllm-decode"]["spec"]["template"]
    (sidecar,) = decode["spec"]["initContainers"]
    assert "--moriio-write-mode" in sidecar["args"]
    assert "--moriio-local-pod-ip=$(POD_IP)" in sidecar["args"]
    assert "--moriio-tp-size=4" in sidecar["args"]
    assert "--moriio-decode-handshake-port=6301" in sidecar["args"]


def test_the_decode_service_targets_the_sidecar(render_objects: Any) -> None:
    services = by_name(render_objects(pd()), "Service")
    assert services["rocm-vllm-decode"]["spec"]["ports"][0]["targetPort"] == 8000
    assert services["rocm-vllm-prefill"]["spec"]["ports"][0]["targetPort"] == "http"


def test_per_pool_autoscaler_and_budget(render_objects: Any) -> None:
    objects = render_objects(pd())
    (hpa,) = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rocm-vllm-decode"
    budgets = by_name(objects, "PodDisruptionBudget")
    assert budgets["rocm-vllm-prefill"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == (
        "rocm-vllm-prefill"
    )


def test_kv_ports_are_open_only_between_the_pools(render_objects: Any) -> None:
    policies = by_name(render_objects(pd()), "NetworkPolicy")
    prefill_kv, decode_kv = policies["rocm-vllm-prefill-kv"], policies["rocm-vllm-decode-kv"]
    for policy, own, other in ((prefill_kv, "prefill", "decode"), (decode_kv, "decode", "prefill")):
        assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == f"rocm-vllm-{own}"
        (rule,) = policy["spec"]["ingress"]
        (peer,) = rule["from"]
        assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == f"rocm-vllm-{other}"
        assert {"port": 5600, "protocol": "TCP"} in rule["ports"]
    # The sidecar sends the prefill leg to the prefill pods' API port.
    assert {"port": "http", "protocol": "TCP"} in prefill_kv["spec"]["ingress"][0]["ports"]
    # No other policy opens a KV port: the API policies carry only the serving port.
    for name in ("rocm-vllm-prefill", "rocm-vllm-decode"):
        ports = [p["port"] for rule in policies[name]["spec"]["ingress"] for p in rule.get("ports", [])]
        assert 5600 not in ports
    assert policies["rocm-vllm-decode"]["spec"]["ingress"][0]["ports"] == [{"port": 8000, "protocol": "TCP"}]


def test_kv_port_ranges_follow_data_parallel_ranks(render_objects: Any) -> None:
    values = pd(
        {
            "disaggregation": {
                "connector": {"type": "MoRIIOConnector"},
                "prefill": {"gpu": {"count": 8}, "vllm": {"tensorParallelSize": 1, "dataParallelSize": 8}},
            }
        }
    )
    policies = by_name(render_objects(values), "NetworkPolicy")
    ports = policies["rocm-vllm-prefill-kv"]["spec"]["ingress"][0]["ports"]
    assert {"port": 6301, "endPort": 6308, "protocol": "TCP"} in ports
    assert {"port": 61005, "endPort": 61012, "protocol": "TCP"} in ports
    decode_ports = policies["rocm-vllm-decode-kv"]["spec"]["ingress"][0]["ports"]
    assert {"port": 6301, "endPort": 6304, "protocol": "TCP"} in decode_ports  # DP 1 + TP 4


def test_no_kv_policies_without_network_policies(render_objects: Any) -> None:
    objects = render_objects(pd({"networkPolicy": {"enabled": False}}))
    assert by_kind(objects, "NetworkPolicy") == []


def test_a_multi_node_pool_renders_a_leaderworkerset(render_objects: Any) -> None:
    values = pd({"disaggregation": {"decode": merged(MULTI_NODE, {"autoscaling": {"enabled": False}})}})
    objects = render_objects(values)
    assert list(by_name(objects, "Deployment")) == ["rocm-vllm-prefill"]
    (lws,) = by_kind(objects, "LeaderWorkerSet")
    assert lws["metadata"]["name"] == "rocm-vllm-decode-lws"
    leader = lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]
    assert leader["metadata"]["labels"]["llm-d.ai/role"] == "decode"
    assert kv_config(leader)["kv_role"] == "kv_both"
    # The group's own peer policy still exists next to the KV policies.
    assert "rocm-vllm-decode-group-0" in by_name(objects, "NetworkPolicy")


def test_only_the_decode_pool_gets_the_route_and_the_helm_test(render_objects: Any) -> None:
    values = pd({"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}})
    objects = render_objects(values)
    (route,) = by_kind(objects, "HTTPRoute")
    assert route["spec"]["rules"][0]["backendRefs"][0]["name"] == "rocm-vllm-decode"
    (test_pod,) = by_kind(objects, "Pod")
    assert "rocm-vllm-decode" in test_pod["metadata"]["name"]


def test_pools_share_the_release_serviceaccount_and_cache(render_objects: Any) -> None:
    objects = render_objects(pd({"cache": {"enabled": True}}))
    assert list(by_name(objects, "ServiceAccount")) == ["rocm-vllm"]
    assert list(by_name(objects, "PersistentVolumeClaim")) == ["rocm-vllm-cache"]
    for dep in by_kind(objects, "Deployment"):
        spec = dep["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == "rocm-vllm"
        claims = [
            v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v
        ]
        assert claims == ["rocm-vllm-cache"]


@pytest.mark.parametrize(
    ("pool", "override", "named"),
    [
        ("decode", {"model": {"id": "meta-llama/Llama-3.1-8B-Instruct"}}, "model.id"),
        ("prefill", {"model": {"revision": "abc"}}, "model.revision"),
        ("decode", {"vllm": {"dtype": "float16"}}, "vllm.dtype"),
        ("decode", {"vllm": {"quantization": "fp8"}}, "vllm.quantization"),
        ("prefill", {"vllm": {"maxModelLen": 8192}}, "vllm.maxModelLen"),
        ("decode", {"vllm": {"kvCacheDtype": "fp8"}}, "vllm.kvCacheDtype"),
        ("decode", {"vllm": {"extraArgs": ["--block-size=16"]}}, "--block-size"),
    ],
)
def test_mismatched_pools_are_refused(
    render_objects: Any, pool: str, override: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInputError, match=rf"prefill pool's {named} is .* but the decode pool's is"):
        render_objects(pd({"disaggregation": {pool: override}}))


def test_sidecar_port_must_differ_from_the_serving_port(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"modelServerPort 8000 equals vllm\.port"):
        render_objects(pd({"disaggregation": {"sidecar": {"modelServerPort": 8000}}}))


def test_pool_overlays_are_checked_by_the_schema(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match="disaggregation"):
        render_objects(pd({"disaggregation": {"decode": {"replicaCountt": 2}}}))
    with pytest.raises(InvalidInputError, match="disaggregation"):
        render_objects(pd({"disaggregation": {"prefill": {"disaggregation": {"enabled": True}}}}))


def test_a_pool_that_turns_its_policies_on_gets_its_kv_policy(render_objects: Any) -> None:
    values = pd(
        {
            "networkPolicy": {"enabled": False},
            "disaggregation": {"prefill": {"networkPolicy": {"enabled": True}}},
        }
    )
    assert sorted(by_name(render_objects(values), "NetworkPolicy")) == [
        "rocm-vllm-prefill",
        "rocm-vllm-prefill-kv",
    ]


def test_a_stand_in_command_listens_behind_the_sidecar_on_decode_pods(render_objects: Any) -> None:
    stand_in = {
        "command": ["/app/llm-d-inference-sim"],
        "args": ["--model", "m", "--port", "8000", "--mode", "echo"],
    }
    deployments = by_name(render_objects(pd(stand_in)), "Deployment")
    assert vllm_of(deployments["rocm-vllm-decode"]["spec"]["template"])["args"] == [
        "--model",
        "m",
        "--port",
        "8200",
        "--mode",
        "echo",
    ]
    assert vllm_of(deployments["rocm-vllm-prefill"]["spec"]["template"])["args"] == stand_in["args"]


EPP = {
    "inferencePool": {"enabled": True},
    "httpRoute": {"enabled": True, "gateway": {"name": "inference-gateway", "namespace": "gateway-system"}},
}


def test_the_inferencepool_selects_the_api_pods_of_both_pools(render_objects: Any) -> None:
    values = pd(EPP, {"disaggregation": {"decode": merged(MULTI_NODE, {"autoscaling": {"enabled": False}})}})
    objects = render_objects(values)
    (pool,) = by_kind(objects, "InferencePool")
    selector = pool["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/instance": "rocm-vllm", "rocm-vllm/pd-endpoint": "rocm-vllm"}
    assert pool["spec"]["targetPorts"] == [{"number": 8000}]  # prefill vLLM and the decode sidecar alike
    prefill = by_name(objects, "Deployment")["rocm-vllm-prefill"]
    (lws,) = by_kind(objects, "LeaderWorkerSet")
    templates = lws["spec"]["leaderWorkerTemplate"]
    selected = [
        t["metadata"]["labels"]
        for t in (prefill["spec"]["template"], templates["leaderTemplate"], templates["workerTemplate"])
        if all(t["metadata"]["labels"].get(k) == v for k, v in selector.items())
    ]
    # The prefill pod and the decode leader, not the decode worker (no API server there).
    assert [labels["llm-d.ai/role"] for labels in selected] == ["prefill", "decode"]
    assert "rocm-vllm/pd-endpoint" not in templates["workerTemplate"]["metadata"]["labels"]


def test_the_picker_runs_the_pd_config_and_the_route_goes_to_the_pool(render_objects: Any) -> None:
    objects = render_objects(pd(EPP))
    (config_map,) = by_kind(objects, "ConfigMap")
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert config == PD_VALUES_DEFAULT_EPP_CONFIG
    types = {p["type"] for p in config["plugins"]}
    assert {"prefill-filter", "decode-filter", "disagg-profile-handler", "prefix-based-pd-decider"} <= types
    (route,) = by_kind(objects, "HTTPRoute")
    assert route["spec"]["rules"][0]["backendRefs"] == [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "rocm-vllm"}
    ]
    # Each pool's API policy admits the release's picker (its pods are named after the release, not the pool).
    policies = by_name(objects, "NetworkPolicy")
    for name in ("rocm-vllm-prefill", "rocm-vllm-decode"):
        peers = policies[name]["spec"]["ingress"][0]["from"]
        assert {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/component": "endpoint-picker",
                    "app.kubernetes.io/instance": "rocm-vllm",
                    "app.kubernetes.io/name": "rocm-vllm",
                }
            }
        } in peers


def test_a_broken_pd_picker_config_is_refused(render_objects: Any) -> None:
    broken = {
        "disaggregation": {
            "endpointPickerConfig": {
                "schedulingProfiles": [{"name": "decode", "plugins": [{"pluginRef": "no-such-plugin"}]}]
            }
        }
    }
    with pytest.raises(InvalidInputError, match=r"disaggregation\.endpointPickerConfig\.schedulingProfiles"):
        render_objects(pd(EPP, broken))


def notes(values: dict[str, Any]) -> str:
    from rocm_vllm import helm
    from rocm_vllm.paths import chart_dir

    rendered = helm.render_chart(chart_dir(), values, api_versions=helm.CRD_API_VERSIONS, include_notes=True)
    return rendered["rocm-vllm/templates/NOTES.txt"]


def test_notes_warn_without_the_picker_and_name_the_decode_service() -> None:
    text = notes(pd())
    assert "WARNING: disaggregation.enabled without inferencePool.enabled" in text
    assert "port-forward service/rocm-vllm-decode 8000:8000" in text
    assert "inferencePool.enabled without" not in notes(pd(EPP))
    assert "disaggregation.enabled without" not in notes(pd(EPP))


def test_decode_data_parallel_ranks_share_the_sidecar_port(render_objects: Any) -> None:
    values = pd({"disaggregation": {"decode": {"vllm": {"tensorParallelSize": 2, "dataParallelSize": 2}}}})
    decode = by_name(render_objects(values), "Deployment")["rocm-vllm-decode"]["spec"]["template"]
    (sidecar,) = decode["spec"]["initContainers"]
    assert not [a for a in sidecar["args"] if a.startswith("--data-parallel-size")]


def test_notes_name_the_release_pool_in_pd_mode() -> None:
    text = notes(pd(EPP))
    assert "InferencePool rocm-vllm (endpoint picker rocm-vllm-epp)" in text
    assert "port-forward service/rocm-vllm-decode" in text


def test_each_pool_claims_its_own_gpus_through_dra(render_objects: Any) -> None:
    """With gpu.allocation dra, every pool's pods reference the ResourceClaimTemplate rendered for that pool, with the
    pool's GPU count (the decode overlay of the ci scenario may differ from prefill's)."""
    values = pd({"gpu": {"allocation": "dra"}})
    objects = render_objects(values, include_hooks=False, kube_version="1.33.0")
    templates = by_name(objects, "ResourceClaimTemplate")
    for name, deployment in by_name(objects, "Deployment").items():
        if not name.endswith(("-prefill", "-decode")):
            continue
        claims = deployment["spec"]["template"]["spec"]["resourceClaims"]
        (claim,) = [c["resourceClaimTemplateName"] for c in claims]
        assert claim == f"{name}-gpu", name
        assert claim in templates, f"{name} references {claim}, which is not rendered"


def test_scale_from_zero_is_refused_with_disaggregation(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"disaggregation with keda\.httpScaleFromZero"):
        render_objects(pd({"keda": {"httpScaleFromZero": {"enabled": True}}}))
