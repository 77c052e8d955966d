"""The cold-start values (objectStorage, nodeCache, compileCache, imagePrepull) and kvOffload: off by default, what
each renders, the combinations the chart refuses, and the node-cache script run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chart_objects import by_kind, merged, one

from rocm_vllm.errors import InvalidInputError

CHART = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm"
NODE_CACHE_SCRIPT = CHART / "files" / "node-cache.py"
MI300X = {
    "gpu": {"count": 8, "model": "MI300X", "deviceIds": ["74a1", "74a9"]},
    "vllm": {"tensorParallelSize": 8},
}
NODE_CACHE = {
    "cache": {"enabled": True, "existingClaim": "shared-cache", "offline": True, "readOnly": True},
    "nodeCache": {
        "enabled": True,
        "hostPath": "/mnt/nvme/models",
        "nodeSelector": {"example.com/nvme": "true"},
        "prefill": {"source": "claim"},
    },
}


def _pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Deployment")["spec"]["template"]["spec"]
    return spec


def _vllm(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = _pod(objects)["containers"][0]
    return container


def labels_of(daemonset: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = daemonset["spec"]["selector"]["matchLabels"]
    return labels


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_everything_is_off_by_default(render_objects: Any) -> None:
    objects = render_objects(MI300X)
    assert by_kind(objects, "DaemonSet") == []
    assert [o["metadata"]["name"] for o in by_kind(objects, "PersistentVolumeClaim")] == []
    args = _vllm(objects)["args"]
    assert args[0] == "Qwen/Qwen3-0.6B" and "--load-format" not in args and "--kv-offloading-size" not in args
    assert not {"VLLM_CACHE_ROOT", "AITER_JIT_DIR", "AWS_ENDPOINT_URL"} & set(_env(_vllm(objects)))


def test_object_storage_streams_the_bucket_with_credentials_from_a_secret(render_objects: Any) -> None:
    values = merged(
        MI300X,
        {
            "model": {"id": "meta-llama/Llama-3.1-8B-Instruct", "revision": "abc"},
            "objectStorage": {
                "enabled": True,
                "uri": "s3://models/llama-8b",
                "endpoint": "http://minio:9000",
                "credentialsSecret": "s3-models",
                "concurrency": 16,
                "memoryLimit": -1,
            },
        },
    )
    container = _vllm(render_objects(values))
    args = container["args"]
    assert args[:6] == [
        "s3://models/llama-8b",
        "--served-model-name",
        "meta-llama/Llama-3.1-8B-Instruct",
        "--load-format",
        "runai_streamer",
        "--model-loader-extra-config",
    ]
    assert args[6] == '{"concurrency":16,"memory_limit":-1}'
    assert "--revision" not in args
    env = _env(container)
    assert env["AWS_ENDPOINT_URL"] == "http://minio:9000" and env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env["RUNAI_STREAMER_S3_ENDPOINT"] == "http://minio:9000"
    assert env["RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING"] == "0"
    assert env["AWS_ACCESS_KEY_ID"] == {"secretKeyRef": {"name": "s3-models", "key": "AWS_ACCESS_KEY_ID"}}
    assert env["AWS_SECRET_ACCESS_KEY"] == {
        "secretKeyRef": {"name": "s3-models", "key": "AWS_SECRET_ACCESS_KEY"}
    }


def test_node_cache_mounts_the_nodes_copy_and_waits_for_it(render_objects: Any) -> None:
    objects = render_objects(merged(MI300X, NODE_CACHE, {"nodeSelector": {"pool": "gpu"}}))
    pod = _pod(objects)
    assert pod["nodeSelector"] == {"pool": "gpu", "example.com/nvme": "true"}
    volume = next(v for v in pod["volumes"] if v["name"] == "model-cache")
    assert volume == {
        "name": "model-cache",
        "hostPath": {"path": "/mnt/nvme/models", "type": "DirectoryOrCreate"},
    }
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "model-cache")
    assert mount["readOnly"] is True
    assert _env(pod["containers"][0])["HF_HUB_OFFLINE"] == "1"
    (wait,) = pod["initContainers"]
    assert wait["name"] == "wait-node-cache" and wait["command"][-1] == "wait"
    assert wait["securityContext"]["runAsNonRoot"] is True


def test_node_cache_prefill_daemonset_copies_from_the_claim(render_objects: Any) -> None:
    objects = render_objects(merged(MI300X, NODE_CACHE))
    (daemonset,) = by_kind(objects, "DaemonSet")
    spec = daemonset["spec"]["template"]["spec"]
    assert daemonset["metadata"]["labels"]["app.kubernetes.io/component"] == "node-cache"
    assert spec["nodeSelector"] == {"example.com/nvme": "true"}
    assert spec["affinity"]["nodeAffinity"] == _pod(objects)["affinity"]["nodeAffinity"]
    (prefill,) = spec["initContainers"]
    assert prefill["command"][-1] == "prefill" and _env(prefill)["SOURCE"] == "claim"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["shared-cache"]["persistentVolumeClaim"] == {"claimName": "shared-cache", "readOnly": True}
    assert volumes["node-cache"]["hostPath"]["path"] == "/mnt/nvme/models"
    security = prefill["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
    assert security["readOnlyRootFilesystem"] is True
    (pause,) = spec["containers"]
    assert pause["resources"]["limits"] == {"cpu": "50m", "memory": "32Mi"}


def test_node_cache_prefill_from_the_hub_uses_the_token(render_objects: Any) -> None:
    values = merged(
        MI300X,
        {
            "model": {"hfTokenSecret": {"name": "hf-token"}},
            "nodeCache": {"enabled": True, "hostPath": "/mnt/nvme/models"},
        },
    )
    (daemonset,) = by_kind(render_objects(values), "DaemonSet")
    spec = daemonset["spec"]["template"]["spec"]
    prefill = spec["initContainers"][0]
    assert _env(prefill)["SOURCE"] == "hub"
    assert _env(prefill)["HF_TOKEN_PATH"] == "/var/run/secrets/huggingface/token"
    assert {v["name"] for v in spec["volumes"]} == {"node-cache", "tmp", "hf-token"}


def test_compile_cache_claim_is_keyed_on_model_arch_and_image(render_objects: Any) -> None:
    values = merged(MI300X, {"replicaCount": 3, "compileCache": {"enabled": True, "gpuArch": "gfx942"}})
    objects = render_objects(values)
    (claim,) = by_kind(objects, "PersistentVolumeClaim")
    name = claim["metadata"]["name"]
    assert name.startswith("release-name-rocm-vllm-compile-") or "-compile-" in name
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["metadata"]["labels"]["app.kubernetes.io/component"] == "compile-cache"
    pod = _pod(objects)
    assert next(v for v in pod["volumes"] if v["name"] == "compile-cache")["persistentVolumeClaim"] == {
        "claimName": name
    }
    env = _env(pod["containers"][0])
    assert env["VLLM_CACHE_ROOT"] == "/compile-cache/vllm" and env["AITER_JIT_DIR"] == "/compile-cache/aiter"
    assert (
        env["TRITON_CACHE_DIR"] == "/compile-cache/triton"
        and env["MORI_JIT_CACHE_DIR"] == "/compile-cache/mori"
    )

    def claim_name(extra: dict[str, Any]) -> str:
        (other,) = by_kind(render_objects(merged(values, extra)), "PersistentVolumeClaim")
        result: str = other["metadata"]["name"]
        return result

    assert claim_name({"replicaCount": 1}) == name  # replicas do not change the key
    assert (
        claim_name({"image": {"tag": "rocm7.14.1_cdna_ubuntu24.04_py3.14_pytorch_2.11_vllm_0.23.0"}}) != name
    )
    assert claim_name({"compileCache": {"gpuArch": "gfx950"}}) != name
    assert claim_name({"model": {"revision": "0" * 40}}) != name
    existing = render_objects(merged(values, {"compileCache": {"existingClaim": "team-compile-cache"}}))
    assert by_kind(existing, "PersistentVolumeClaim") == []
    mounted = next(v for v in _pod(existing)["volumes"] if v["name"] == "compile-cache")
    assert mounted["persistentVolumeClaim"]["claimName"] == "team-compile-cache"


def test_image_prepull_daemonset_targets_the_releases_gpu_nodes_and_is_hardened(render_objects: Any) -> None:
    tolerations = [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    values = merged(MI300X, {"imagePrepull": {"enabled": True}, "nodeSelector": {"pool": "gpu"}})
    values["tolerations"] = tolerations
    objects = render_objects(values)
    (daemonset,) = by_kind(objects, "DaemonSet")
    spec = daemonset["spec"]["template"]["spec"]
    pod = _pod(objects)
    assert spec["nodeSelector"] == pod["nodeSelector"] == {"pool": "gpu"}
    assert spec["affinity"] == {"nodeAffinity": pod["affinity"]["nodeAffinity"]}
    assert spec["tolerations"] == tolerations
    (pull,) = spec["initContainers"]
    assert pull["image"] == pod["containers"][0]["image"] and pull["command"] == ["true"]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["automountServiceAccountToken"] is False
    for container in [pull, *spec["containers"]]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert "amd.com/gpu" not in container["resources"]["limits"]
        assert container["resources"]["requests"] == {"cpu": "10m", "memory": "16Mi"}
    # their own NetworkPolicy admits no ingress at all (the pods listen on nothing)
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(objects, "NetworkPolicy")}
    policy = policies[daemonset["metadata"]["name"].replace("-prepull", "-image-prepull")]
    assert policy["ingress"] == [] and policy["podSelector"]["matchLabels"] == labels_of(daemonset)
    # the DaemonSet's pods are not the serving pods: no selector of the release's Service, PDB or policy matches
    selector = one(objects, "Deployment")["spec"]["selector"]["matchLabels"]
    labels = daemonset["spec"]["template"]["metadata"]["labels"]
    assert not all(labels.get(k) == v for k, v in selector.items())


def test_kv_offload_flags_and_memory_request(render_objects: Any) -> None:
    values = merged(
        MI300X,
        {
            "kvOffload": {"sizeGiB": 100.5, "backend": "lmcache"},
            "resources": {"requests": {"memory": "64Gi"}, "limits": {"memory": "512Gi"}},
        },
    )
    container = _vllm(render_objects(values))
    args = container["args"]
    i = args.index("--kv-offloading-size")
    assert args[i : i + 4] == ["--kv-offloading-size", "100.5", "--kv-offloading-backend", "lmcache"]
    # 64 Gi + 16 Gi /dev/shm + 100.5 Gi buffer = 180.5 Gi = 184,832 Mi
    assert container["resources"]["requests"]["memory"] == "184832Mi"
    assert container["resources"]["limits"]["memory"] == "643584Mi"


FAILURES = [
    ({"objectStorage": {"enabled": True}}, "objectStorage.enabled needs objectStorage.uri"),
    (
        {
            "objectStorage": {"enabled": True, "uri": "s3://bkt/m"},
            "nodeCache": {"enabled": True, "hostPath": "/x"},
        },
        "objectStorage.enabled and nodeCache.enabled are both true",
    ),
    (
        {"objectStorage": {"enabled": True, "uri": "s3://bkt/m"}, "cache": {"download": {"enabled": True}}},
        "objectStorage.enabled with cache.download.enabled",
    ),
    (
        {
            "objectStorage": {"enabled": True, "uri": "s3://bkt/m"},
            "vllm": {"extraArgs": ["--load-format", "auto"]},
        },
        "vllm.extraArgs has --load-format",
    ),
    ({"nodeCache": {"enabled": True}}, "nodeCache.enabled needs nodeCache.hostPath"),
    (
        {"nodeCache": {"enabled": True, "hostPath": "/x", "prefill": {"source": "claim"}}},
        'nodeCache.prefill.source "claim" copies from the shared claim, but cache.enabled is false',
    ),
    (
        {
            "nodeCache": {"enabled": True, "hostPath": "/x", "prefill": {"source": "hub"}},
            "cache": {"download": {"enabled": True}},
        },
        "nodeCache.enabled with cache.download.enabled",
    ),
]


@pytest.mark.parametrize(("values", "message"), FAILURES, ids=[m for _, m in FAILURES])
def test_refused_combinations(render_objects: Any, values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        render_objects(merged(MI300X, values))


SCHEMA_FAILURES = [
    {"objectStorage": {"uri": "https://bucket/model"}},
    {"objectStorage": {"concurrency": 0}},
    {"nodeCache": {"hostPath": "relative/dir"}},
    {"nodeCache": {"prefill": {"source": "nfs"}}},
    {"compileCache": {"gpuArch": "GFX 942"}},
    {"imagePrepull": {"pauseImage": {"repository": "registry.k8s.io/pause", "tag": "latest"}}},
    {"kvOffload": {"sizeGiB": 0}},
    {"kvOffload": {"backend": "disk"}},
    {"kvOffload": {"sizeGiB": "64Gi"}},
]


@pytest.mark.parametrize("values", SCHEMA_FAILURES, ids=lambda v: str(v))
def test_schema_refuses_bad_values(render_objects: Any, values: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match="values"):
        render_objects(merged(MI300X, values))


def _run(mode: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NODE_CACHE_SCRIPT.read_text(encoding="utf-8"), mode],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_node_cache_script_copies_a_filled_claim_and_the_wait_sees_it(tmp_path: Path) -> None:
    shared, node = tmp_path / "shared", tmp_path / "node"
    revision = "a" * 40
    snapshot = shared / "hub" / "models--org--m" / "snapshots" / revision
    blobs = shared / "hub" / "models--org--m" / "blobs"
    snapshot.mkdir(parents=True)
    blobs.mkdir(parents=True)
    (blobs / "123").write_text("weights")
    (snapshot / "model.safetensors").symlink_to("../../blobs/123")
    env = {"NODE_CACHE": str(node), "MODEL_ID": "org/m", "MODEL_REVISION": revision, "SOURCE": "claim"}
    env["SHARED_CACHE"] = str(shared)
    env["WAIT_TIMEOUT_SECONDS"] = "1"
    refused = _run("prefill", env)  # the claim has no completion marker yet
    assert refused.returncode != 0 and "is not complete in the shared claim" in refused.stderr
    waited = _run("wait", env)
    assert waited.returncode != 0 and "is not on this node's cache" in waited.stderr
    marker = shared / ".rocm-vllm-cache" / "models--org--m" / f"{revision}.complete"
    marker.parent.mkdir(parents=True)
    marker.write_text('{"id": "org/m"}\n')
    done = _run("prefill", env)
    assert done.returncode == 0, done.stderr
    copied = node / "hub" / "models--org--m" / "snapshots" / revision / "model.safetensors"
    assert copied.is_symlink() and copied.read_text() == "weights"
    assert (node / ".rocm-vllm-cache" / "models--org--m" / f"{revision}.complete").is_file()
    again = _run("prefill", env)
    assert again.returncode == 0 and "already on this node" in again.stdout
    assert _run("wait", env).returncode == 0
