"""charts/rocm-vllm-cache: scenarios validate and lint clean, the claim's keep policy, the download Job (no GPU,
AMD GPU node placement, several models, security), failures that say what to change, and the download script
itself run against a stand-in huggingface_hub."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from rocm_vllm import helm, kube_schema
from rocm_vllm.errors import InvalidInputError

CHART = Path(__file__).resolve().parents[2] / "charts" / "rocm-vllm-cache"
VALUES_TEXT = (CHART / "values.yaml").read_text()
VALUES = yaml.safe_load(VALUES_TEXT)
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
SCENARIOS = sorted((CHART / "ci").glob("*-values.yaml"))
KUBE_VERSIONS = ("1.29.0", "1.33.0", "1.37.0")
COMMIT = "0e9e39f249a16976918f6564b8830bc894c89659"


def render(values: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    return helm.split_manifests(helm.render_chart(CHART, values or {}, release_name="cache", **kwargs))


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (obj,) = [o for o in objects if o["kind"] == kind]
    return obj


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Job")["spec"]["template"]["spec"]
    return spec


def env_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (container,) = pod_spec(objects)["containers"]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


# --- chart metadata and the values contract ---


def test_chart_yaml() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "rocm-vllm-cache"
    assert (chart["version"], chart["appVersion"], chart["kubeVersion"]) == ("0.1.0", "0.23.0", ">=1.29.0-0")


def test_default_image_is_the_serving_charts_pinned_image() -> None:
    serving = yaml.safe_load((CHART.parent / "rocm-vllm" / "values.yaml").read_text())["image"]
    assert VALUES["image"] == serving


def test_values_yaml_points_at_the_schema_and_the_schema_accepts_the_defaults() -> None:
    assert VALUES_TEXT.splitlines()[0] == "# yaml-language-server: $schema=values.schema.json"
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator(SCHEMA).validate(VALUES)


def _schema_at(path: str) -> dict[str, Any]:
    node: dict[str, Any] = SCHEMA
    for part in path.split("."):
        node = node.get("properties", {}).get(part, {})
    return node


def test_every_key_is_documented_and_in_the_schema() -> None:
    lines = VALUES_TEXT.splitlines()
    stack: list[tuple[int, str | None]] = []
    undocumented, unknown = [], []
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z][\w.-]*):", line)
        if not match or (index > 0 and lines[index - 1].lstrip().startswith("- ")):
            continue
        indent, key = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack and stack[-1][1] is None:
            continue
        path = ".".join([k for _, k in stack if k] + [key])
        comments: list[str] = []
        j = index - 1
        while j >= 0 and lines[j].lstrip().startswith("#"):
            comments.insert(0, lines[j].strip())
            j -= 1
        if not any(re.match(rf"# {re.escape(path)}\b(?![.\w])", c) for c in comments):
            undocumented.append(path)
        if not _schema_at(path):
            unknown.append(path)
        stack.append((indent, key if _schema_at(path).get("properties") else None))
    assert undocumented == [] and unknown == []


def test_every_schema_object_level_is_closed_except_passthrough_maps() -> None:
    def walk(node: dict[str, Any], path: str) -> list[str]:
        found = []
        if node.get("properties") is not None and node.get("additionalProperties") is not False:
            found.append(path)
        for key, child in (node.get("properties") or {}).items():
            found += walk(child, f"{path}.{key}" if path else key)
        if isinstance(node.get("items"), dict):
            found += walk(node["items"], f"{path}[]")
        return found

    assert walk(SCHEMA, "") == []
    schema_keys = set(SCHEMA["properties"]) - {"global"}
    assert schema_keys == set(VALUES)


# --- scenarios ---


def test_scenarios_cover_each_feature() -> None:
    names = {p.name.removesuffix("-values.yaml") for p in SCENARIOS}
    assert names == {"single-model", "several-models", "existing-claim", "airgapped-claim-only"}


EXPECTED_KINDS = {
    "single-model": ["Job", "PersistentVolumeClaim", "ServiceAccount"],
    "several-models": ["Job", "PersistentVolumeClaim", "ServiceAccount"],
    "existing-claim": ["Job", "ServiceAccount"],
    "airgapped-claim-only": ["PersistentVolumeClaim"],
}


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name.removesuffix("-values.yaml"))
def test_scenario_renders_valid_objects(scenario: Path, kube_version: str) -> None:
    objects = render(yaml.safe_load(scenario.read_text()), kube_version=kube_version)
    assert kinds(objects) == EXPECTED_KINDS[scenario.name.removesuffix("-values.yaml")]
    assert kube_schema.validate_objects(objects, kube_version) == []


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_defaults_lint_clean_in_strict_mode(kube_version: str) -> None:
    findings = helm.lint_chart(CHART, None, kube_version=kube_version, strict=True)
    assert [str(f) for f in findings if f.severity in ("error", "warning")] == []


# --- the claim ---


def test_claim_is_read_write_many_and_kept_by_default() -> None:
    pvc = one(render(), "PersistentVolumeClaim")
    assert pvc["metadata"]["name"] == "cache-rocm-vllm-cache"
    assert pvc["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "100Gi"
    assert "storageClassName" not in pvc["spec"]


def test_keep_false_drops_the_annotation_and_extras_pass_through() -> None:
    pvc = one(
        render(
            {
                "pvc": {
                    "keep": False,
                    "name": "models",
                    "annotations": {"a": "b"},
                    "storageClassName": "nfs",
                    "accessModes": ["ReadWriteOnce"],
                    "volumeName": "pv-models",
                    "dataSource": {
                        "apiGroup": "snapshot.storage.k8s.io",
                        "kind": "VolumeSnapshot",
                        "name": "s",
                    },
                }
            }
        ),
        "PersistentVolumeClaim",
    )
    assert pvc["metadata"]["name"] == "models" and pvc["metadata"]["annotations"] == {"a": "b"}
    assert pvc["spec"]["storageClassName"] == "nfs" and pvc["spec"]["volumeName"] == "pv-models"
    assert (
        pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
        and pvc["spec"]["dataSource"]["kind"] == "VolumeSnapshot"
    )


def test_existing_claim_renders_no_claim_and_the_job_fills_it() -> None:
    objects = render({"pvc": {"existingClaim": "shared-models"}})
    assert "PersistentVolumeClaim" not in kinds(objects)
    volume = pod_spec(objects)["volumes"][0]
    assert volume == {"name": "model-cache", "persistentVolumeClaim": {"claimName": "shared-models"}}


def test_download_disabled_renders_the_claim_only() -> None:
    assert kinds(render({"download": {"enabled": False}})) == ["PersistentVolumeClaim"]


# --- the Job ---


def test_job_settings_and_null_means_unset() -> None:
    job = one(render(), "Job")
    assert (job["spec"]["backoffLimit"], job["spec"]["activeDeadlineSeconds"]) == (4, 86400)
    assert "ttlSecondsAfterFinished" not in job["spec"]
    job = one(render({"job": {"activeDeadlineSeconds": None, "ttlSecondsAfterFinished": 0}}), "Job")
    assert "activeDeadlineSeconds" not in job["spec"] and job["spec"]["ttlSecondsAfterFinished"] == 0
    assert pod_spec([job])["restartPolicy"] == "Never"


def test_job_requests_no_gpu_and_refuses_one() -> None:
    (container,) = pod_spec(render())["containers"]
    resources = container["resources"]
    assert not any("gpu" in name for part in resources.values() for name in part)
    with pytest.raises(InvalidInputError, match=r"resources.limits requests \"amd.com/gpu\".*needs no GPU"):
        render({"resources": {"limits": {"amd.com/gpu": 1}}})


def test_gpu_nodes_prefer_is_the_default_toleration_and_preference() -> None:
    spec = pod_spec(render())
    assert spec["tolerations"] == [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    preferred = spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    keys = {term["preference"]["matchExpressions"][0]["key"] for term in preferred}
    assert keys == {"feature.node.kubernetes.io/amd-gpu", "amd.com/gpu.device-id"}
    assert "nvidia" not in json.dumps(spec)


def test_gpu_nodes_require_and_none() -> None:
    spec = pod_spec(render({"gpuNodes": "require", "tolerations": [{"key": "x", "operator": "Exists"}]}))
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert len(terms) == 2  # ORed: either label marks an AMD GPU node
    assert [t["key"] for t in spec["tolerations"]] == ["amd.com/gpu", "x"]
    spec = pod_spec(render({"gpuNodes": "none"}))
    assert "tolerations" not in spec and "affinity" not in spec


def test_user_node_affinity_replaces_the_preset() -> None:
    mine = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "pool", "operator": "In", "values": ["io"]}]}]}}  # fmt: skip
    spec = pod_spec(render({"affinity": {"nodeAffinity": mine}}))
    assert spec["affinity"] == {"nodeAffinity": mine}


def test_several_models_with_effective_patterns() -> None:
    models: list[dict[str, Any]] = [
        {"id": "meta-llama/Llama-3.1-8B-Instruct", "revision": COMMIT},
        {"id": "Qwen/Qwen3-8B", "revision": "main", "allowPatterns": ["*.json"], "ignorePatterns": []},
    ]
    env = env_of(render({"models": models, "download": {"allowPatterns": ["*.safetensors"]}}))
    assert json.loads(env["CACHE_MODELS"]) == [
        {**models[0], "allowPatterns": ["*.safetensors"], "ignorePatterns": ["original/*"]},
        {**models[1]},
    ]
    assert (
        env["HF_HOME"] == "/models" and env["CACHE_SKIP_COMPLETED"] == "1" and env["CACHE_MAX_WORKERS"] == "8"
    )


def test_token_only_from_a_secret_and_download_options() -> None:
    env = env_of(render({"download": {
        "hfTokenSecret": {"name": "hf-token", "optional": True}, "highPerformance": True,
        "endpoint": "https://mirror.example.com", "env": {"HTTPS_PROXY": "http://p:3128"}, "skipCompleted": False,
    }}))  # fmt: skip
    assert env["HF_TOKEN_PATH"] == "/var/run/secrets/huggingface/token" and "HF_TOKEN" not in env
    assert env["HF_XET_HIGH_PERFORMANCE"] == "1" and env["HF_ENDPOINT"] == "https://mirror.example.com"
    assert env["HTTPS_PROXY"] == "http://p:3128" and env["CACHE_SKIP_COMPLETED"] == "0"
    assert "HF_TOKEN_PATH" not in env_of(render()) and "HF_HUB_ENABLE_HF_TRANSFER" not in env


def test_security_floor_and_non_root_option() -> None:
    objects = render()
    spec = pod_spec(objects)
    (container,) = spec["containers"]
    assert spec["securityContext"] == {
        "fsGroup": 10001,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["securityContext"] == {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False
    assert one(objects, "ServiceAccount")["automountServiceAccountToken"] is False
    assert all("hostPath" not in v for v in spec["volumes"])
    restricted = pod_spec(render({"podSecurityContext": {"fsGroup": 2000}}))
    assert restricted["securityContext"]["runAsNonRoot"] is True
    assert restricted["securityContext"]["fsGroup"] == 2000


def test_labels_and_no_chart_version_in_pod_labels() -> None:
    objects = render()
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
                "helm.sh/chart"} <= set(labels)  # fmt: skip
    pod_labels = one(objects, "Job")["spec"]["template"]["metadata"]["labels"]
    assert "helm.sh/chart" not in pod_labels and "app.kubernetes.io/version" not in pod_labels


def test_job_name_follows_the_pod_template() -> None:
    first = one(render(), "Job")["metadata"]["name"]
    assert first == one(render(), "Job")["metadata"]["name"]
    assert re.fullmatch(r"cache-rocm-vllm-cache-download-[0-9a-f]{8}", first)
    other = one(render({"models": [{"id": "Qwen/Qwen3-8B", "revision": COMMIT}]}), "Job")["metadata"]["name"]
    assert other != first
    long_name = one(render({"fullnameOverride": "x" * 63}), "Job")["metadata"]["name"]
    assert len(long_name) <= 63


# --- failures ---


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pvc": {"sise": "1Gi"}}, "pvc"),
        ({"models": [{"id": "Qwen/Qwen3-8B"}]}, "models"),
        ({"models": []}, "models"),
        ({"image": {"tag": "latest"}}, "image.tag"),
        ({"gpuNodes": "nvidia"}, "gpuNodes"),
        ({"download": {"hfToken": "hf_secret"}}, "download"),
    ],
)
def test_schema_rejects(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        render(values)


def test_duplicate_models_fail() -> None:
    model = {"id": "Qwen/Qwen3-8B", "revision": COMMIT}
    with pytest.raises(InvalidInputError, match=f"models lists Qwen/Qwen3-8B@{COMMIT} twice"):
        render({"models": [model, model]})


def test_existing_claim_without_download_fails() -> None:
    with pytest.raises(InvalidInputError, match="would create nothing"):
        render({"pvc": {"existingClaim": "x"}, "download": {"enabled": False}})


def test_notes_say_how_to_serve_from_the_claim() -> None:
    notes = helm.render_chart(CHART, {}, release_name="cache", include_notes=True)
    text = notes["rocm-vllm-cache/templates/NOTES.txt"]
    assert text.startswith('WARNING: Qwen/Qwen3-0.6B revision "main" is not a commit hash')
    assert "cache.existingClaim=cache-rocm-vllm-cache" in text and "cache.offline=true" in text
    assert "kubectl --namespace default wait --for=condition=complete" in text


# --- the download script, run against a stand-in huggingface_hub ---

STAND_IN = textwrap.dedent(
    """
    import json, os
    from pathlib import Path

    def snapshot_download(repo_id, revision, allow_patterns, ignore_patterns, max_workers):
        home = Path(os.environ["HF_HOME"])
        with open(home / "calls.jsonl", "a") as log:
            log.write(json.dumps([repo_id, revision, allow_patterns, ignore_patterns, max_workers]) + "\\n")
        path = home / "hub" / ("models--" + repo_id.replace("/", "--")) / "snapshots" / ("c" * 40)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)
    """
)


def _run_script(tmp_path: Path, values: dict[str, Any]) -> list[list[Any]]:
    (container,) = pod_spec(render(values))["containers"]
    script = container["command"][2]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    stub = tmp_path / "stub" / "huggingface_hub"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "__init__.py").write_text(STAND_IN)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HF_HOME=str(home), PYTHONPATH=str(stub.parent))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, timeout=60)
    calls = home / "calls.jsonl"
    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


def test_script_downloads_each_model_once_and_writes_markers(tmp_path: Path) -> None:
    models = [{"id": "org/a", "revision": COMMIT}, {"id": "org/b", "revision": "refs/pr/1"}]
    calls = _run_script(tmp_path, {"models": models})
    assert calls == [
        ["org/a", COMMIT, None, ["original/*"], 8],
        ["org/b", "refs/pr/1", None, ["original/*"], 8],
    ]
    marker = tmp_path / "home" / ".rocm-vllm-cache" / "models--org--b" / "refs--pr--1.complete"
    record = json.loads(marker.read_text())
    assert record["snapshot"] == f"hub/models--org--b/snapshots/{'c' * 40}" and record["commit"] == "c" * 40
    assert _run_script(tmp_path, {"models": models}) == calls  # the re-run skipped both
    changed = [{**models[0], "allowPatterns": ["*.json"]}, models[1]]
    assert _run_script(tmp_path, {"models": changed})[len(calls) :] == [
        ["org/a", COMMIT, ["*.json"], ["original/*"], 8]
    ]
    forced = _run_script(tmp_path, {"models": models, "download": {"skipCompleted": False}})
    assert len(forced) == len(calls) + 1 + 2
