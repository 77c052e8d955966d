"""Issue 11's production defects, one test group per defect, each failing on the charts before the fix: requests
(QoS), group-aware disruption, graceful drain, NetworkPolicy, API keys, non-root helpers and digests, strict nested
Kubernetes types."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chart_objects import MULTI_NODE, by_kind, container, merged, one, pod_specs

from rocm_vllm import helm
from rocm_vllm.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]


def env(template: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(template).get("env", [])}


STACK = REPO / "charts" / "rocm-vllm-stack"
CACHE = REPO / "charts" / "rocm-vllm-cache"
DIGEST = "sha256:" + "ab" * 32
MODES = {
    "single": {},
    "ray": merged(MULTI_NODE, {"multiNode": {"launchMode": "ray"}}),
    "mp": merged(MULTI_NODE, {"multiNode": {"launchMode": "mp"}}),
}


def qos_class(spec: dict[str, Any]) -> str:
    """Kubernetes' QoS class of a pod spec (init containers included)."""
    containers = spec["containers"] + spec.get("initContainers", [])
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(k)
        and (r.get("requests") or {}).get(k, (r.get("limits") or {}).get(k)) == (r.get("limits") or {}).get(k)
        for r in resources
        for k in ("cpu", "memory")
    )
    return "Guaranteed" if guaranteed else "Burstable"


# 1. Requests on every container; /dev/shm counted


@pytest.mark.parametrize("mode", sorted(MODES))
def test_serving_pods_are_never_best_effort_and_every_container_requests(
    render_objects: Any, mode: str
) -> None:
    values = merged(MODES[mode], {"cache": {"enabled": True, "download": {"enabled": True}}})
    for template in pod_specs(render_objects(values)).values():
        spec = template["spec"]
        assert qos_class(spec) != "BestEffort"
        for c in spec["containers"] + spec.get("initContainers", []):
            requests = c["resources"]["requests"]
            assert requests.get("cpu") and requests.get("memory"), c["name"]


@pytest.mark.parametrize(
    ("memory", "shm", "expected"),
    [
        ("16Gi", "16Gi", "32Gi"),
        ("100Gi", "64Gi", "164Gi"),
        ("1500Mi", "512Mi", "2012Mi"),
        ("1G", "1Gi", "1978Mi"),
    ],
)
def test_shm_is_added_to_the_memory_request_and_limit(
    render_objects: Any, memory: str, shm: str, expected: str
) -> None:
    values = {
        "resources": {"requests": {"memory": memory}, "limits": {"memory": memory}},
        "rocm": {"shmSize": shm},
    }
    resources = container(pod_specs(render_objects(values))["single"])["resources"]
    assert resources["requests"]["memory"] == expected
    assert resources["limits"]["memory"] == expected


def test_no_memory_request_means_no_shm_request(render_objects: Any) -> None:
    values = {"resources": {"requests": {"cpu": "2", "memory": None}}}  # null deletes the default, as in Helm
    resources = container(pod_specs(render_objects(values))["single"])["resources"]
    assert "memory" not in resources["requests"] and resources["requests"]["cpu"] == "2"


# 2. Group-aware disruption


def test_multi_node_pdb_is_on_by_default_and_counts_one_pod(render_objects: Any) -> None:
    objects = render_objects(merged(MULTI_NODE, {"replicaCount": 3}))
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    selector = pdb["spec"]["selector"]["matchLabels"]
    for template in pod_specs(objects).values():  # leaders and workers alike
        assert all(template["metadata"]["labels"].get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("budget", ["50%", 2, "1%"])
def test_multi_node_budgets_that_could_break_several_groups_are_refused(
    render_objects: Any, budget: Any
) -> None:
    with pytest.raises(InvalidInputError, match="at most one group broken at a time"):
        render_objects(merged(MULTI_NODE, {"podDisruptionBudget": {"maxUnavailable": budget}}))


def test_multi_node_budget_with_restart_policy_none_is_refused(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match="restartPolicy None"):
        render_objects(merged(MULTI_NODE, {"multiNode": {"restartPolicy": "None"}}))
    objects = render_objects(
        merged(
            MULTI_NODE, {"multiNode": {"restartPolicy": "None"}, "podDisruptionBudget": {"enabled": False}}
        )
    )
    assert not by_kind(objects, "PodDisruptionBudget")


def test_single_node_budget_may_be_a_percentage(render_objects: Any) -> None:
    pdb = one(render_objects({"podDisruptionBudget": {"maxUnavailable": "50%"}}), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == "50%"


# 3. Graceful drain


@pytest.mark.parametrize("mode", sorted(MODES))
def test_drain_shutdown_timeout_prestop_and_grace_period(render_objects: Any, mode: str) -> None:
    values = merged(MODES[mode], {"drain": {"preStopSleepSeconds": 7, "shutdownTimeoutSeconds": 300}})
    templates = pod_specs(render_objects(values))
    for role, template in templates.items():
        spec = template["spec"]
        assert spec["terminationGracePeriodSeconds"] == 7 + 300 + 15
        vllm = container(template)
        if role == "worker":
            assert "lifecycle" not in vllm  # serves no API
            continue
        assert vllm["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "7"]
        line = " ".join(vllm.get("command", []) + vllm.get("args", []))
        assert re.search(r"--shutdown-timeout'?\s+'?300\b", line), line


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"maxUnavailable": 0, "maxSurge": 1}),
        ({"replicaCount": 3}, {"maxUnavailable": 1, "maxSurge": 0}),
        ({"autoscaling": {"enabled": True}}, {"maxUnavailable": 1, "maxSurge": 0}),
        (
            {"multiNode": {"rolloutStrategy": {"maxUnavailable": 1, "maxSurge": 0}}},
            {"maxUnavailable": 1, "maxSurge": 0},
        ),
    ],
    ids=["one-group-surges", "groups-one-at-a-time", "autoscaled", "explicit"],
)
def test_lws_rollout_keeps_a_single_group_serving(
    render_objects: Any, values: dict[str, Any], expected: dict[str, Any]
) -> None:
    lws = one(render_objects(merged(MULTI_NODE, values)), "LeaderWorkerSet")
    assert lws["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] == expected


def test_a_rollout_that_could_never_replace_a_group_is_refused(render_objects: Any) -> None:
    values = merged(MULTI_NODE, {"multiNode": {"rolloutStrategy": {"maxUnavailable": 0, "maxSurge": 0}}})
    with pytest.raises(InvalidInputError, match="maxUnavailable 0 and maxSurge 0"):
        render_objects(values)


# 4. NetworkPolicy on by default, tight


@pytest.mark.parametrize("mode", sorted(MODES))
def test_network_policy_is_on_and_only_group_members_reach_each_other(render_objects: Any, mode: str) -> None:
    objects = render_objects(merged(MODES[mode], {"replicaCount": 2}))
    policies = by_kind(objects, "NetworkPolicy")
    api, *groups = policies
    (rule,) = api["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]  # the API port only
    assert rule["from"][0] == {"podSelector": {}}  # the release namespace's pods
    if mode == "single":
        assert not groups
        return
    assert [g["metadata"]["name"] for g in groups] == ["rocm-vllm-group-0", "rocm-vllm-group-1"]
    for index, group in enumerate(groups):
        members = group["spec"]["podSelector"]["matchLabels"]
        assert members["leaderworkerset.sigs.k8s.io/group-index"] == str(index)
        assert group["spec"]["ingress"] == [{"from": [{"podSelector": {"matchLabels": members}}]}]


def test_network_policy_covers_the_most_groups_an_autoscaler_can_make(render_objects: Any) -> None:
    objects = render_objects(merged(MULTI_NODE, {"autoscaling": {"enabled": True, "maxReplicas": 5}}))
    assert len(by_kind(objects, "NetworkPolicy")) == 1 + 5


def test_empty_clients_open_the_api_port_only(render_objects: Any) -> None:
    api = by_kind(render_objects({"networkPolicy": {"clients": []}}), "NetworkPolicy")[0]
    assert api["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]


# 5. API keys


@pytest.mark.parametrize("mode", sorted(MODES))
def test_api_key_from_a_secret_reaches_serving_containers_and_the_test(
    render_objects: Any, mode: str
) -> None:
    objects = render_objects(merged(MODES[mode], {"apiKey": {"secretName": "api", "secretKey": "k"}}))
    ref = {"secretKeyRef": {"name": "api", "key": "k"}}
    for role, template in pod_specs(objects).items():
        assert env(template).get("VLLM_API_KEY") == (None if role == "worker" else ref)
    assert_test_pod_sends_the_key(one(objects, "Pod"), "api", "k")


def assert_test_pod_sends_the_key(pod: dict[str, Any], secret: str, key: str) -> None:
    """The helm test pod reads the key from a mounted Secret file (not the environment) and sends it."""
    (volume,) = [v for v in pod["spec"]["volumes"] if v["name"] == "api-key"]
    assert volume["secret"]["secretName"] == secret and volume["secret"]["items"] == [
        {"key": key, "path": "key"}
    ]
    (curl,) = pod["spec"]["containers"]
    assert {"name": "api-key", "mountPath": "/var/run/secrets/api-key", "readOnly": True} in curl[
        "volumeMounts"
    ]
    assert "Authorization: Bearer $(cat /var/run/secrets/api-key/key)" in curl["command"][-1]
    assert not any(e.get("valueFrom") for e in curl["env"])


def test_api_key_is_off_by_default(render_objects: Any) -> None:
    assert "VLLM_API_KEY" not in env(pod_specs(render_objects())["single"])


def test_stack_api_key_reaches_every_model_the_router_and_the_test() -> None:
    values = {
        "models": {"a": {"model": {"id": "org/a"}}, "b": {"model": {"id": "org/b"}}},
        "cache": {"mode": "none"},
        "apiKey": {"secretName": "api"},
    }
    objects = helm.split_manifests(helm.render_chart(STACK, values, release_name="stk"))
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    ref = {"secretKeyRef": {"name": "api", "key": "VLLM_API_KEY"}}
    for name in ("stk-a", "stk-b", "stk-router"):
        spec = deployments[name]["spec"]["template"]["spec"]
        variables = {e["name"]: e.get("valueFrom") for e in spec["containers"][0]["env"]}
        assert variables["VLLM_API_KEY"] == ref, name
    assert_test_pod_sends_the_key(next(o for o in objects if o["kind"] == "Pod"), "api", "VLLM_API_KEY")


# 6. Non-root helpers, test pods, digests, HF_TOKEN_PATH


def hardened(security: dict[str, Any]) -> bool:
    return (
        security.get("runAsNonRoot") is True
        and security.get("runAsUser", 0) >= 10000
        and security.get("runAsGroup", 0) >= 10000
        and security.get("readOnlyRootFilesystem") is True
        and security.get("allowPrivilegeEscalation") is False
        and security.get("capabilities") == {"drop": ["ALL"]}
    )


def test_download_init_container_is_non_root_read_only_with_tmp(render_objects: Any) -> None:
    values = {"cache": {"enabled": True, "download": {"enabled": True}}}
    spec = pod_specs(render_objects(values))["single"]["spec"]
    (init,) = spec["initContainers"]
    assert hardened(init["securityContext"])
    assert {"name": "tmp", "mountPath": "/tmp"} in init["volumeMounts"]
    assert init["resources"]["limits"]["cpu"] and init["resources"]["limits"]["memory"]
    assert spec["securityContext"]["fsGroup"] == 10001  # the cache volume is writable for GID 10001


def test_stack_router_wait_container_and_test_pods_are_hardened() -> None:
    values = {"models": {"a": {"model": {"id": "org/a"}}}}
    objects = helm.split_manifests(helm.render_chart(STACK, values, release_name="stk"))
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    router = deployments["stk-router"]["spec"]["template"]["spec"]
    assert hardened(router["containers"][0]["securityContext"])
    assert router["containers"][0]["resources"]["limits"]["cpu"]
    assert "@sha256:" in router["containers"][0]["image"]
    (wait,) = deployments["stk-a"]["spec"]["template"]["spec"]["initContainers"]
    assert hardened(wait["securityContext"]) and wait["resources"]["limits"]["cpu"]
    for pod in (o for o in objects if o["kind"] == "Pod"):
        (c,) = pod["spec"]["containers"]
        assert hardened(c["securityContext"]) and c["resources"]["limits"]["cpu"]


def test_model_test_pod_is_hardened(render_objects: Any) -> None:
    (c,) = one(render_objects(), "Pod")["spec"]["containers"]
    assert hardened(c["securityContext"]) and c["resources"]["limits"]["cpu"]


@pytest.mark.parametrize(("tag", "expected"), [("t1", f"r/v:t1@{DIGEST}"), ("", f"r/v@{DIGEST}")])
def test_every_image_takes_a_digest(render_objects: Any, tag: str, expected: str) -> None:
    image = {"repository": "r/v", "tag": tag, "digest": DIGEST}
    objects = render_objects({"image": image, "test": {"image": image}})
    assert container(pod_specs(objects)["single"])["image"] == expected
    assert one(objects, "Pod")["spec"]["containers"][0]["image"] == expected
    stack_values = {
        "models": {"a": {"model": {"id": "org/a"}}},
        "router": {"image": image},
        "test": {"image": image},
        "cache": {"waitImage": image},
    }
    stack = helm.split_manifests(helm.render_chart(STACK, stack_values, release_name="stk"))
    images = {c["image"] for o in stack if o["kind"] in ("Deployment", "Pod") for c in _containers(o)}
    assert images == {expected, "rocm/vllm:rocm7.14.0_cdna_ubuntu24.04_py3.14_pytorch_2.11.0_vllm_0.23.0"}
    cache = helm.split_manifests(helm.render_chart(CACHE, {"image": {"digest": DIGEST}}))
    job = next(o for o in cache if o["kind"] == "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["image"].endswith("@" + DIGEST)


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]["template"]["spec"] if obj["kind"] == "Deployment" else obj["spec"]
    return list(spec["containers"]) + list(spec.get("initContainers", []))


def test_an_image_without_tag_or_digest_is_refused(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match="neither a tag nor a digest"):
        render_objects({"test": {"image": {"tag": ""}}})


# 11. Strict nested Kubernetes types, through Helm's engine


@pytest.mark.parametrize(
    ("chart", "values", "where"),
    [
        ("rocm-vllm", {"affinity": {"nodeAfinity": {}}}, "affinity"),
        ("rocm-vllm", {"tolerations": [{"key": "a", "operatr": "Exists"}]}, "tolerations.0"),
        (
            "rocm-vllm",
            {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "z"}]},
            "whenUnsatisfiable",
        ),
        ("rocm-vllm", {"podSecurityContext": {"runAsUsr": 1}}, "podSecurityContext"),
        (
            "rocm-vllm",
            {"containerSecurityContext": {"readOnlyRootFilesytem": True}},
            "containerSecurityContext",
        ),
        ("rocm-vllm", {"extraInitContainers": [{"name": "x", "imagee": "busybox"}]}, "extraInitContainers.0"),
        ("rocm-vllm", {"cache": {"download": {"resources": {"request": {}}}}}, "cache.download.resources"),
        ("rocm-vllm-cache", {"affinity": {"nodeAfinity": {}}}, "affinity"),
        ("rocm-vllm-stack", {"models": {"a": {"affinity": {"podAntiAfinity": {}}}}}, "models.a.affinity"),
        ("rocm-vllm-stack", {"router": {"tolerations": [{"efect": "NoSchedule"}]}}, "router.tolerations.0"),
    ],
)
def test_a_typo_inside_a_kubernetes_value_fails_the_install(
    chart: str, values: dict[str, Any], where: str
) -> None:
    with pytest.raises(InvalidInputError, match="values rejected") as info:
        helm.render_chart(REPO / "charts" / chart, values, api_versions=helm.CRD_API_VERSIONS)
    assert where in str(info.value)


def test_valid_nested_kubernetes_values_still_render(render_objects: Any) -> None:
    term = {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["gpu"]}]}
    values = {
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
        },
        "tolerations": [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "podSecurityContext": {"fsGroup": 2000},
        "extraVolumes": [{"name": "ca", "configMap": {"name": "ca"}}],
    }
    spec = pod_specs(render_objects(values))["single"]["spec"]
    assert spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]


# Issue 10, item 6: the router's objects come from the model chart's component templates


@pytest.mark.parametrize(
    ("template", "component"),
    [
        ("router-deployment.yaml", "deployment"),
        ("router-service.yaml", "service"),
        ("router-serviceaccount.yaml", "serviceaccount"),
        ("router-poddisruptionbudget.yaml", "poddisruptionbudget"),
        ("router-hpa.yaml", "hpa"),
        ("router-networkpolicy.yaml", "networkpolicy"),
    ],
)
def test_router_objects_are_rendered_by_the_shared_component_templates(template: str, component: str) -> None:
    text = (STACK / "templates" / template).read_text(encoding="utf-8")
    assert f'include "rocm-vllm.component.{component}"' in text
    assert not re.search(r"^\s*(kind|apiVersion):", text, re.MULTILINE), (
        "a hand copy of the object crept back"
    )
    model = (REPO / "charts" / "rocm-vllm" / "templates").glob("_*.tpl")
    assert any(f'include "rocm-vllm.component.{component}"' in p.read_text(encoding="utf-8") for p in model)


def notes(values: dict[str, Any]) -> str:
    rendered = helm.render_chart(REPO / "charts" / "rocm-vllm", values, include_notes=True)
    return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))


def test_notes_warn_when_the_policy_would_block_the_ingress_controller() -> None:
    ingress = {
        "ingress": {
            "enabled": True,
            "hosts": [{"host": "llm.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        }
    }
    assert "add your ingress controller's or gateway's namespace" in notes(ingress)
    gateway = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    opened = merged(ingress, {"networkPolicy": {"clients": [{"podSelector": {}}, gateway]}})
    assert "add your ingress controller's" not in notes(opened)


def test_notes_say_whether_the_api_needs_a_key() -> None:
    assert "the API is unauthenticated" in notes({})
    keyed = notes({"apiKey": {"secretName": "api"}})
    assert "unauthenticated" not in keyed
    assert 'curl -H "Authorization: Bearer ${KEY}"' in keyed and "get secret api" in keyed
