"""GPU partitions in the inventory and in selection: a CPX MI300X node is 64 partitions of 1/8 GPU, never 64 MI300X,
whether the device plugin names them "single" (amd.com/gpu + the node labeller's partition label, either spelling)
or "mixed" (amd.com/cpx_nps4), or the DRA driver publishes them in ResourceSlices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rocm_vllm.inventory as inventory
from rocm_vllm.catalog import load_catalog
from rocm_vllm.cli import main
from rocm_vllm.errors import InvalidInputError, LiveSourceError
from rocm_vllm.inventory import NodePool, pools_from_nodes, pools_from_resource_slices
from rocm_vllm.partitions import mixed_resource_profile, partition_from_labels
from rocm_vllm.recipe import Recipe
from rocm_vllm.select import select_recipe
from rocm_vllm.validate import default_context, validate_paths

REPO = Path(__file__).resolve().parents[1]
NODES = REPO / "tests" / "fixtures" / "nodes"
SLICES = REPO / "tests" / "fixtures" / "resourceslices" / "mi300x-cpx-and-spx.json"
LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA_405B = "meta-llama/Llama-3.1-405B-Instruct"
CPX = NodePool("MI300X", 64, 1, "cpx_nps4")


def _items(name: str, keep: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((NODES / name).read_text())["items"]
    return [item for item in items if item["metadata"]["name"].startswith(keep)]


@pytest.fixture(scope="module")
def catalog_recipes() -> list[Recipe]:
    result = validate_paths([REPO / "recipes"])
    assert result.ok
    return result.recipes


def test_partition_names_and_labels() -> None:
    assert mixed_resource_profile("amd.com/cpx_nps4") == "cpx_nps4"
    assert mixed_resource_profile("amd.com/gpu") is None and mixed_resource_profile("amd.com/nic") is None
    assert partition_from_labels({"amd.com/gpu.compute-memory-partition": "cpx_nps4"}) == "cpx_nps4"
    assert partition_from_labels({"amd.com/compute-memory-partition": "CPX_NPS4"}) == "cpx_nps4"
    assert partition_from_labels({"amd.com/gpu.device-id": "74a1"}) is None


def test_catalog_sizes_one_mi300x_cpx_partition() -> None:
    mi300x = load_catalog().gpus["MI300X"]
    part = mi300x.as_partition("cpx_nps4")
    assert part is not None and part.partition == "cpx_nps4" and part.label == "MI300X cpx_nps4 partition"
    # amdgpu-docs MI300X overview: CPX is 8 devices of 38 CUs and 24 GB each.
    assert part.compute_units == 38 and round(part.memory_bytes / 2**30) == 24
    assert mi300x.partition_mode("cpx_nps4").confirmed  # type: ignore[union-attr]
    assert mi300x.as_partition("dpx_nps2") is None
    mi355x = load_catalog().gpus["MI355X"].as_partition("cpx_nps2")
    assert mi355x is not None and mi355x.compute_units == 32
    assert not load_catalog().gpus["MI355X"].partition_mode("cpx_nps2").confirmed  # type: ignore[union-attr]


def test_single_strategy_reads_both_label_spellings() -> None:
    pools, notes = pools_from_nodes(_items("cpx-nps4-mi300x-single.json"), load_catalog())
    # spx_nps1 is one partition per GPU: whole GPUs.
    assert pools == [NodePool("MI300X", 8, 1), NodePool("MI300X", 64, 2, "cpx_nps4")]
    assert notes == []


def test_mixed_strategy_inventory_is_not_empty() -> None:
    """The issue's bug: with "mixed" there is no amd.com/gpu at all, and the inventory came out empty."""
    pools, notes = pools_from_nodes(_items("cpx-nps4-mi300x-mixed.json"), load_catalog())
    assert pools == [
        NodePool("MI300X", 5, 1),
        NodePool("MI300X", 24, 1, "cpx_nps1"),
        NodePool("MI300X", 64, 2, "cpx_nps4"),
    ]
    assert notes == []


def test_resource_slices_count_partitions_per_node() -> None:
    raw = inventory.slices_from_file(SLICES)
    pools, notes, counted = pools_from_resource_slices(raw, load_catalog())
    # v1 slice of 64 amdgpu-partition devices; v1beta1 slice (attributes under basic, qualified names) of 8 GPUs;
    # the other driver's slice is ignored.
    assert pools == [NodePool("MI300X", 8, 1), NodePool("MI300X", 64, 1, "cpx_nps4")]
    assert counted == {"cpx-dra-0", "spx-dra-0"} and notes == []


def test_resource_slices_unknown_device_and_profile_notes() -> None:
    unknown = {"name": "d0", "attributes": {"type": {"string": "amdgpu"}, "deviceID": {"string": "0x1234"}}}
    no_profile = {
        "name": "d1",
        "attributes": {"type": {"string": "amdgpu-partition"}, "deviceID": {"string": "0x74a1"}},
    }
    item = {"spec": {"driver": "gpu.amd.com", "nodeName": "n0", "devices": [unknown, no_profile]}}
    pools, notes, counted = pools_from_resource_slices([item], load_catalog())
    assert pools == [] and counted == frozenset()
    assert any("'d0'" in n and "matches no catalog GPU" in n for n in notes)
    assert any("'d1'" in n and "no partitionProfile" in n for n in notes)


def test_nodes_counted_from_slices_are_not_counted_twice() -> None:
    pools, _ = pools_from_nodes(
        _items("cpx-nps4-mi300x-single.json"), load_catalog(), skip_nodes=frozenset({"cpx-code-label-0"})
    )
    assert NodePool("MI300X", 64, 1, "cpx_nps4") in pools


def test_a_mode_the_catalog_lacks_is_left_out_with_a_note() -> None:
    node = _items("cpx-nps4-mi300x-mixed.json", "cpx-mixed-0")[0]
    node["status"]["allocatable"] = {"amd.com/qpx_nps2": "32"}
    pools, notes = pools_from_nodes([node], load_catalog())
    assert pools == [] and "mode qpx_nps2, which the GPU catalog does not list for MI300X" in notes[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "ResourceSliceList"}, "expected a ResourceSliceList"),
        ({"items": ["x"]}, "a ResourceSlice must be a mapping with a spec mapping"),
        ({"items": [{"spec": {"devices": {}}}]}, "spec.devices must be a list"),
    ],
)
def test_malformed_slices_name_the_file_and_path(tmp_path: Path, data: Any, expected: str) -> None:
    path = tmp_path / "slices.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInputError, match=expected) as caught:
        inventory.slices_from_file(path)
    assert str(path) in str(caught.value)


def test_8b_fits_a_24gb_cpx_partition(catalog_recipes: list[Recipe]) -> None:
    selection = select_recipe(LLAMA_8B, catalog_recipes, [CPX], default_context().catalog)
    assert selection.chosen is not None
    assert selection.chosen.recipe.name == "llama-3-1-8b-mi300x-bf16-cpx-partition"
    assert "needs 1 node(s) x 1 MI300X cpx_nps4 partition(s)" in selection.why[0]
    whole = {c.recipe.name: c.reasons[0] for c in selection.rejected}
    assert "needs 1 whole MI300X GPU(s) per node" in whole["llama-3-1-8b-mi300x-fp8-tp1-latency"]


def test_405b_fp8_on_a_cpx_node_is_refused_naming_the_mode(catalog_recipes: list[Recipe]) -> None:
    selection = select_recipe(LLAMA_405B, catalog_recipes, [CPX], default_context().catalog)
    assert selection.chosen is None
    reason = {c.recipe.name: c.reasons[0] for c in selection.rejected}[
        "llama-3-1-405b-mi300x-fp8-tp8-latency"
    ]
    assert reason == (
        "needs 8 whole MI300X GPU(s) per node; the inventory's MI300X nodes are 1 node(s) x 64 MI300X "
        "cpx_nps4 partitions (1/8 GPU: 38 CUs, 24.0 GiB each)"
    )


def test_whole_gpu_recipes_keep_fitting_whole_gpus(catalog_recipes: list[Recipe]) -> None:
    selection = select_recipe(
        LLAMA_8B, catalog_recipes, [NodePool("MI300X", 8, 1)], default_context().catalog
    )
    assert selection.chosen is not None and selection.chosen.recipe.partition is None
    rejected = {c.recipe.name: c.reasons[0] for c in selection.rejected}
    assert (
        "per node; the inventory's MI300X nodes are 1 node(s) x 8 MI300X"
        in (rejected["llama-3-1-8b-mi300x-bf16-cpx-partition"])
    )


def test_select_cli_from_each_partition_source(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.chdir(REPO)
    for args in (
        ["--nodes-file", str(NODES / "cpx-nps4-mi300x-mixed.json")],
        ["--resource-slices", str(SLICES)],
        ["--gpu", "MI300X", "--partition", "cpx_nps4", "--gpus-per-node", "64"],
    ):
        assert main(["select", LLAMA_8B, "--goal", "throughput", "--format", "json", *args]) == 0, args
        payload = json.loads(capsys.readouterr().out)
        assert any("cpx_nps4 partitions" in pool for pool in payload["inventory"]), args


def test_select_cli_refuses_405b_on_cpx_nodes(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.chdir(REPO)
    assert (
        main(["select", LLAMA_405B, "--gpu", "MI300X", "--partition", "cpx_nps4", "--gpus-per-node", "64"])
        == 1
    )
    out = capsys.readouterr().out
    assert "chosen: none" in out and "cpx_nps4 partitions (1/8 GPU: 38 CUs, 24.0 GiB each)" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--gpu", "MI300X", "--partition", "CPX"], "a profile is <compute>_<memory>"),
        (["--gpu", "MI300X", "--partition", "dpx_nps2"], "not a partition mode of MI300X"),
        (
            ["--nodes-file", str(NODES / "cpx-nps4-mi300x-mixed.json"), "--partition", "cpx_nps4"],
            "--partition",
        ),
    ],
)
def test_select_partition_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: Any, args: list[str], expected: str
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["select", LLAMA_8B, *args]) == 2
    assert expected in capsys.readouterr().err


class FakeSliceApi:
    def __init__(self, answer: Any = None, status: int | None = None) -> None:
        self.answer, self.status = answer, status

    def list_resource_slice(self, **kwargs: Any) -> Any:
        if self.status is not None:
            error = RuntimeError(f"HTTP {self.status}")
            error.status = self.status  # type: ignore[attr-defined]
            raise error
        return self.answer


class FakeCore:
    class api_client:  # mirrors CoreV1Api.api_client
        @staticmethod
        def sanitize_for_serialization(answer: Any) -> Any:
            return answer


def test_cluster_slices_from_the_newest_served_version(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = json.loads(SLICES.read_text())
    monkeypatch.setattr(inventory, "_core_api", lambda context: FakeCore())
    monkeypatch.setattr(
        inventory, "_resource_slice_apis", lambda client: [FakeSliceApi(status=404), FakeSliceApi(recorded)]
    )
    assert inventory.slices_from_cluster() == recorded["items"]
    monkeypatch.setattr(inventory, "_resource_slice_apis", lambda client: [FakeSliceApi(status=404)])
    assert inventory.slices_from_cluster() == []
    monkeypatch.setattr(inventory, "_resource_slice_apis", lambda client: [FakeSliceApi(status=403)])
    with pytest.raises(LiveSourceError, match="listing ResourceSlices failed"):
        inventory.slices_from_cluster()


def test_catalog_json_lists_partition_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--format", "json"]) == 0
    partitions = json.loads(capsys.readouterr().out)["gpus"]["MI300X"]["partitions"]
    assert partitions["cpx_nps4"] == {
        "devices": 8,
        "memoryBytes": 206141652992 // 8,
        "computeUnits": 38,
        "confirmed": True,
    }
    assert set(partitions) == {"spx_nps1", "cpx_nps1", "cpx_nps4"}


def test_a_partition_override_is_checked_against_one_partition(
    capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """--set gpu.partition=cpx_nps4 goes back onto hardware.partition: a 70B on two 24 GB partitions is refused."""
    monkeypatch.chdir(REPO)
    recipe = "recipes/llama-3-1-70b-mi300x-bf16-tp2-throughput.yaml"
    assert main(["render", recipe, "--set", "gpu.partition=cpx_nps4"]) == 1
    err = capsys.readouterr().err
    assert "--set gpu.partition=cpx_nps4: $.gpu.partition: error [memory]" in err and "0.9 x 24.0 GiB" in err
