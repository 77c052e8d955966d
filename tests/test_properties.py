"""Property-based: mutated and random recipe files never crash the CLI; exit 0 or 1, nothing written on 1."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocm_vllm.cli import main

REPO = Path(__file__).resolve().parents[1]
BASE: dict[str, Any] = yaml.safe_load((REPO / "tests/recipes/valid/extras-and-deployment.yaml").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["MI300X", "fp8", "auto", "ray", "mp", "latest", "--enable-prefix-caching", "8", "1e400"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


def _leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            paths += _leaf_paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            paths += _leaf_paths(child, (*prefix, index))
    return paths


@st.composite
def mutated_recipes(draw: st.DrawFn) -> Any:
    recipe = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _leaf_paths(recipe) if p]
        if not paths or not isinstance(recipe, dict):
            break
        path = draw(st.sampled_from(paths))
        parent = recipe
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return recipe


def _run_generate(content: bytes) -> tuple[int, Path]:
    workdir = Path(tempfile.mkdtemp(prefix="prop-"))
    recipe = workdir / "extras-and-deployment.yaml"
    recipe.write_bytes(content)
    out = workdir / "out"
    return main(["generate", str(recipe), "--out", str(out)]), out


def _assert_contract(code: int, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err + captured.out
    if code == 1:
        assert not out.exists() or not any(out.iterdir())
    else:
        assert (out / "extras-and-deployment.yaml").is_file()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recipe=mutated_recipes())
def test_mutated_recipes_never_crash(recipe: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run_generate(yaml.safe_dump(recipe, allow_unicode=True).encode())
    _assert_contract(code, out, capsys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_bytes_never_crash(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run_generate(content)
    _assert_contract(code, out, capsys)
