"""Expert-parallel checks beyond the recipe cases: whether the image carries MoRI comes from the image table's
`modules` (error when recorded without it, nothing when recorded with it, a warning when unrecorded), and an
uneven expert split without EPLB is a warning, not an error (vLLM 0.23.0 accepts it)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rocm_vllm.checks import check_recipe_data, expert_parallel
from rocm_vllm.findings import Severity
from rocm_vllm.validate import default_context
from rocm_vllm.vllm_facts import ImageTable, ImageVersion, image_table

IMAGE = ("rocm/vllm", "rocm7.14.0_cdna_ubuntu24.04_py3.14_pytorch_2.11.0_vllm_0.23.0")
DP8: dict[str, Any] = {
    "name": "dp8",
    "goal": "throughput",
    "model": {"id": "deepseek-ai/DeepSeek-R1", "revision": "0" * 40},
    "hardware": {"gpu": "MI355X", "gpusPerNode": 8},
    "precision": {"dtype": "auto"},
    "parallelism": {"tensor": 1, "data": 8, "expert": True, "all2allBackend": "mori_low_latency"},
    "serving": {"maxModelLen": 32768},
}


def findings(data: dict[str, Any]) -> list[tuple[str, Severity, str]]:
    _, found = check_recipe_data(data, default_context(), source="case.yaml")
    return [(f.check, f.severity, f.message) for f in found]


def with_modules(modules: frozenset[str] | None) -> ImageTable:
    table = image_table()
    rows = tuple(
        ImageVersion(i.repository, i.tag, i.vllm, i.source, modules) if (i.repository, i.tag) == IMAGE else i
        for i in table.images
    )
    return ImageTable(table.default, rows)


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        (None, [(Severity.WARNING, "whether rocm/vllm:")]),
        (frozenset({"aiter"}), [(Severity.ERROR, "which rocm/vllm:")]),
        (frozenset({"aiter", "mori"}), []),
    ],
)
def test_mori_in_the_image_comes_from_the_image_table(
    monkeypatch: pytest.MonkeyPatch, modules: frozenset[str] | None, expected: list[tuple[Severity, str]]
) -> None:
    monkeypatch.setattr(expert_parallel, "image_table", lambda: with_modules(modules))
    found = [(s, m) for c, s, m in findings(DP8) if c == "expert-parallel"]
    assert len(found) == len(expected)
    for (severity, message), (want_severity, want_text) in zip(found, expected, strict=True):
        assert severity is want_severity and want_text in message and "mori" in message


def test_pinned_image_has_no_recorded_modules_yet() -> None:
    """No image was inspected (docs/research/issues-13-15-facts.md b): MoRI recipes get the warning."""
    assert all(i.modules is None for i in image_table().images)


def test_uneven_expert_split_without_eplb_is_a_warning() -> None:
    data = copy.deepcopy(DP8)
    data["hardware"]["gpusPerNode"] = 6
    data["parallelism"] = {"tensor": 1, "data": 6, "expert": True}
    found = [(s, m) for c, s, m in findings(data) if c == "expert-parallel"]
    assert found == [(Severity.WARNING, found[0][1])]
    assert (
        "256 routed experts do not divide by the expert-parallel size data x tensor = 6 x 1 = 6"
        in found[0][1]
    )
    assert "redundantExperts 2" in found[0][1]  # 258 = 43 x 6


def test_eplb_making_the_split_even_passes() -> None:
    data = copy.deepcopy(DP8)
    data["hardware"]["gpusPerNode"] = 6
    data["parallelism"] = {"tensor": 1, "data": 6, "expert": True, "redundantExperts": 2}
    assert [f for f in findings(data) if f[0] == "expert-parallel"] == []


def test_allgather_reducescatter_runs_anywhere() -> None:
    data = copy.deepcopy(DP8)
    data["hardware"]["gpu"] = "MI210"
    data["model"] = {"id": "Qwen/Qwen3-30B-A3B", "revision": "0" * 40}
    data["hardware"]["gpusPerNode"] = 4
    data["parallelism"] = {
        "tensor": 1,
        "data": 4,
        "expert": True,
        "all2allBackend": "allgather_reducescatter",
    }
    data["serving"] = {"maxModelLen": 8192}
    assert [f for f in findings(data) if f[0] == "expert-parallel"] == []
