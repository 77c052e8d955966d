"""charts/rocm-vllm cache.readOnly: a cache another Job filled, mounted read-only by every pod (single, leader and
worker), with the checks that keep it from being written."""

from __future__ import annotations

from typing import Any

import pytest

from rocm_vllm.errors import InvalidInputError

READ_ONLY: dict[str, Any] = {
    "cache": {
        "enabled": True,
        "existingClaim": "stack-models",
        "offline": True,
        "readOnly": True,
        "download": {"enabled": False},
    }
}
MULTI_NODE: dict[str, Any] = {
    "multiNode": {"nodesPerReplica": 2},
    "gpu": {"count": 8, "model": "MI300X", "deviceIds": ["74a1", "74a9", "74b5", "74bd"]},
    "vllm": {"tensorParallelSize": 8, "pipelineParallelSize": 2},
}


def templates(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for obj in objects:
        if obj["kind"] == "Deployment":
            out.append(obj["spec"]["template"])
        elif obj["kind"] == "LeaderWorkerSet":
            lwt = obj["spec"]["leaderWorkerTemplate"]
            out += [lwt["leaderTemplate"], lwt["workerTemplate"]]
    return out


def cache_mount_and_volume(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    (vllm,) = [c for c in template["spec"]["containers"] if c["name"] == "vllm"]
    (mount,) = [m for m in vllm["volumeMounts"] if m["name"] == "model-cache"]
    (volume,) = [v for v in template["spec"]["volumes"] if v["name"] == "model-cache"]
    return mount, volume


def env_names(template: dict[str, Any]) -> dict[str, Any]:
    (vllm,) = [c for c in template["spec"]["containers"] if c["name"] == "vllm"]
    return {e["name"]: e.get("value") for e in vllm["env"]}


def test_default_mount_is_writable(render_objects: Any) -> None:
    (template,) = templates(render_objects({"cache": {"enabled": True}}))
    mount, volume = cache_mount_and_volume(template)
    assert "readOnly" not in mount and "readOnly" not in volume["persistentVolumeClaim"]
    assert "HF_MODULES_CACHE" not in env_names(template)


@pytest.mark.parametrize("extra", [{}, MULTI_NODE], ids=["single", "multi-node"])
def test_read_only_on_every_pod(render_objects: Any, extra: dict[str, Any]) -> None:
    objects = render_objects({**READ_ONLY, **extra})
    assert "PersistentVolumeClaim" not in {o["kind"] for o in objects}
    pods = templates(objects)
    assert len(pods) == (2 if extra else 1)
    for template in pods:
        mount, volume = cache_mount_and_volume(template)
        assert mount["readOnly"] is True
        assert volume["persistentVolumeClaim"] == {"claimName": "stack-models", "readOnly": True}
        env = env_names(template)
        assert env["HF_HUB_OFFLINE"] == "1" and env["HF_MODULES_CACHE"] == "/tmp/hf_modules"
        assert "initContainers" not in template["spec"]


def test_read_only_objects_validate(render_objects: Any) -> None:
    from rocm_vllm.kube_schema import validate_objects

    for extra in ({}, MULTI_NODE):
        assert validate_objects(render_objects({**READ_ONLY, **extra}), "1.33.0") == []


def test_read_only_needs_a_claim(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"cache\.readOnly needs cache\.enabled"):
        render_objects({"cache": {"readOnly": True}})


def test_read_only_refuses_the_download_init_container(render_objects: Any) -> None:
    with pytest.raises(InvalidInputError, match="cannot write to a read-only cache"):
        render_objects({"cache": {"enabled": True, "readOnly": True, "download": {"enabled": True}}})
    # offline skips the download, so the combination is harmless
    render_objects(
        {"cache": {"enabled": True, "readOnly": True, "offline": True, "download": {"enabled": True}}}
    )
