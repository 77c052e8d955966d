"""charts/rocm-vllm-stack routing: the router's pod discovery (every replica an endpoint, LeaderWorkerSet leaders
only, least-privilege RBAC), its static discovery, and models that scale from zero behind it (wake Services)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm
from rocm_vllm.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "charts" / "rocm-vllm-stack"
MULTI = yaml.safe_load((STACK / "ci" / "multi-node-values.yaml").read_text(encoding="utf-8"))
TWO = yaml.safe_load((STACK / "ci" / "two-models-values.yaml").read_text(encoding="utf-8"))
WAKE = yaml.safe_load((STACK / "ci" / "scale-from-zero-values.yaml").read_text(encoding="utf-8"))
SELECTOR_TERM = re.compile(r"^(?P<key>[^=!\s]+)(?:=(?P<value>[^,]+)| notin \((?P<values>[^)]*)\))$")


def render(values: dict[str, Any], release: str = "stk") -> list[dict[str, Any]]:
    return helm.split_manifests(
        helm.render_chart(STACK, values, release_name=release, api_versions=helm.CRD_API_VERSIONS)
    )


def named(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def router_pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return named(objects, "Deployment")["stk-router"]["spec"]["template"]["spec"]


def router_args(objects: list[dict[str, Any]]) -> dict[str, str]:
    args = router_pod(objects)["containers"][0]["args"]
    return {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}


def split_selector(selector: str) -> list[str]:
    """The terms of a label selector: commas inside `notin (...)` do not split."""
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [*terms, current]


def selects(selector: str, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics for the two forms the chart writes: key=value and key notin (a,b)."""
    for term in split_selector(selector):
        match = SELECTOR_TERM.match(term)
        assert match, f"unexpected selector term {term!r}"
        if match["value"] is not None:
            if labels.get(match["key"]) != match["value"]:
                return False
        elif labels.get(match["key"]) in match["values"].split(","):
            return False
    return True


def pods(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """name -> labels of every pod the release runs, with the indexes the LWS controller adds (2-node groups)."""
    out = {}
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj["kind"] == "Deployment":
            out[name] = obj["spec"]["template"]["metadata"]["labels"]
        elif obj["kind"] == "LeaderWorkerSet":
            lwt = obj["spec"]["leaderWorkerTemplate"]
            out[f"{name}-0"] = {
                **lwt["leaderTemplate"]["metadata"]["labels"],
                "leaderworkerset.sigs.k8s.io/worker-index": "0",
            }
            for index in range(1, int(lwt["size"])):
                out[f"{name}-0-{index}"] = {
                    **lwt["workerTemplate"]["metadata"]["labels"],
                    "leaderworkerset.sigs.k8s.io/worker-index": str(index),
                }
        elif obj["kind"] == "Job":
            out[name] = obj["spec"]["template"]["metadata"]["labels"]
    return out


def test_pod_discovery_is_the_default_with_the_release_namespace_port_and_selector() -> None:
    objects = render(MULTI)
    args = router_args(objects)
    assert args["--service-discovery"] == "k8s"
    assert args["--k8s-service-discovery-type"] == "pod-ip"
    assert args["--k8s-namespace"] == "default"
    assert args["--k8s-port"] == "8000"
    assert "--static-backends" not in args and "--static-models" not in args
    assert router_pod(objects)["automountServiceAccountToken"] is True


def test_the_selector_finds_single_node_pods_and_group_leaders_only() -> None:
    objects = render(MULTI)
    selector = router_args(objects)["--k8s-label-selector"]
    assert selector == (
        "app.kubernetes.io/instance=stk,app.kubernetes.io/component=server,"
        "leaderworkerset.sigs.k8s.io/worker-index notin (1)"
    )
    chosen = {name for name, labels in pods(objects).items() if selects(selector, labels)}
    assert chosen == {"stk-llama-405b-lws-0", "stk-llama-70b"}  # not the worker, the router or the cache Jobs
    assert {"stk-llama-405b-lws-0-1", "stk-router"} <= set(pods(objects))


def test_a_bigger_group_excludes_every_worker_index() -> None:
    values = yaml.safe_load(yaml.safe_dump(MULTI))
    values["models"]["llama-405b"]["multiNode"]["nodesPerReplica"] = 4
    values["models"]["llama-405b"]["vllm"]["pipelineParallelSize"] = 4
    objects = render(values)
    selector = router_args(objects)["--k8s-label-selector"]
    assert selector.endswith("worker-index notin (1,2,3)")
    chosen = {name for name, labels in pods(objects).items() if selects(selector, labels)}
    assert chosen == {"stk-llama-405b-lws-0", "stk-llama-70b"}


def test_single_node_stacks_select_without_a_worker_index_term() -> None:
    selector = router_args(render(TWO))["--k8s-label-selector"]
    assert selector == "app.kubernetes.io/instance=stk,app.kubernetes.io/component=server"


def test_each_models_pods_carry_the_model_label_the_router_reads() -> None:
    objects = render(MULTI)
    for name, labels in pods(objects).items():
        if labels.get("app.kubernetes.io/component") == "server":
            assert labels["model"] == labels["app.kubernetes.io/name"], name


def test_rbac_grants_only_get_list_watch_on_pods_to_the_router() -> None:
    objects = render(MULTI)
    (role,) = [o for o in objects if o["kind"] in {"Role", "ClusterRole"}]
    assert role["kind"] == "Role" and role["metadata"]["namespace"] == "default"
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    (binding,) = [o for o in objects if o["kind"] in {"RoleBinding", "ClusterRoleBinding"}]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "stk-router",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": router_pod(objects)["serviceAccountName"], "namespace": "default"}
    ]


def test_rbac_create_false_leaves_the_binding_to_the_user() -> None:
    objects = render({**MULTI, "router": {"rbac": {"create": False}}})
    assert not [o for o in objects if o["kind"] in {"Role", "RoleBinding"}]
    assert router_args(objects)["--service-discovery"] == "k8s"


def test_static_discovery_reads_no_api_and_gets_no_role() -> None:
    objects = render({**MULTI, "router": {"serviceDiscovery": "static"}})
    assert router_args(objects)["--service-discovery"] == "static"
    assert router_pod(objects)["automountServiceAccountToken"] is False
    assert not [o for o in objects if o["kind"] in {"Role", "RoleBinding"}]


def test_each_models_network_policy_admits_the_router_on_the_api_port() -> None:
    narrowed = {"networkPolicy": {"clients": [{"namespaceSelector": {"matchLabels": {"team": "apps"}}}]}}
    objects = render({**TWO, "modelDefaults": narrowed})
    router_labels = named(objects, "Deployment")["stk-router"]["spec"]["template"]["metadata"]["labels"]
    for key in ("llama-8b", "qwen-8b"):
        (api,) = [r for r in named(objects, "NetworkPolicy")[f"stk-{key}"]["spec"]["ingress"] if "from" in r]
        assert api["ports"] == [{"port": "http", "protocol": "TCP"}]
        peers = [p["podSelector"]["matchLabels"] for p in api["from"] if "podSelector" in p]
        assert any(all(router_labels.get(k) == v for k, v in peer.items()) for peer in peers), key


def test_the_router_sends_the_stacks_api_key_on_its_own_calls() -> None:
    objects = render({**TWO, "apiKey": {"secretName": "vllm-api-key"}})
    (env,) = [e for e in router_pod(objects)["containers"][0]["env"] if e["name"] == "VLLM_API_KEY"]
    assert env["valueFrom"]["secretKeyRef"] == {"name": "vllm-api-key", "key": "VLLM_API_KEY"}


def test_a_sleeping_model_is_reached_through_its_wake_service() -> None:
    objects = render(WAKE)
    args = router_args(objects)
    backends = dict(
        zip(args["--static-models"].split(","), args["--static-backends"].split(","), strict=True)
    )
    assert backends == {
        "llama-405b": "http://stk-llama-405b-wake.default.svc:8080",
        "llama-8b": "http://stk-llama-8b-wake.default.svc:8080",
        "Qwen/Qwen3-8B": "http://stk-qwen-8b.default.svc:8000",
    }
    services = named(objects, "Service")
    for key in ("llama-8b", "llama-405b"):
        wake = services[f"stk-{key}-wake"]["spec"]
        assert wake["type"] == "ExternalName"
        assert wake["externalName"] == "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local"
        scaled = named(objects, "HTTPScaledObject")[f"stk-{key}"]["spec"]
        assert f"stk-{key}-wake.default.svc" in scaled["hosts"]
        assert scaled["scaleTargetRef"]["service"] == f"stk-{key}"
    target = named(objects, "HTTPScaledObject")["stk-llama-405b"]["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "leaderworkerset.x-k8s.io/v1",
        "LeaderWorkerSet",
        "stk-llama-405b-lws",
    )
    assert "replicas" not in named(objects, "LeaderWorkerSet")["stk-llama-405b-lws"]["spec"]
    assert "replicas" not in named(objects, "Deployment")["stk-llama-8b"]["spec"]
    assert "stk-qwen-8b" not in named(objects, "HTTPScaledObject")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {**WAKE, "router": {"serviceDiscovery": "pod"}},
            r"models.llama-405b: the model scales from zero .* router.serviceDiscovery is pod",
        ),
        (
            {
                **TWO,
                "models": {**TWO["models"], "qwen-8b": {**TWO["models"]["qwen-8b"], "vllm": {"port": 9000}}},
            },
            r"reaches every pod on one port \(--k8s-port\), but the models use vllm.port 8000, 9000",
        ),
        ({**TWO, "router": {"serviceDiscovery": "dns"}}, "serviceDiscovery"),
    ],
)
def test_invalid_routing_fails_with_a_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render(values)
