"""charts/rocm-vllm-stack: every model through charts/rocm-vllm's named templates, the router's static discovery of
each model's Service, disjoint selectors, shared caches, schema validity for Kubernetes 1.29/1.33/1.37, lint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm import helm
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.kube_schema import validate_objects
from script_loading import script_module

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "charts" / "rocm-vllm-stack"
SINGLE = REPO / "charts" / "rocm-vllm"
SCENARIOS = sorted((STACK / "ci").glob("*-values.yaml"))
EXAMPLE = REPO / "values" / "stacks" / "mi300x-mixed.yaml"
KUBE_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")
WORKLOADS = {"Deployment", "LeaderWorkerSet"}


def static_router(values: dict[str, Any]) -> dict[str, Any]:
    """The values with the router on static discovery (one backend per model Service)."""
    return {**values, "router": {**values.get("router", {}), "serviceDiscovery": "static"}}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def render(values: dict[str, Any], release: str = "stk", **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("api_versions", helm.CRD_API_VERSIONS)
    return helm.split_manifests(helm.render_chart(STACK, values, release_name=release, **kwargs))


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def router_args(objects: list[dict[str, Any]]) -> dict[str, str]:
    (router,) = [
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-router")
    ]
    args = router["spec"]["template"]["spec"]["containers"][0]["args"]
    return {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}


def pod_templates(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if obj["kind"] == "LeaderWorkerSet":
        lwt = obj["spec"]["leaderWorkerTemplate"]
        return [lwt["leaderTemplate"], lwt["workerTemplate"]]
    return [obj["spec"]["template"]]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


TWO = load(STACK / "ci" / "two-models-values.yaml")
MULTI = load(STACK / "ci" / "multi-node-values.yaml")


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", [*SCENARIOS, EXAMPLE], ids=lambda p: p.stem)
def test_renders_validate_against_kubernetes_and_crd_schemas(scenario: Path, kube_version: str) -> None:
    objects = render(load(scenario), kube_version=kube_version)
    assert objects
    assert validate_objects(objects, kube_version) == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_helm_lint_is_clean(scenario: Path) -> None:
    findings = helm.lint_chart(STACK, load(scenario), kube_version="1.33.0")
    assert [f for f in findings if f.severity in {"error", "warning"}] == []


def test_router_backends_are_each_models_service_with_its_served_name() -> None:
    objects = render(static_router(load(EXAMPLE)), release="mix")
    args = router_args(objects)
    assert args["--service-discovery"] == "static"
    urls, names = args["--static-backends"].split(","), args["--static-models"].split(",")
    assert len(urls) == len(names) == 3
    services = by_kind(objects, "Service")
    served = {}
    for obj in [*by_kind(objects, "Deployment").values(), *by_kind(objects, "LeaderWorkerSet").values()]:
        if obj["metadata"]["name"].endswith("-router"):
            continue
        serve = " ".join(pod_templates(obj)[0]["spec"]["containers"][0]["args"])  # a Ray leader runs a script
        found = re.search(r"--served-model-name'? '?([^' ]+)", serve)
        assert found, serve
        served[obj["metadata"]["labels"]["app.kubernetes.io/name"]] = found.group(1)
    for url, name in zip(urls, names, strict=True):
        host, port = url.removeprefix("http://").split(":")
        service_name, namespace = host.split(".")[:2]
        service = services[service_name]
        assert namespace == "default" and int(port) == service["spec"]["ports"][0]["port"]
        assert served[service["spec"]["selector"]["app.kubernetes.io/name"]] == name
    assert names == [
        "llama-3.1-405b",
        "llama-3.1-70b",
        "llama-3.1-8b",
    ]  # model-key order, same index as the URLs


def test_multi_node_backend_service_selects_only_lws_leaders() -> None:
    objects = render(static_router(load(EXAMPLE)), release="mix")
    service = by_kind(objects, "Service")["mix-llama-405b"]
    assert service["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"] == "0"
    assert "http://mix-llama-405b.default.svc:8000" in router_args(objects)["--static-backends"].split(",")


@pytest.mark.parametrize("scenario", [*SCENARIOS, EXAMPLE], ids=lambda p: p.stem)
def test_selectors_of_different_models_never_overlap(scenario: Path) -> None:
    objects = render(load(scenario))
    pods: dict[str, list[dict[str, str]]] = {}
    selectors: list[tuple[str, dict[str, str]]] = []
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj["kind"] in WORKLOADS:
            # The LWS controller labels group members with their index: leaders "0", workers from "1".
            pods[name] = [
                {
                    **t["metadata"]["labels"],
                    **({"leaderworkerset.sigs.k8s.io/worker-index": str(i)} if i else {}),
                }
                if obj["kind"] == "LeaderWorkerSet"
                else t["metadata"]["labels"]
                for i, t in enumerate(pod_templates(obj))
            ]
            if obj["kind"] == "LeaderWorkerSet":
                pods[name][0]["leaderworkerset.sigs.k8s.io/worker-index"] = "0"
            if obj["kind"] == "Deployment":
                selectors.append((name, obj["spec"]["selector"]["matchLabels"]))
        if (
            obj["kind"] == "Service" and obj["spec"]["type"] != "ExternalName"
        ):  # a wake Service selects no pods
            selectors.append((name, obj["spec"]["selector"]))
        if obj["kind"] == "PodDisruptionBudget":
            selectors.append((name, obj["spec"]["selector"]["matchLabels"]))
    assert len(pods) >= 2
    for owner, selector in selectors:
        selected = {w for w, labels in pods.items() if any(matches(selector, lab) for lab in labels)}
        assert len(selected) == 1, f"{owner} selects {sorted(selected)}"
        assert owner.removesuffix("-lws") in {w.removesuffix("-lws") for w in selected}


COLD_START = {
    "imagePrepull": {"enabled": True},
    "compileCache": {"enabled": True, "gpuArch": "gfx942"},
    "nodeCache": {"enabled": True, "hostPath": "/mnt/nvme/models"},
    "kvOffload": {"sizeGiB": 100},
}


@pytest.mark.parametrize("extra", [{}, COLD_START], ids=["plain", "cold-start-options"])
def test_a_stack_model_renders_exactly_as_a_single_model_release(extra: dict[str, Any]) -> None:
    """One source of truth: with the same values and names, the stack's objects equal charts/rocm-vllm's (the
    cold-start options' DaemonSets and compile-cache claim included)."""
    model = {**dict(MULTI["models"]["llama-405b"]), **extra}
    stack = render({"models": {"big": model}, "cache": {"mode": "none"}, "router": {"enabled": False}}, "rel")
    single_values = {
        **model,
        "fullnameOverride": "rel-big",
        "nameOverride": "big",
        "test": {"enabled": False},
        "podLabels": {"model": "big"},  # the stack labels each model's pods with its key for the router
    }
    single = helm.split_manifests(
        helm.render_chart(SINGLE, single_values, release_name="rel", api_versions=helm.CRD_API_VERSIONS)
    )

    def comparable(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for obj in objects:
            obj["metadata"]["labels"].pop("helm.sh/chart")
        return objects

    assert comparable(stack) == comparable(single)
    if extra:
        assert len([o for o in stack if o["kind"] == "DaemonSet"]) == 2
        assert [o for o in stack if o["kind"] == "PersistentVolumeClaim"]


def test_shared_per_stack_cache_is_mounted_read_only_with_downloads_off() -> None:
    objects = render(TWO)
    (pvc,) = by_kind(objects, "PersistentVolumeClaim").values()
    assert pvc["metadata"]["name"] == "stk-models"
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "100Gi"
    (job,) = by_kind(objects, "Job").values()
    job_pod = job["spec"]["template"]["spec"]
    assert job_pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "stk-models"
    job_env = {e["name"]: e.get("value") for e in job_pod["containers"][0]["env"]}
    assert {m["id"] for m in yaml.safe_load(job_env["CACHE_MODELS"])} == {
        "meta-llama/Llama-3.1-8B-Instruct",
        "Qwen/Qwen3-8B",
    }
    for name in ("stk-llama-8b", "stk-qwen-8b"):
        spec = by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]
        volume = next(v for v in spec["volumes"] if v["name"] == "model-cache")
        assert volume["persistentVolumeClaim"] == {"claimName": "stk-models", "readOnly": True}
        env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
        assert env["HF_HUB_OFFLINE"] == "1"
        (wait,) = spec["initContainers"]  # the wait container only: no download init container
        assert wait["name"] == "wait-for-model-cache"
        marker = wait["env"][0]["value"]
        model = TWO["models"][name.removeprefix("stk-")]["model"]
        org_name = model["id"].replace("/", "--")
        assert marker == f"/models/.rocm-vllm-cache/models--{org_name}/{model['revision']}.complete"
        assert wait["volumeMounts"] == [
            {"name": "model-cache", "mountPath": "/models", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ]
        assert wait["securityContext"]["runAsNonRoot"] is True
        assert wait["securityContext"]["readOnlyRootFilesystem"] is True


def test_per_model_caches_give_each_model_its_claim_and_job() -> None:
    objects = render(MULTI)
    claims = by_kind(objects, "PersistentVolumeClaim")
    assert set(claims) == {"stk-llama-405b-cache", "stk-llama-70b-cache"}
    assert claims["stk-llama-405b-cache"]["spec"]["resources"]["requests"]["storage"] == "1Ti"
    jobs = list(by_kind(objects, "Job").values())
    assert len(jobs) == 2
    lws = by_kind(objects, "LeaderWorkerSet")["stk-llama-405b-lws"]
    for template in pod_templates(lws):  # leader and workers mount the same claim read-only
        volume = next(v for v in template["spec"]["volumes"] if v["name"] == "model-cache")
        assert volume["persistentVolumeClaim"] == {"claimName": "stk-llama-405b-cache", "readOnly": True}
        assert template["spec"]["initContainers"][0]["name"] == "wait-for-model-cache"
    for job in jobs:
        affinity = job["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
        assert "requiredDuringSchedulingIgnoredDuringExecution" in affinity  # cache.values gpuNodes: require


def test_cache_mode_none_keeps_each_models_own_cache() -> None:
    objects = render(load(STACK / "ci" / "router-ha-values.yaml"))
    assert by_kind(objects, "Job") == {} and by_kind(objects, "PersistentVolumeClaim") == {}
    assert set(by_kind(objects, "Deployment")) == {
        "stk-llama-8b",
        "stk-router",
    }  # the disabled model is left out


def test_router_has_its_own_service_hpa_pdb_monitor_and_routes() -> None:
    objects = render(load(STACK / "ci" / "router-ha-values.yaml"))
    assert "replicas" not in by_kind(objects, "Deployment")["stk-router"]["spec"]
    for kind in (
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ServiceMonitor",
        "Ingress",
        "HTTPRoute",
    ):
        assert "stk-router" in by_kind(objects, kind), kind
    args = router_args(objects)
    assert args["--routing-logic"] == "session" and args["--session-key"] == "x-user-id"
    account = by_kind(objects, "ServiceAccount")["stk-router"]
    assert account["automountServiceAccountToken"] is False
    pod = by_kind(objects, "Deployment")["stk-router"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == (
        "lmcache/lmstack-router:v0.1.12@sha256:d8cfaf022f0179ba3f9d2bbcb95c602bd639b700f7a6ac409626758d1a366483"
    )
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {
        p["httpGet"]["path"]
        for p in (container[k] for k in ("startupProbe", "readinessProbe", "livenessProbe"))
    } == {"/health"}
    assert all(o["metadata"]["labels"].get("team") == "inference" for o in objects)


def test_router_disabled_renders_no_router() -> None:
    objects = render({**TWO, "router": {"enabled": False}})
    assert not [o for o in objects if o["metadata"]["name"].startswith("stk-router")]


def test_false_and_empty_model_values_override_the_defaults() -> None:
    values = {"models": {"cpu": {"gpu": {"enabled": False}, "vllm": {"extraArgs": []}, "replicaCount": 0}}}
    deployment = by_kind(render({**values, "cache": {"mode": "none"}}), "Deployment")["stk-cpu"]
    assert deployment["spec"]["replicas"] == 0
    assert "amd.com/gpu" not in (
        deployment["spec"]["template"]["spec"]["containers"][0].get("resources") or {}
    ).get("limits", {})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"models": {}}, "models has no enabled model"),
        ({"models": {"router": TWO["models"]["qwen-8b"]}}, 'the key "router" is taken'),
        (
            {"models": {"a": TWO["models"]["qwen-8b"], "b": TWO["models"]["qwen-8b"]}},
            'both serve the model name "Qwen/Qwen3-8B"',
        ),
        ({**MULTI, "router": {"routingLogic": "session"}}, "router.sessionKey is empty"),
        ({**TWO, "rocm-vllm": {"enabled": True}}, "rocm-vllm.enabled is true"),
    ],
)
def test_invalid_stacks_fail_with_a_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render(values)


def test_multi_node_object_names_are_limited_to_44_characters() -> None:
    with pytest.raises(InvalidInputError, match="allows 44"):
        render(MULTI, release="a-release-name-long-enough-to-overflow")


def test_the_schema_rejects_a_misspelled_model_value() -> None:
    with pytest.raises(InvalidInputError, match="replicaCont"):
        render({"models": {"a": {"replicaCont": 2}}})


def test_embedded_chart_schemas_are_in_sync() -> None:
    module = script_module("sync_stack_schema")
    assert module.main(["--check"]) == 0, "run python scripts/sync_stack_schema.py"


def test_values_yaml_documents_every_key_and_matches_the_schema() -> None:
    import jsonschema

    schema = yaml.safe_load((STACK / "values.schema.json").read_text())
    text = (STACK / "values.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=values.schema.json"
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load(text))
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if (
            not stripped
            or stripped.startswith(("#", "-"))
            or ":" not in stripped
            or line.startswith("      ")
        ):
            continue
        key = stripped.split(":")[0]
        assert (lines[index - 1].lstrip().startswith("#") and key in lines[index - 1]) or any(
            key in lines[j] for j in range(max(0, index - 8), index) if lines[j].lstrip().startswith("#")
        ), f"values.yaml line {index + 1}: {key} is undocumented"


def test_single_chart_enabled_false_renders_nothing() -> None:
    assert helm.render_chart(SINGLE, {"enabled": False}) == {}
    assert helm.render_chart(REPO / "charts" / "rocm-vllm-cache", {"enabled": False}) == {}


def test_multi_node_models_run_the_rocm_vllm_launch_scripts() -> None:
    """The stack calls charts/rocm-vllm's templates with a context of its own: it must carry the embedded chart's
    .Files, or the launch scripts (files/ray-*.sh) would be empty."""
    (lws,) = by_kind(render(MULTI), "LeaderWorkerSet").values()
    template = lws["spec"]["leaderWorkerTemplate"]
    for role, script in (("leaderTemplate", "ray-leader.sh"), ("workerTemplate", "ray-worker.sh")):
        (vllm,) = [c for c in template[role]["spec"]["containers"] if c["name"] == "vllm"]
        assert vllm["command"] == ["/bin/sh", "-c", (SINGLE / "files" / script).read_text(encoding="utf-8")]
        names = {e["name"] for e in vllm["env"]}
        assert {"ROCM_VLLM_RAY_PORT", "ROCM_VLLM_GPUS_PER_NODE", "ROCM_VLLM_GROUP_WAIT_SECONDS"} <= names


@pytest.mark.parametrize("kube_version", ["1.29.0", "1.37.0"])
def test_observability_pack_renders_once_per_model_through_the_model_chart(kube_version: str) -> None:
    pack = {"metrics": {"dashboards": {"enabled": True}, "prometheusRule": {"enabled": True}}}
    objects = render({**TWO, "modelDefaults": pack}, kube_version=kube_version)
    rules = by_kind(objects, "PrometheusRule")
    assert set(rules) == {"stk-llama-8b", "stk-qwen-8b"}
    exprs = {r["alert"]: r["expr"] for r in rules["stk-llama-8b"]["spec"]["groups"][0]["rules"]}
    assert 'model_name="llama-8b"' in exprs["VllmKvCacheNearFull"]
    assert set(by_kind(objects, "ConfigMap")) >= {
        "stk-llama-8b-dashboard-vllm-serving",
        "stk-qwen-8b-dashboard-amd-gpus",
    }
    assert validate_objects(objects, kube_version) == []
    assert by_kind(render(TWO), "PrometheusRule") == {}


LORA = load(STACK / "ci" / "lora-values.yaml")


def test_lora_adapter_names_route_to_their_base_models_service() -> None:
    """production-stack's static discovery keeps one model name per backend and routes a request to the backends
    whose names hold its model field: each adapter is the base model's Service URL again, under its own name.
    (With pod discovery, the default, the router reads the adapters from each pod's /v1/models instead.)"""
    args = router_args(render(static_router(LORA)))
    llama = "http://stk-llama-8b.default.svc:8000"
    qwen = "http://stk-qwen-8b.default.svc:8000"
    pairs = list(zip(args["--static-backends"].split(","), args["--static-models"].split(","), strict=True))
    assert pairs == [
        (llama, "llama-8b"),
        (llama, "llama-8b-sql"),
        (llama, "llama-8b-support"),
        (qwen, "Qwen/Qwen3-8B"),
    ]


def test_lora_adapters_load_from_the_shared_cache_after_the_job_fetched_them() -> None:
    objects = render(LORA)
    (job,) = [o for o in objects if o["kind"] == "Job"]
    env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    fetched = [(m["id"], m["revision"]) for m in yaml.safe_load(env["CACHE_MODELS"])]
    assert fetched[2:] == [
        ("example-org/llama-3.1-8b-sql-lora", "0123456789abcdef0123456789abcdef01234567"),
        ("example-org/llama-3.1-8b-support-lora", "89abcdef0123456789abcdef0123456789abcdef"),
    ]
    llama = by_kind(objects, "Deployment")["stk-llama-8b"]["spec"]["template"]["spec"]
    (wait,) = [c for c in llama["initContainers"] if c["name"] == "wait-for-model-cache"]
    markers = {e["name"]: e["value"] for e in wait["env"]}["LORA_MARKERS"].split()
    assert markers == [
        "/models/.rocm-vllm-cache/models--example-org--llama-3.1-8b-sql-lora/0123456789abcdef0123456789abcdef01234567.complete",
        "/models/.rocm-vllm-cache/models--example-org--llama-3.1-8b-support-lora/89abcdef0123456789abcdef0123456789abcdef.complete",
    ]
    assert "${LORA_MARKERS}" in wait["command"][2]
    args = [str(a) for a in llama["containers"][0]["args"]]
    assert "--enable-lora" in args and "download-model" not in {c["name"] for c in llama["initContainers"]}
    qwen = by_kind(objects, "Deployment")["stk-qwen-8b"]["spec"]["template"]["spec"]
    (qwen_wait,) = qwen["initContainers"]
    assert "LORA_MARKERS" not in {e["name"] for e in qwen_wait["env"]}


@pytest.mark.parametrize(
    ("adapter_name", "message"),
    [
        (
            "Qwen/Qwen3-8B",
            r"models\.llama-8b: LoRA adapter \"Qwen/Qwen3-8B\" has the name models\.qwen-8b already serves",
        ),
        (
            "llama-8b-support",
            r"LoRA adapter \"llama-8b-support\" has the name models\.llama-8b already serves",
        ),
    ],
)
def test_lora_adapter_names_must_be_unique_across_the_stack(adapter_name: str, message: str) -> None:
    values = yaml.safe_load(yaml.safe_dump(LORA))
    values["models"]["llama-8b"]["lora"]["adapters"][0]["name"] = adapter_name
    with pytest.raises(InvalidInputError, match=message):
        render(values)
