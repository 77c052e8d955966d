"""charts/rocm-vllm lora.*: the LoRA flags, adapters fetched at their pinned revisions by the one download init
container, the runtime-updating switch, and the install-time checks (each with what to change)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chart_objects import MULTI_NODE, container, merged, pod_specs

from rocm_vllm.errors import InvalidInputError

REV = "0123456789abcdef0123456789abcdef01234567"
SQL = {
    "name": "sql",
    "repo": "example-org/qwen3-sql-lora",
    "revision": REV,
    "baseModel": "Qwen/Qwen3-0.6B",
    "rank": 16,
}
LORA: dict[str, Any] = {"lora": {"enabled": True, "adapters": [SQL]}}


def args_of(objects: list[dict[str, Any]], role: str = "single") -> list[str]:
    return [str(a) for a in container(pod_specs(objects)[role])["args"]]


def env_of(template: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in container(template)["env"]}


def init_containers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in template["spec"].get("initContainers", [])}


def test_off_by_default_renders_no_lora_flag_env_or_download(render_objects: Any) -> None:
    objects = render_objects({})
    template = pod_specs(objects)["single"]
    assert not [a for a in args_of(objects) if "lora" in a]
    assert "VLLM_ALLOW_RUNTIME_LORA_UPDATING" not in env_of(template)
    assert "download-model" not in init_containers(template)


def test_flags_and_one_json_module_per_adapter(render_objects: Any) -> None:
    values = merged(
        LORA,
        {
            "cache": {"enabled": True},
            "model": {"servedModelName": "qwen"},
            "lora": {
                "adapters": [SQL, {"name": "tone", "path": "adapters/tone/"}],
                "maxLoras": 2,
                "maxLoraRank": 32,
                "maxCpuLoras": 4,
                "dtype": "bfloat16",
            },
        },
    )
    args = args_of(render_objects(values))
    start = args.index("--enable-lora")
    assert args[start : start + 10] == [
        "--enable-lora",
        "--max-loras",
        "2",
        "--max-lora-rank",
        "32",
        "--max-cpu-loras",
        "4",
        "--lora-dtype",
        "bfloat16",
        "--lora-modules",
    ]
    modules = [json.loads(a) for a in args[start + 10 : start + 12]]
    assert modules == [
        {
            "name": "sql",
            "path": f"/models/hub/models--example-org--qwen3-sql-lora/snapshots/{REV}",
            "base_model_name": "qwen",
        },
        {"name": "tone", "path": "/models/adapters/tone", "base_model_name": "qwen"},
    ]
    assert args[start + 12] == "--shutdown-timeout"


def test_enabled_without_adapters_has_no_lora_modules(render_objects: Any) -> None:
    args = args_of(render_objects({"lora": {"enabled": True, "runtimeUpdating": True, "maxCpuLoras": None}}))
    assert "--enable-lora" in args and "--lora-modules" not in args and "--max-cpu-loras" not in args


def test_repo_adapters_are_fetched_at_their_revision_without_a_cache(render_objects: Any) -> None:
    """No cache configured: the init container fetches only the adapters (vLLM fetches the model itself) into the
    pod's volume, at the pinned revision vLLM's own fetch could not take."""
    template = pod_specs(render_objects(LORA))["single"]
    download = init_containers(template)["download-model"]
    env = {e["name"]: e.get("value") for e in download["env"]}
    assert json.loads(env["LORA_ADAPTERS"]) == [{"name": "sql", "repo": SQL["repo"], "revision": REV}]
    assert "MODEL_ID" not in env and env["HF_HOME"] == "/models"
    script = download["command"][2]
    assert 'snapshot_download(repo_id=adapter["repo"], revision=adapter["revision"])' in script
    assert "MODEL_ID" not in script
    assert template["spec"]["securityContext"]["fsGroup"] == 10001


def test_model_and_adapters_share_one_download_container(render_objects: Any) -> None:
    template = pod_specs(
        render_objects(merged(LORA, {"cache": {"enabled": True, "download": {"enabled": True}}}))
    )["single"]
    (download,) = template["spec"]["initContainers"]
    env = {e["name"] for e in download["env"]}
    assert {"MODEL_ID", "MODEL_REVISION", "LORA_ADAPTERS"} <= env


@pytest.mark.parametrize(
    "cache",
    [{"offline": True}, {"enabled": True, "existingClaim": "filled", "readOnly": True, "offline": True}],
    ids=["offline", "read-only"],
)
def test_offline_or_read_only_cache_fetches_nothing(render_objects: Any, cache: dict[str, Any]) -> None:
    objects = render_objects(merged(LORA, {"cache": cache}))
    assert "download-model" not in init_containers(pod_specs(objects)["single"])
    assert any("models--example-org--qwen3-sql-lora" in a for a in args_of(objects))


def test_path_adapters_are_not_downloaded(render_objects: Any) -> None:
    values = {
        "cache": {"enabled": True},
        "lora": {"enabled": True, "adapters": [{"name": "tone", "path": "a/t"}]},
    }
    assert "download-model" not in init_containers(pod_specs(render_objects(values))["single"])


def test_runtime_updating_sets_the_switch_on_every_pod(render_objects: Any) -> None:
    objects = render_objects(merged(MULTI_NODE, {"lora": {"enabled": True, "runtimeUpdating": True}}))
    for role in ("leader", "worker"):
        assert env_of(pod_specs(objects)[role])["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "true"
    assert "--enable-lora" in args_of(objects, "leader")


def test_lora_objects_validate(render_objects: Any) -> None:
    from rocm_vllm.kube_schema import validate_objects

    for extra in ({}, MULTI_NODE):
        assert validate_objects(render_objects(merged(LORA, extra)), "1.33.0") == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lora": {"adapters": [SQL]}}, r"lora\.enabled is false: set lora\.enabled=true"),
        ({"lora": {"enabled": False, "runtimeUpdating": True}}, r"lora\.enabled is false"),
        (
            {"lora": {"enabled": True, "maxLoras": 4, "maxCpuLoras": 2}},
            r"maxCpuLoras 2 is below lora\.maxLoras 4",
        ),
        (
            {"lora": {"enabled": True, "adapters": [{"name": "a"}]}},
            r"lora\.adapters\[0\] \(a\) needs exactly one of repo \(with revision\) or path",
        ),
        (
            {"cache": {"enabled": True}, "lora": {"enabled": True, "adapters": [{**SQL, "path": "x"}]}},
            "needs exactly one of repo",
        ),
        (
            {"lora": {"enabled": True, "adapters": [{"name": "a", "path": "x"}]}},
            r"path \"x\" inside the model cache, but cache\.enabled is false",
        ),
        (
            {"lora": {"enabled": True, "adapters": [SQL, {**SQL, "revision": "f" * 40}]}},
            r"lora\.adapters\[0\] and lora\.adapters\[1\] are both named \"sql\"",
        ),
        (
            {"lora": {"enabled": True, "adapters": [{**SQL, "name": "Qwen/Qwen3-0.6B"}]}},
            "the served model name: requests for it would be ambiguous",
        ),
        (
            {"lora": {"enabled": True, "adapters": [{**SQL, "baseModel": "Qwen/Qwen3-8B"}]}},
            r"was trained on Qwen/Qwen3-8B, but model\.id is Qwen/Qwen3-0\.6B",
        ),
        (
            {"lora": {"enabled": True, "adapters": [{**SQL, "rank": 64}]}},
            r"has rank 64, above lora\.maxLoraRank 16; vLLM refuses to load it: raise maxLoraRank to at least 64",
        ),
        (
            {"vllm": {"dataParallelSize": 2}, "lora": {"enabled": True, "runtimeUpdating": True}},
            r"lora\.runtimeUpdating with 2 API server processes",
        ),
        (
            {
                "vllm": {"extraArgs": ["--api-server-count=3"]},
                "lora": {"enabled": True, "runtimeUpdating": True},
            },
            r"lora\.runtimeUpdating with 3 API server processes",
        ),
    ],
)
def test_invalid_lora_values_fail_with_what_to_change(
    render_objects: Any, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render_objects(values)


@pytest.mark.parametrize(
    "extra_args",
    [["--api-server-count", "1"], ["-asc", "1"], ["--data-parallel-rank", "0"]],
)
def test_one_api_server_allows_runtime_updating_with_data_parallel(
    render_objects: Any, extra_args: list[str]
) -> None:
    values = {
        "vllm": {"dataParallelSize": 2, "extraArgs": extra_args},
        "lora": {"enabled": True, "runtimeUpdating": True},
    }
    assert render_objects(values)


@pytest.mark.parametrize(
    "lora",
    [
        {"maxLoraRank": 24},
        {"maxLoras": 0},
        {"dtype": "float32"},
        {"adapters": [{"name": "a", "repo": "o/r"}]},  # repo without revision
        {"adapters": [{"name": "a", "repo": "o/r", "revision": "main"}]},  # not a pinned commit
        {"adapters": [{"name": "a,b", "path": "x"}]},
        {"adapters": [{"name": "a", "path": "/abs"}]},
        {"adapters": [{"name": "a", "path": "x", "alias": "b"}]},
    ],
)
def test_schema_refuses_malformed_lora_values(render_objects: Any, lora: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        render_objects({"cache": {"enabled": True}, "lora": {"enabled": True, **lora}})


def test_service_and_httproute_reach_the_pods_that_serve_the_adapters(render_objects: Any) -> None:
    """An adapter is a model name in the request body: the chart's Service and HTTPRoute send every request to the
    pods started with --lora-modules, so an adapter name reaches its base model's pods with no rule of its own."""
    gateway = {"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}}
    objects = render_objects(merged(LORA, gateway))
    (service,) = [o for o in objects if o["kind"] == "Service"]
    (route,) = [o for o in objects if o["kind"] == "HTTPRoute"]
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    (rule,) = route["spec"]["rules"]
    assert rule["backendRefs"] == [
        {"name": service["metadata"]["name"], "port": service["spec"]["ports"][0]["port"]}
    ]
    assert "--lora-modules" in args_of(objects)


def test_notes_warn_only_when_runtime_updating_is_on(chart_dir: Any) -> None:
    from rocm_vllm import helm

    def notes(values: dict[str, Any]) -> str:
        rendered = helm.render_chart(
            chart_dir, values, include_notes=True, api_versions=helm.CRD_API_VERSIONS
        )
        return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))

    assert "lora.runtimeUpdating is true" in notes({"lora": {"enabled": True, "runtimeUpdating": True}})
    assert "runtimeUpdating" not in notes(LORA)
