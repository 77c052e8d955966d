"""charts/rocm-vllm's GPU allocation: DRA (a ResourceClaimTemplate of gpu.amd.com per pod, its resource.k8s.io
version chosen from the Kubernetes version, refused below 1.32), partitions (the device plugin's "single" and
"mixed" names, the DRA partitionProfile selector), the DRA topology constraint and Guaranteed QoS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart_objects import MULTI_NODE, by_kind, container, merged, one, pod_specs

from rocm_vllm import helm, kube_schema
from rocm_vllm.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "rocm-vllm"
STACK = REPO / "charts" / "rocm-vllm-stack"
DRA: dict[str, Any] = {"gpu": {"allocation": "dra", "count": 8}}
ATTR = 'device.attributes["gpu.amd.com"]'


def render(values: dict[str, Any], kube_version: str = "1.37.0", chart: Path = CHART) -> list[dict[str, Any]]:
    rendered = helm.render_chart(chart, values, kube_version=kube_version, api_versions=helm.CRD_API_VERSIONS)
    return helm.split_manifests(rendered)


def gpu_request(template: dict[str, Any]) -> dict[str, Any]:
    """The GPU request of a ResourceClaimTemplate, flattened: v1beta2/v1 nest it under `exactly`."""
    (request,) = [r for r in template["spec"]["spec"]["devices"]["requests"] if r["name"] == "gpu"]
    return {**request, **request.get("exactly", {})}


def selectors(template: dict[str, Any]) -> list[str]:
    return [s["cel"]["expression"] for s in gpu_request(template).get("selectors", [])]


def test_device_plugin_by_default_renders_no_claim() -> None:
    objects = render({})
    assert by_kind(objects, "ResourceClaimTemplate") == []
    pod = pod_specs(objects)["single"]
    assert "resourceClaims" not in pod["spec"]
    assert container(pod)["resources"]["limits"]["amd.com/gpu"] == 1


@pytest.mark.parametrize(
    ("kube_version", "api_version"),
    [
        ("1.32.0", "resource.k8s.io/v1beta1"),
        ("1.33.0", "resource.k8s.io/v1beta2"),
        ("1.34.0", "resource.k8s.io/v1"),
        ("1.37.0", "resource.k8s.io/v1"),
    ],
)
def test_dra_picks_the_clusters_api_version_and_validates(kube_version: str, api_version: str) -> None:
    objects = render(DRA, kube_version)
    template = one(objects, "ResourceClaimTemplate")
    assert template["apiVersion"] == api_version
    request = gpu_request(template)
    assert request["deviceClassName"] == "gpu.amd.com" and request["count"] == 8
    assert ("exactly" in template["spec"]["spec"]["devices"]["requests"][0]) == (
        api_version != "resource.k8s.io/v1beta1"
    )
    assert kube_schema.validate_objects(objects, kube_version) == []


@pytest.mark.parametrize("kube_version", ["1.29.0", "1.31.9"])
def test_dra_is_refused_before_kubernetes_1_32(kube_version: str) -> None:
    with pytest.raises(
        InvalidInputError, match=r"gpu.allocation=dra needs Kubernetes 1.32 or newer.*devicePlugin"
    ):
        render(DRA, kube_version)


def test_the_version_gate_ignores_helms_default_api_list() -> None:
    """Helm's offline API list claims resource.k8s.io/v1 whatever the version: the gate must not trust it."""
    values = {**DRA}
    with pytest.raises(InvalidInputError, match=r"needs Kubernetes 1\.32"):
        helm.render_chart(CHART, values, kube_version="1.31.0", api_versions=["resource.k8s.io/v1"])


def test_every_pod_claims_its_own_gpus_instead_of_amd_com_gpu() -> None:
    for values in (DRA, merged(MULTI_NODE, DRA)):
        objects = render(values)
        name = one(objects, "ResourceClaimTemplate")["metadata"]["name"]
        pods = pod_specs(objects)
        assert set(pods) == ({"leader", "worker"} if "multiNode" in values else {"single"})
        for pod in pods.values():
            assert pod["spec"]["resourceClaims"] == [{"name": "gpu", "resourceClaimTemplateName": name}]
            resources = container(pod)["resources"]
            assert resources["claims"] == [{"name": "gpu"}]
            assert "amd.com/gpu" not in resources.get("limits", {})
            assert "amd.com/gpu" not in resources.get("requests", {})


def test_whole_gpus_never_take_partitions_and_selectors_follow_the_values() -> None:
    assert selectors(one(render(DRA), "ResourceClaimTemplate")) == [f'{ATTR}.type == "amdgpu"']
    values = merged(
        DRA,
        {
            "gpu": {
                "partition": "cpx_nps4",
                "dra": {
                    "productNames": ["AMD_Instinct_MI300X_OAM"],
                    "numaNode": 0,
                    "selectors": [f'{ATTR}.deviceID == "0x74a1"'],
                },
            }
        },
    )
    assert selectors(one(render(values), "ResourceClaimTemplate")) == [
        f'{ATTR}.partitionProfile == "cpx_nps4"',
        f'{ATTR}.productName in ["AMD_Instinct_MI300X_OAM"]',
        f"{ATTR}.numaNode == 0",
        f'{ATTR}.deviceID == "0x74a1"',
    ]


def test_topology_constraint_spans_gpus_and_nics() -> None:
    values = merged(
        DRA,
        {
            "gpu": {
                "dra": {
                    "matchAttribute": "resource.kubernetes.io/pcieRoot",
                    "nic": {"deviceClassName": "nic.example.com", "count": 2},
                }
            }
        },
    )
    devices = one(render(values, "1.33.0"), "ResourceClaimTemplate")["spec"]["spec"]["devices"]
    assert [r["name"] for r in devices["requests"]] == ["gpu", "nic"]
    assert devices["requests"][1]["exactly"] == {
        "allocationMode": "ExactCount",
        "count": 2,
        "deviceClassName": "nic.example.com",
    }
    assert devices["constraints"] == [
        {"requests": ["gpu", "nic"], "matchAttribute": "resource.kubernetes.io/pcieRoot"}
    ]
    gpus_only = one(
        render(merged(DRA, {"gpu": {"dra": {"matchAttribute": "gpu.amd.com/numaNode"}}})),
        "ResourceClaimTemplate",
    )
    assert gpus_only["spec"]["spec"]["devices"]["constraints"] == [
        {"requests": ["gpu"], "matchAttribute": "gpu.amd.com/numaNode"}
    ]


def test_a_gpu_only_attribute_cannot_constrain_nics() -> None:
    values = merged(
        DRA,
        {
            "gpu": {
                "dra": {
                    "matchAttribute": "gpu.amd.com/numaNode",
                    "nic": {"deviceClassName": "nic.example.com"},
                }
            }
        },
    )
    with pytest.raises(
        InvalidInputError, match=r"attribute of the GPU driver only.*resource\.kubernetes\.io/pcieRoot"
    ):
        render(values)


def test_partitions_through_the_device_plugin() -> None:
    mixed = render({"gpu": {"partition": "cpx_nps4", "resourceNamingStrategy": "mixed", "count": 2}})
    resources = container(pod_specs(mixed)["single"])["resources"]
    assert resources["limits"]["amd.com/cpx_nps4"] == 2 and "amd.com/gpu" not in resources["limits"]
    assert "nodeAffinity" not in pod_specs(mixed)["single"]["spec"].get("affinity", {})
    single = render({"gpu": {"partition": "cpx_nps4", "model": "MI300X", "deviceIds": ["74a1"]}})
    pod = pod_specs(single)["single"]
    assert container(pod)["resources"]["limits"]["amd.com/gpu"] == 1
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert [[e["key"] for e in t["matchExpressions"]] for t in terms] == [
        ["amd.com/gpu.device-id", "amd.com/gpu.compute-memory-partition"],
        ["amd.com/gpu.device-id", "amd.com/compute-memory-partition"],
    ]
    assert all(t["matchExpressions"][1]["values"] == ["cpx_nps4"] for t in terms)
    # With DRA the partition is a device selector, not a node label.
    dra = render(merged(DRA, {"gpu": {"partition": "cpx_nps4", "model": "MI300X", "deviceIds": ["74a1"]}}))
    terms = pod_specs(dra)["single"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert terms == [
        {"matchExpressions": [{"key": "amd.com/gpu.device-id", "operator": "In", "values": ["74a1"]}]}
    ]


GUARANTEED: dict[str, Any] = {
    "gpu": {"guaranteed": True},
    "resources": {"requests": {"cpu": 16, "memory": "64Gi"}},
}


def test_guaranteed_sets_limits_equal_to_requests_on_every_container() -> None:
    values = merged(
        GUARANTEED,
        {"cache": {"download": {"enabled": True, "resources": {"requests": {"cpu": 1, "memory": "1Gi"}}}}},
    )
    pod = pod_specs(render(values))["single"]
    vllm = container(pod)["resources"]
    # The memory-backed /dev/shm (16Gi by default) is added to both, so they stay equal.
    assert vllm["limits"]["cpu"] == vllm["requests"]["cpu"] == 16
    assert vllm["limits"]["memory"] == vllm["requests"]["memory"] == "80Gi"
    (download,) = pod["spec"]["initContainers"]
    # The download's own limits (2 CPUs, 4Gi by default) become its requests as well.
    assert (
        download["resources"]["limits"] == download["resources"]["requests"] == {"cpu": "2", "memory": "4Gi"}
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            merged(GUARANTEED, {"resources": {"requests": {"cpu": None}}}),
            "gpu.guaranteed needs resources.requests.cpu",
        ),
        (merged(GUARANTEED, {"resources": {"requests": {"cpu": "500m"}}}), "requests.cpu in whole cores"),
        (
            merged(GUARANTEED, {"resources": {"limits": {"cpu": 32}}}),
            "resources.limits.cpu equal to its request 16",
        ),
        (
            merged(
                GUARANTEED,
                {"cache": {"download": {"enabled": True, "resources": {"limits": {"cpu": "1500m"}}}}},
            ),
            "cache.download.resources.limits.requests.cpu in whole cores",
        ),
        (
            merged(
                GUARANTEED,
                {
                    "extraInitContainers": [
                        {
                            "name": "wait",
                            "image": "busybox:1.36",
                            "resources": {"requests": {"cpu": 1, "memory": "1Gi"}},
                        }
                    ]
                },
            ),
            "extraInitContainers wait to set resources.limits",
        ),
        (
            merged(
                GUARANTEED,
                {
                    "extraInitContainers": [
                        {
                            "name": "wait",
                            "image": "busybox:1.36",
                            "resources": {
                                "requests": {"cpu": 1, "memory": "1Gi"},
                                "limits": {"cpu": 1, "memory": "2Gi"},
                            },
                        }
                    ]
                },
            ),
            "extraInitContainers wait resources.limits.memory equal to its request",
        ),
    ],
)
def test_guaranteed_refuses_what_cannot_be_guaranteed(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        render(values)


@pytest.mark.parametrize(
    ("gpu", "path"),
    [
        ({"allocation": "claims"}, "gpu.allocation"),
        ({"partition": "CPX"}, "gpu.partition"),
        ({"partition": "cpx_nps3"}, "gpu.partition"),
        ({"resourceNamingStrategy": "both"}, "gpu.resourceNamingStrategy"),
        ({"dra": {"matchAttribute": "numaNode"}}, "gpu.dra.matchAttribute"),
        ({"dra": {"numaNode": -1}}, "gpu.dra.numaNode"),
        ({"dra": {"deviceClassName": "GPU.AMD"}}, "gpu.dra.deviceClassName"),
        ({"dra": {"nic": {"count": 0}}}, "gpu.dra.nic.count"),
        ({"dra": {"typo": 1}}, "gpu.dra"),
        ({"guaranteed": "yes"}, "gpu.guaranteed"),
    ],
)
def test_invalid_values_are_refused_by_the_schema(gpu: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInputError, match=path):
        render({"gpu": gpu})


def test_the_stack_renders_a_claim_template_per_dra_model() -> None:
    values = {
        "models": {
            "a": {"model": {"id": "meta-llama/Llama-3.1-8B-Instruct"}, "gpu": {"allocation": "dra"}},
            "b": {"model": {"id": "Qwen/Qwen3-8B"}},
        }
    }
    objects = render(values, "1.33.0", chart=STACK)
    (template,) = by_kind(objects, "ResourceClaimTemplate")
    assert template["apiVersion"] == "resource.k8s.io/v1beta2"
    claims = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"].get("resourceClaims")
        for d in by_kind(objects, "Deployment")
    }
    assert claims[template["metadata"]["name"].removesuffix("-gpu")] == [
        {"name": "gpu", "resourceClaimTemplateName": template["metadata"]["name"]}
    ]
    assert sum(1 for c in claims.values() if c) == 1  # model b and the router claim nothing
    assert kube_schema.validate_objects(objects, "1.33.0") == []


def test_whole_gpus_under_single_stay_off_partitioned_nodes() -> None:
    """amd.com/gpu counts partitions on a CPX node: the GPU node affinity excludes nodes labelled partitioned (either
    label spelling; NotIn also admits nodes without the label), and only where it already renders."""
    pod = pod_specs(render({"gpu": {"model": "MI300X", "deviceIds": ["74a1"]}}))["single"]
    (term,) = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    excluded = {e["key"]: e["values"] for e in term["matchExpressions"] if e["operator"] == "NotIn"}
    assert set(excluded) == {"amd.com/gpu.compute-memory-partition", "amd.com/compute-memory-partition"}
    assert all("cpx_nps4" in v and "spx_nps1" not in v and len(v) == 9 for v in excluded.values())
    # No device ids: no GPU node affinity at all.
    assert "nodeAffinity" not in pod_specs(render({}))["single"]["spec"].get("affinity", {})
    mixed = render({"gpu": {"deviceIds": ["74a1"], "resourceNamingStrategy": "mixed"}})
    (term,) = pod_specs(mixed)["single"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert [e["operator"] for e in term["matchExpressions"]] == ["In"]
