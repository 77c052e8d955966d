"""charts/rocm-vllm: gates, the multi-node shape, autoscaling, HA, cache, security, and failures that say what
to change."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest
from chart_objects import MULTI_NODE, assert_render_refused, by_kind, container, merged, one, pod_specs

from rocm_vllm.errors import InvalidInputError

CHART_FILES = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm" / "files"


def command_line(template: dict[str, Any]) -> str:
    c = container(template)
    return " ".join(c.get("command", []) + c.get("args", []))


def env(template: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(template).get("env", [])}


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# Defaults and gates


def test_default_render_is_a_deployment_service_and_serviceaccount(render_objects: Any) -> None:
    objects = render_objects(include_hooks=False)
    assert sorted(o["kind"] for o in objects) == [
        "Deployment",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]


GATES = [
    ("HorizontalPodAutoscaler", {"autoscaling": {"enabled": True}}),
    ("ScaledObject", {"keda": {"enabled": True, "prometheus": {"serverAddress": "http://prom:9090"}}}),
    ("PodDisruptionBudget", {"podDisruptionBudget": {"enabled": True}}),
    ("PersistentVolumeClaim", {"cache": {"enabled": True}}),
    ("ServiceMonitor", {"metrics": {"serviceMonitor": {"enabled": True}}}),
    ("PodMonitor", {"metrics": {"podMonitor": {"enabled": True}}}),
    ("NetworkPolicy", {"networkPolicy": {"enabled": True}}),
    ("Ingress", {"ingress": {"enabled": True}}),
    ("HTTPRoute", {"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}}),
    ("Service", {"service": {"enabled": True}}),
    ("ServiceAccount", {"serviceAccount": {"create": True}}),
    ("LeaderWorkerSet", MULTI_NODE),
]


@pytest.mark.parametrize(("kind", "enabling"), GATES, ids=[g[0] for g in GATES])
def test_gate_renders_its_kind_only_when_enabled(
    render_objects: Any, kind: str, enabling: dict[str, Any]
) -> None:
    assert len(by_kind(render_objects(enabling), kind)) == 1
    disabling = {
        "HorizontalPodAutoscaler": {"autoscaling": {"enabled": False}},
        "ScaledObject": {"keda": {"enabled": False}},
        "PodDisruptionBudget": {"podDisruptionBudget": {"enabled": False}},
        "PersistentVolumeClaim": {"cache": {"enabled": False}},
        "ServiceMonitor": {"metrics": {"serviceMonitor": {"enabled": False}}},
        "PodMonitor": {"metrics": {"podMonitor": {"enabled": False}}},
        "NetworkPolicy": {"networkPolicy": {"enabled": False}},
        "Ingress": {"ingress": {"enabled": False}},
        "HTTPRoute": {"httpRoute": {"enabled": False}},
        "Service": {"service": {"enabled": False}, "test": {"enabled": False}},
        "ServiceAccount": {"serviceAccount": {"create": False}},
        "LeaderWorkerSet": {"multiNode": {"nodesPerReplica": 1}},
    }[kind]
    assert by_kind(render_objects(disabling), kind) == []


def test_existing_claim_renders_no_pvc_but_mounts_it(render_objects: Any) -> None:
    objects = render_objects({"cache": {"enabled": True, "existingClaim": "weights"}})
    assert by_kind(objects, "PersistentVolumeClaim") == []
    volumes = {v["name"]: v for v in pod_specs(objects)["single"]["spec"]["volumes"]}
    assert volumes["model-cache"]["persistentVolumeClaim"] == {"claimName": "weights"}


def test_test_pod_is_a_hook_and_gated(render_objects: Any) -> None:
    pods = by_kind(render_objects(), "Pod")
    assert len(pods) == 1 and pods[0]["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pods[0]["spec"]["containers"][0]["command"][-1]
    assert "/v1/models" in script
    assert by_kind(render_objects({"test": {"enabled": False}}), "Pod") == []


# Labels


def test_every_object_carries_the_recommended_labels(render_objects: Any) -> None:
    values = merged(
        MULTI_NODE,
        {
            "podDisruptionBudget": {"enabled": True},
            "autoscaling": {"enabled": True},
            "cache": {"enabled": True},
        },
        {"metrics": {"serviceMonitor": {"enabled": True}, "podMonitor": {"enabled": True}}},
        {"networkPolicy": {"enabled": True}, "ingress": {"enabled": True}},
    )
    for obj in render_objects(values):
        labels = obj["metadata"]["labels"]
        for key in (
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/managed-by",
            "helm.sh/chart",
            "app.kubernetes.io/version",
            "app.kubernetes.io/component",
        ):
            assert key in labels, f"{obj['kind']} lacks {key}"


def test_selectors_never_contain_the_chart_version(render_objects: Any) -> None:
    objects = render_objects(merged({"podDisruptionBudget": {"enabled": True}}))
    deployment = one(objects, "Deployment")
    for selector in (
        deployment["spec"]["selector"]["matchLabels"],
        one(objects, "Service")["spec"]["selector"],
        one(objects, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
    ):
        assert "helm.sh/chart" not in selector and "app.kubernetes.io/version" not in selector
    assert "helm.sh/chart" not in deployment["spec"]["template"]["metadata"]["labels"]


# Single node


def test_single_node_command_and_flags(render_objects: Any) -> None:
    values = {
        "model": {"id": "org/model", "revision": "abc123", "servedModelName": "m", "trustRemoteCode": True},
        "vllm": {
            "maxModelLen": 8192,
            "maxNumSeqs": 64,
            "quantization": "fp8",
            "extraArgs": ["--enable-prefix-caching"],
            "enableExpertParallel": True,
            "dataParallelSize": 2,
        },
    }
    c = container(pod_specs(render_objects(values))["single"])
    assert c["command"] == ["vllm", "serve"]
    args = c["args"]
    assert args[0] == "org/model"
    flags = dict(itertools.pairwise(args))
    for flag, value in {
        "--served-model-name": "m",
        "--revision": "abc123",
        "--port": "8000",
        "--tensor-parallel-size": "1",
        "--pipeline-parallel-size": "1",
        "--data-parallel-size": "2",
        "--max-model-len": "8192",
        "--gpu-memory-utilization": "0.9",
        "--max-num-seqs": "64",
        "--dtype": "auto",
        "--quantization": "fp8",
        "--kv-cache-dtype": "auto",
    }.items():
        assert flags[flag] == value, flag
    assert "--trust-remote-code" in args and "--enable-expert-parallel" in args
    assert args[-1] == "--enable-prefix-caching"


def test_empty_and_null_settings_omit_their_flags(render_objects: Any) -> None:
    values = {
        "model": {"revision": ""},
        "vllm": {"dtype": "", "kvCacheDtype": "", "gpuMemoryUtilization": None},
    }
    args = container(pod_specs(render_objects(values))["single"])["args"]
    for flag in (
        "--revision",
        "--dtype",
        "--kv-cache-dtype",
        "--quantization",
        "--max-model-len",
        "--max-num-seqs",
        "--served-model-name",
        "--trust-remote-code",
        "--gpu-memory-utilization",
        "--enable-expert-parallel",
    ):
        assert flag not in args


def test_gpu_request_and_device_id_affinity(render_objects: Any) -> None:
    gpu = {"count": 4, "model": "MI325X", "deviceIds": ["74a5", "74b9"]}
    template = pod_specs(render_objects({"gpu": gpu}))["single"]
    resources = container(template)["resources"]
    assert resources["requests"]["amd.com/gpu"] == 4 and resources["limits"]["amd.com/gpu"] == 4
    terms = template["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    expr = terms["nodeSelectorTerms"][0]["matchExpressions"][0]
    assert expr == {"key": "amd.com/gpu.device-id", "operator": "In", "values": ["74a5", "74b9"]}


def test_any_gpu_name_with_its_device_ids(render_objects: Any) -> None:
    """The chart keeps no GPU table: a GPU it never heard of works from the ids the values carry."""
    spec = pod_specs(render_objects({"gpu": {"model": "MI999X", "deviceIds": ["7fff"]}}))["single"]["spec"]
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert terms[0]["matchExpressions"][0]["values"] == ["7fff"]


def test_gpu_model_without_device_ids_fails_instead_of_dropping_the_affinity(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"gpu.model \"MI300X\" has no gpu.deviceIds"):
        render_objects({"gpu": {"model": "MI300X"}})
    spec = pod_specs(render_objects({"gpu": {"model": "MI300X", "nodeAffinity": False}}))["single"]["spec"]
    assert "nodeAffinity" not in spec.get("affinity", {})


def test_gpu_disabled_means_no_gpu_request_and_no_gpu_affinity(render_objects: Any) -> None:
    values = {
        "gpu": {"enabled": False, "model": "MI300X"},
        "command": ["llm-d-inference-sim"],
        "args": ["--port", "8000"],
    }
    template = pod_specs(render_objects(values))["single"]
    assert "amd.com/gpu" not in str(container(template)["resources"])
    assert "nodeAffinity" not in template["spec"].get("affinity", {})
    assert container(template)["command"] == ["llm-d-inference-sim"]
    assert container(template)["args"] == ["--port", "8000"]


def test_hf_token_only_from_secret_and_hf_home_on_cache(render_objects: Any) -> None:
    values = {
        "model": {"hfTokenSecret": {"name": "hf", "key": "token"}},
        "cache": {"mountPath": "/cache", "offline": True},
    }
    template = pod_specs(render_objects(values))["single"]
    variables = env(template)
    # The token is a mounted file (HF_TOKEN_PATH), never an environment variable.
    assert "HF_TOKEN" not in variables
    assert variables["HF_TOKEN_PATH"] == "/var/run/secrets/huggingface/token"
    (volume,) = [v for v in template["spec"]["volumes"] if v["name"] == "hf-token"]
    assert volume["secret"]["secretName"] == "hf"
    assert volume["secret"]["items"] == [{"key": "token", "path": "token"}]
    assert variables["HF_HOME"] == "/cache"
    assert variables["HF_HUB_OFFLINE"] == "1"
    mounts = {m["name"]: m["mountPath"] for m in container(template)["volumeMounts"]}
    assert mounts["model-cache"] == "/cache"
    assert mounts["hf-token"] == "/var/run/secrets/huggingface"
    assert "HF_TOKEN_PATH" not in env(pod_specs(render_objects())["single"])


def test_env_map_and_raw_env_list(render_objects: Any) -> None:
    values = {
        "vllm": {
            "env": {"B": "2", "A": "1"},
            "extraEnv": [{"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        }
    }
    variables = env(pod_specs(render_objects(values))["single"])
    assert variables["A"] == "1" and variables["B"] == "2"
    assert variables["C"] == {"fieldRef": {"fieldPath": "status.podIP"}}


def test_shm_probes_and_startup_budget(render_objects: Any) -> None:
    template = pod_specs(render_objects())["single"]
    volumes = {v["name"]: v for v in template["spec"]["volumes"]}
    assert volumes["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "16Gi"}
    c = container(template)
    assert c["startupProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["startupProbe"]["periodSeconds"] * c["startupProbe"]["failureThreshold"] >= 30 * 60
    assert c["readinessProbe"]["httpGet"]["path"] == "/health"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    off = container(pod_specs(render_objects({"probes": {"liveness": {"enabled": False}}}))["single"])
    assert "livenessProbe" not in off


def test_download_init_container_and_offline_skip(render_objects: Any) -> None:
    values = {
        "model": {"id": "org/m", "revision": "r1", "hfTokenSecret": {"name": "hf"}},
        "cache": {"enabled": True, "download": {"enabled": True}},
    }
    spec = pod_specs(render_objects(values))["single"]["spec"]
    (init,) = spec["initContainers"]
    assert "snapshot_download" in init["command"][-1]
    init_env = {e["name"]: e.get("value", e.get("valueFrom")) for e in init["env"]}
    assert init_env["MODEL_ID"] == "org/m" and init_env["MODEL_REVISION"] == "r1"
    assert init_env["HF_TOKEN_PATH"] == "/var/run/secrets/huggingface/token" and "HF_TOKEN" not in init_env
    assert init["volumeMounts"] == [
        {"name": "model-cache", "mountPath": "/models"},
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "hf-token", "mountPath": "/var/run/secrets/huggingface", "readOnly": True},
    ]
    offline = merged(values, {"cache": {"offline": True}})
    assert "initContainers" not in pod_specs(render_objects(offline))["single"]["spec"]


def test_cache_pvc_keep_annotation_and_access_modes(render_objects: Any) -> None:
    pvc = one(render_objects({"cache": {"enabled": True, "size": "1Ti"}}), "PersistentVolumeClaim")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Ti"
    not_kept = one(render_objects({"cache": {"enabled": True, "keep": False}}), "PersistentVolumeClaim")
    assert "helm.sh/resource-policy" not in (not_kept["metadata"].get("annotations") or {})
    multi = one(render_objects(merged(MULTI_NODE, {"cache": {"enabled": True}})), "PersistentVolumeClaim")
    assert multi["spec"]["accessModes"] == ["ReadWriteMany"]
    explicit = one(
        render_objects({"cache": {"enabled": True, "accessModes": ["ReadOnlyMany"]}}), "PersistentVolumeClaim"
    )
    assert explicit["spec"]["accessModes"] == ["ReadOnlyMany"]


# Multi node


def test_multi_node_lws_shape_and_leader_only_service(render_objects: Any) -> None:
    objects = render_objects(merged(MULTI_NODE, {"replicaCount": 3}))
    assert by_kind(objects, "Deployment") == []
    lws = one(objects, "LeaderWorkerSet")
    assert lws["apiVersion"] == "leaderworkerset.x-k8s.io/v1"
    assert lws["spec"]["replicas"] == 3
    template = lws["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2 and template["restartPolicy"] == "RecreateGroupOnPodRestart"
    assert lws["spec"]["startupPolicy"] == "LeaderCreated"
    assert lws["spec"]["networkConfig"] == {"subdomainPolicy": "Shared"}
    service = one(objects, "Service")
    assert service["metadata"]["name"] != lws["metadata"]["name"], (
        "LWS creates a headless Service named after itself"
    )
    assert service["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"] == "0"
    assert matches(
        service["spec"]["selector"],
        template["leaderTemplate"]["metadata"]["labels"] | {"leaderworkerset.sigs.k8s.io/worker-index": "0"},
    )


def _without_role_specific(template: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(template)
    for c in out["spec"]["containers"]:
        for key in (
            "command",
            "args",
            "ports",
            "startupProbe",
            "readinessProbe",
            "livenessProbe",
            "lifecycle",
        ):
            c.pop(key, None)
    return out


@pytest.mark.parametrize("launch_mode", ["ray", "mp"])
def test_leader_and_worker_share_everything_but_command_ports_probes(
    render_objects: Any, launch_mode: str
) -> None:
    values = merged(
        MULTI_NODE,
        {"multiNode": {"launchMode": launch_mode}, "cache": {"enabled": True, "download": {"enabled": True}}},
        {
            "fabric": {
                "socketIfname": "eth0",
                "ibHca": "rdma0",
                "ibGidIndex": 3,
                "resources": {"amd.com/nic": 1},
                "networks": "rdma-net",
                "ipcLock": True,
            }
        },
        {
            "nodeSelector": {"pool": "gpu"},
            "tolerations": [{"key": "amd.com/gpu", "operator": "Exists"}],
            "priorityClassName": "high",
            "runtimeClassName": "rc",
            "schedulerName": "sched",
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}
            ],
            "vllm": {"env": {"X": "1"}},
            "podAnnotations": {"a": "b"},
        },
    )
    pods = pod_specs(render_objects(values))
    leader, worker = pods["leader"], pods["worker"]
    assert _without_role_specific(leader) == _without_role_specific(worker)
    spec = leader["spec"]
    assert spec["nodeSelector"] == {"pool": "gpu"} and spec["priorityClassName"] == "high"
    assert (
        spec["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"]
        == "server"
    )
    assert leader["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] == "rdma-net"
    variables = env(leader)
    assert variables["NCCL_SOCKET_IFNAME"] == variables["GLOO_SOCKET_IFNAME"] == "eth0"
    assert variables["NCCL_IB_HCA"] == "rdma0" and variables["NCCL_IB_GID_INDEX"] == "3"
    assert container(leader)["resources"]["limits"]["amd.com/nic"] == 1
    assert container(worker)["securityContext"]["capabilities"] == {"add": ["IPC_LOCK"], "drop": ["ALL"]}


def test_ray_commands(render_objects: Any) -> None:
    values = merged(
        MULTI_NODE, {"model": {"id": "org/it's"}, "multiNode": {"launchMode": "ray", "rayPort": 6380}}
    )
    pods = pod_specs(render_objects(values))
    leader, worker = container(pods["leader"]), container(pods["worker"])
    # The chart's scripts run verbatim; the values reach them as environment variables.
    assert leader["command"] == ["/bin/sh", "-c", (CHART_FILES / "ray-leader.sh").read_text(encoding="utf-8")]
    assert worker["command"] == ["/bin/sh", "-c", (CHART_FILES / "ray-worker.sh").read_text(encoding="utf-8")]
    assert env(pods["leader"])["ROCM_VLLM_RAY_PORT"] == env(pods["worker"])["ROCM_VLLM_RAY_PORT"] == "6380"
    # The leader's args: its name ($0), then the vllm serve arguments, unquoted (no shell word splitting).
    args = leader["args"]
    assert args[:2] == ["ray-leader", "org/it's"]
    assert args[args.index("--tensor-parallel-size") + 1] == "8"
    assert args[args.index("--pipeline-parallel-size") + 1] == "2"
    assert 'exec vllm serve "$@" --distributed-executor-backend ray' in leader["command"][2]
    assert worker["args"] == ["ray-worker"]
    assert "vllm serve" not in worker["command"][2]


def test_mp_commands(render_objects: Any) -> None:
    values = merged(MULTI_NODE, {"multiNode": {"launchMode": "mp", "masterPort": 29600}})
    pods = pod_specs(render_objects(values))
    for role in ("leader", "worker"):
        c = container(pods[role])
        assert c["command"] == ["vllm", "serve"]
        args = c["args"]
        for flag, value in {
            "--distributed-executor-backend": "mp",
            "--nnodes": "$(LWS_GROUP_SIZE)",
            "--node-rank": "$(LWS_WORKER_INDEX)",
            "--master-addr": "$(LWS_LEADER_ADDRESS)",
            "--master-port": "29600",
        }.items():
            assert args[args.index(flag) + 1] == value
        assert ("--headless" in args) == (role == "worker")
        assert "ray" not in " ".join(args)
        assert not any(e["name"].startswith("ROCM_VLLM_") for e in c.get("env", [])), (
            "ray launch settings only"
        )


@pytest.mark.parametrize(("launch_mode", "port"), [("ray", 6379), ("mp", 29500)])
def test_worker_probes_check_the_leader_port_not_http(
    render_objects: Any, launch_mode: str, port: int
) -> None:
    pods = pod_specs(render_objects(merged(MULTI_NODE, {"multiNode": {"launchMode": launch_mode}})))
    worker = container(pods["worker"])
    assert "ports" not in worker
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert "httpGet" not in worker[probe]
        code = worker[probe]["exec"]["command"][-1]
        assert 'os.environ["LWS_LEADER_ADDRESS"]' in code and f", {port})" in code
    assert container(pods["leader"])["startupProbe"]["httpGet"]["path"] == "/health"


def test_lws_settings_are_values(render_objects: Any) -> None:
    values = merged(
        MULTI_NODE,
        {
            "multiNode": {
                "restartPolicy": "RecreateGroupAfterStart",
                "startupPolicy": "LeaderReady",
                "subdomainPolicy": "UniquePerReplica",
                "rolloutStrategy": {"maxUnavailable": 2, "maxSurge": "50%"},
                "exclusiveTopology": "rack",
            }
        },
    )
    lws = one(render_objects(values), "LeaderWorkerSet")
    assert lws["metadata"]["annotations"]["leaderworkerset.sigs.k8s.io/exclusive-topology"] == "rack"
    assert lws["spec"]["leaderWorkerTemplate"]["restartPolicy"] == "RecreateGroupAfterStart"
    assert lws["spec"]["startupPolicy"] == "LeaderReady"
    assert lws["spec"]["networkConfig"]["subdomainPolicy"] == "UniquePerReplica"
    assert lws["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] == {
        "maxUnavailable": 2,
        "maxSurge": "50%",
    }


# Autoscaling and HA


@pytest.mark.parametrize("multi_node", [False, True], ids=["deployment", "lws"])
@pytest.mark.parametrize("scaler", ["hpa", "keda"])
def test_autoscaler_targets_the_workload_and_owns_replicas(
    render_objects: Any, multi_node: bool, scaler: str
) -> None:
    scaling = (
        {"autoscaling": {"enabled": True}}
        if scaler == "hpa"
        else {"keda": {"enabled": True, "prometheus": {"serverAddress": "http://prom:9090"}}}
    )
    objects = render_objects(merged(MULTI_NODE if multi_node else {}, scaling, {"replicaCount": 5}))
    workload = one(objects, "LeaderWorkerSet" if multi_node else "Deployment")
    assert "replicas" not in workload["spec"]
    target = one(objects, "HorizontalPodAutoscaler" if scaler == "hpa" else "ScaledObject")["spec"][
        "scaleTargetRef"
    ]
    assert target == {
        "apiVersion": workload["apiVersion"],
        "kind": workload["kind"],
        "name": workload["metadata"]["name"],
    }


def test_hpa_default_metric_is_the_vllm_queue(render_objects: Any) -> None:
    hpa = one(
        render_objects(
            {"autoscaling": {"enabled": True, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}}}}
        ),
        "HorizontalPodAutoscaler",
    )
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods" and metric["pods"]["metric"]["name"] == "vllm:num_requests_waiting"
    assert hpa["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 600}}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 4)


def test_keda_default_trigger_is_the_slo_queue(render_objects: Any) -> None:
    values = {
        "model": {"servedModelName": "m"},
        "keda": {
            "enabled": True,
            "prometheus": {"serverAddress": "http://prom:9090"},
            "slo": {"queue": {"threshold": 7}},
        },
    }
    scaled = one(render_objects(values), "ScaledObject")
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus" and trigger["name"] == "queue"
    assert trigger["metadata"]["serverAddress"] == "http://prom:9090"
    assert trigger["metadata"]["threshold"] == "7"
    assert (
        trigger["metadata"]["query"] == 'sum(vllm:num_requests_waiting{namespace="default",model_name="m"})'
    )


def test_keda_own_query_replaces_the_slo_triggers(render_objects: Any) -> None:
    prometheus = {"serverAddress": "http://prom:9090", "query": "sum(my_metric)", "threshold": "7"}
    scaled = one(render_objects({"keda": {"enabled": True, "prometheus": prometheus}}), "ScaledObject")
    (trigger,) = scaled["spec"]["triggers"]
    assert (trigger["metadata"]["query"], trigger["metadata"]["threshold"]) == ("sum(my_metric)", "7")


@pytest.mark.parametrize("multi_node", [False, True], ids=["deployment", "lws"])
def test_pdb_selects_every_workload_pod(render_objects: Any, multi_node: bool) -> None:
    budget = 1 if multi_node else 2  # a multi-node budget above one pod is refused (test_chart_hardening.py)
    objects = render_objects(
        merged(
            MULTI_NODE if multi_node else {},
            {"podDisruptionBudget": {"enabled": True, "maxUnavailable": budget}},
        )
    )
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1" and pdb["spec"]["maxUnavailable"] == budget
    selector = pdb["spec"]["selector"]["matchLabels"]
    templates = pod_specs(objects)
    assert templates and all(matches(selector, t["metadata"]["labels"]) for t in templates.values())
    assert not any(matches(selector, p["metadata"]["labels"]) for p in by_kind(objects, "Pod"))


@pytest.mark.parametrize(
    ("preset", "key"),
    [
        ("soft", "preferredDuringSchedulingIgnoredDuringExecution"),
        ("hard", "requiredDuringSchedulingIgnoredDuringExecution"),
    ],
)
def test_anti_affinity_presets(render_objects: Any, preset: str, key: str) -> None:
    spec = pod_specs(render_objects({"podAntiAffinityPreset": preset}))["single"]["spec"]
    assert list(spec["affinity"]["podAntiAffinity"]) == [key]
    none = pod_specs(render_objects({"podAntiAffinityPreset": "none"}))["single"]["spec"]
    assert "affinity" not in none


def test_raw_affinity_replaces_by_key(render_objects: Any) -> None:
    node = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]}]
        }
    }
    gpu = {"model": "MI300X", "deviceIds": ["74a1"]}
    spec = pod_specs(render_objects({"gpu": gpu, "affinity": {"nodeAffinity": node}}))["single"]["spec"]
    assert spec["affinity"]["nodeAffinity"] == node
    assert "podAntiAffinity" in spec["affinity"]


# Security


def _pss_baseline_violations(template: dict[str, Any]) -> list[str]:
    spec = template["spec"]
    problems = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            problems.append(field)
    if any("hostPath" in v for v in spec.get("volumes", [])):
        problems.append("hostPath volume")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile", {}).get("type")
    if seccomp == "Unconfined":
        problems.append("pod seccomp Unconfined")
    baseline_caps = {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        sc = c.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"{c['name']} privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{c['name']} allowPrivilegeEscalation")
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{c['name']} seccomp Unconfined")
        extra = set((sc.get("capabilities") or {}).get("add", [])) - baseline_caps
        if extra:
            problems.append(f"{c['name']} capabilities {sorted(extra)}")
        if any(p.get("hostPort") for p in c.get("ports", [])):
            problems.append(f"{c['name']} hostPort")
    return problems


@pytest.mark.parametrize(
    "values",
    [{}, MULTI_NODE, {"cache": {"enabled": True, "download": {"enabled": True}}}],
    ids=["single", "multi-node", "download"],
)
def test_default_render_meets_pod_security_baseline(render_objects: Any, values: dict[str, Any]) -> None:
    objects = render_objects(values)
    templates = list(pod_specs(objects).values()) + by_kind(objects, "Pod")
    assert templates
    for template in templates:
        assert _pss_baseline_violations(template) == []
        for c in template["spec"]["containers"]:
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for template in pod_specs(objects).values():
        assert template["spec"]["automountServiceAccountToken"] is False


def test_opt_ins_are_flagged_by_the_baseline_checks(render_objects: Any) -> None:
    values = {"rocm": {"seccompProfile": {"type": "Unconfined"}}, "fabric": {"ipcLock": True}}
    template = pod_specs(render_objects(values))["single"]
    assert _pss_baseline_violations(template) == ["pod seccomp Unconfined", "vllm capabilities ['IPC_LOCK']"]
    assert template["spec"]["securityContext"]["supplementalGroups"] == [44]


def test_serviceaccount_token_not_mounted(render_objects: Any) -> None:
    assert one(render_objects(), "ServiceAccount")["automountServiceAccountToken"] is False


def test_networkpolicy_admits_configured_clients_and_the_test_pod(render_objects: Any) -> None:
    clients = [{"namespaceSelector": {"matchLabels": {"team": "apps"}}}]
    objects = render_objects(merged(MULTI_NODE, {"networkPolicy": {"enabled": True, "clients": clients}}))
    policy = by_kind(objects, "NetworkPolicy")[0]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for template in pod_specs(objects).values():
        assert matches(selector, template["metadata"]["labels"])
    (api,) = policy["spec"]["ingress"]
    assert api["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert api["from"][:-1] == clients
    test_pod = one(objects, "Pod")["metadata"]["labels"]
    assert matches(api["from"][-1]["podSelector"]["matchLabels"], test_pod), (
        "helm test pod must reach the API"
    )


def test_monitors_scrape_metrics_on_leaders(render_objects: Any) -> None:
    values = merged(
        MULTI_NODE, {"metrics": {"serviceMonitor": {"enabled": True}, "podMonitor": {"enabled": True}}}
    )
    objects = render_objects(values)
    service_monitor = one(objects, "ServiceMonitor")
    assert service_monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert matches(
        service_monitor["spec"]["selector"]["matchLabels"], one(objects, "Service")["metadata"]["labels"]
    )
    pod_monitor = one(objects, "PodMonitor")
    assert pod_monitor["spec"]["selector"]["matchLabels"]["leaderworkerset.sigs.k8s.io/worker-index"] == "0"


# Failures that say what to change


@pytest.mark.parametrize(
    ("values", "api_versions", "expected"),
    [
        (
            {"vllm": {"tensorParalelSize": 2}},
            None,
            ["vllm: additional properties 'tensorParalelSize' not allowed"],
        ),
        ({"multiNode": {"launchMode": "torchrun"}}, None, ["multiNode.launchMode", "'ray', 'mp'"]),
        ({"image": {"tag": "latest"}}, None, ["image.tag", '"latest"']),
        ({"image": {"tag": ""}}, None, ['"rocm/vllm"', "neither a tag nor a digest"]),
        (
            {
                "autoscaling": {"enabled": True},
                "keda": {"enabled": True, "prometheus": {"serverAddress": "http://p"}},
            },
            None,
            ["autoscaling.enabled and keda.enabled", "Set one of them to false"],
        ),
        (
            {"multiNode": {"nodesPerReplica": 2}},
            (),
            [
                "Install the LeaderWorkerSet controller",
                "https://github.com/kubernetes-sigs/lws",
                "--api-versions leaderworkerset.x-k8s.io/v1",
                "nodesPerReplica to 1",
            ],
        ),
        ({"keda": {"enabled": True}}, None, ["keda.prometheus.serverAddress"]),
        ({"httpRoute": {"enabled": True}}, None, ["httpRoute.parentRefs"]),
        ({"model": {"hfToken": "hf_x"}}, None, ["model: additional properties 'hfToken' not allowed"]),
    ],
    ids=[
        "typo",
        "launch-mode",
        "tag-latest",
        "tag-empty",
        "hpa-and-keda",
        "no-lws-api",
        "keda-no-server",
        "httproute-no-parent",
        "plain-token",
    ],
)
def test_invalid_values_fail_with_a_message_saying_what_to_change(
    render_objects: Any, values: dict[str, Any], api_versions: tuple[str, ...] | None, expected: list[str]
) -> None:
    assert_render_refused(render_objects, values, api_versions, expected)


def test_unknown_launch_mode_fails_in_the_template_too(chart_dir: Any) -> None:
    """The schema's enum is the first line of defence; the template check covers --skip-schema-validation."""
    text = (chart_dir / "templates" / "_helpers.tpl").read_text()
    assert 'multiNode.launchMode %q is unknown: set it to \\"ray\\"' in text


def test_notes_put_warnings_first_then_how_to_reach_the_api(chart_dir: Any) -> None:
    from rocm_vllm import helm

    values = {"gpu": {"enabled": False}, "rocm": {"seccompProfile": {"type": "Unconfined"}}}
    rendered = helm.render_chart(chart_dir, values, release_name="llm", include_notes=True)
    notes = rendered["rocm-vllm/templates/NOTES.txt"].splitlines()
    assert notes[0].startswith("WARNING: gpu.enabled is false")
    assert any(line.startswith("WARNING: rocm.seccompProfile.type is Unconfined") for line in notes)
    assert any(line.startswith("WARNING: cache.enabled is false") for line in notes)
    assert "port-forward service/llm-rocm-vllm 8000:8000" in "\n".join(notes)


def test_notes_warn_about_an_unpinned_revision() -> None:
    from rocm_vllm import helm

    chart = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm"
    unpinned = helm.render_chart(
        chart, {"model": {"revision": "main"}}, include_notes=True, api_versions=helm.CRD_API_VERSIONS
    )
    notes = next(text for path, text in unpinned.items() if path.endswith("NOTES.txt"))
    assert 'model.revision "main" is not a commit hash' in notes
    pinned = helm.render_chart(
        chart, {"model": {"revision": "0" * 40}}, include_notes=True, api_versions=helm.CRD_API_VERSIONS
    )
    notes = next(text for path, text in pinned.items() if path.endswith("NOTES.txt"))
    assert "is not a commit hash" not in notes
