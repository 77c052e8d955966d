"""Values overrides: loaded through the hardened loader, merged like Helm, each path remembering its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.errors import InputFileError, InvalidInputError, UsageError
from rocm_vllm.helm_values import coalesce, merge_maps
from rocm_vllm.overrides import ValueSource, load_overrides


def test_every_path_remembers_its_file_line_or_set_string(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text("replicaCount: 2\nvllm:\n  extraArgs: ['--x']\n  env:\n    A: '1'\n")
    overrides = load_overrides([first], ["vllm.env.B=2"])
    assert overrides.values == {"replicaCount": 2, "vllm": {"extraArgs": ["--x"], "env": {"A": "1", "B": 2}}}
    assert overrides.sources[("vllm", "extraArgs")] == ValueSource(str(first), 3)
    assert overrides.sources[("vllm", "env", "A")] == ValueSource(str(first), 5)
    assert overrides.sources[("vllm", "env", "B")] == ValueSource.from_set("vllm.env.B=2")
    assert overrides.source_for(("vllm", "extraArgs", 0)) == (
        ("vllm", "extraArgs"),
        ValueSource(str(first), 3),
    )


def test_a_later_scalar_replaces_the_sources_below_it(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text("vllm:\n  env:\n    A: '1'\n")
    overrides = load_overrides([first], ["vllm.env=null"])
    assert ("vllm", "env", "A") not in overrides.sources
    assert overrides.touches(("vllm", "env", "A")) and not overrides.touches(("model", "id"))
    assert coalesce(overrides.values, {"vllm": {"env": {}}}) == {"vllm": {}}


def test_only_real_changes_touch_a_value(tmp_path: Path) -> None:
    overrides = load_overrides([], ["model.hfTokenSecret.name=token"])
    assert not overrides.touches(("model", "id")) and overrides.touches(("model",))


def test_sub_overrides_are_re_rooted() -> None:
    overrides = load_overrides([], ["models.chat.vllm.maxNumSeqs=8", "router.replicaCount=2"])
    below = overrides.under(("models", "chat"))
    assert below.values == {"vllm": {"maxNumSeqs": 8}}
    assert set(below.sources) == {("vllm",), ("vllm", "maxNumSeqs")}
    assert not overrides.under(("models", "other"))


def test_loader_guarantees_apply_to_values_files(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_bytes(b"a: 1\na: 2\n")
    with pytest.raises(InputFileError, match=r"v\.yaml:2: duplicate key"):
        load_overrides([path], [])
    with pytest.raises(UsageError, match="values file not found"):
        load_overrides([tmp_path / "missing.yaml"], [])


def test_set_strings_are_bounded_and_malformed_ones_are_usage_errors() -> None:
    with pytest.raises((InvalidInputError, UsageError), match="nested"):
        load_overrides([], [".".join(["k"] * 500) + "=1"])
    with pytest.raises(UsageError, match="--set 'a\\[x\\]=1'"):
        load_overrides([], ["a[x]=1"])


def test_user_values_keep_nulls_until_the_chart_defaults_come_in() -> None:
    layered = merge_maps({"a": {"b": 1, "c": [1]}}, {"a": {"b": None, "c": [2]}})
    assert layered == {"a": {"b": None, "c": [2]}}  # lists replace; the null stays for Helm to apply
