"""Property-based suites, one per input channel: recipes, stacks, values files (-f), --set strings, catalog
extension folders (--catalog) and node inventory files (--nodes-file).

Each channel gets random bytes, random YAML/JSON shapes, mutations of a valid file, deep nesting, alias bombs and
(once) a file over the size limit. The invariants, for every case:
- the exit code is 0 or 1 (2 only for a --set string Helm cannot parse: a malformed command line), never 3;
- no traceback on stdout or stderr;
- on exit 1 the offending file is named (with a line when the loader refused it), or the --set string;
- on exit 1 nothing is written;
- each case takes at most a few seconds (CASE_SECONDS of this process's CPU time: other work on a shared
  machine does not count against it).
The CLI runs in-process through `main`, so a case costs milliseconds, not an interpreter start.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocm_vllm.cli import main
from rocm_vllm.yamlio import MAX_FILE_BYTES

REPO = Path(__file__).resolve().parents[1]
RECIPE = "qwen3-8b-mi300x-fp8-tp1-throughput"
CASE_SECONDS = 5.0
SETTINGS = settings(
    max_examples=40,
    deadline=None,  # CPU time is asserted per case (CASE_SECONDS) instead: CI machines are shared
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    written: list[Path]
    seconds: float


@dataclass(frozen=True)
class Channel:
    """How one channel's file reaches the CLI: `run(workdir, file)` returns the argv, the file's name, and the
    directory the command would write to; `base` is a valid document to mutate."""

    name: str
    file_name: str
    base: dict[str, Any]
    argv: Callable[[Path, Path], list[str]]


def _yaml(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / path).read_text())
    return data


CHANNELS = {
    "recipes": Channel(
        "recipes",
        "extras-and-deployment.yaml",
        _yaml("tests/recipes/valid/extras-and-deployment.yaml"),
        lambda work, file: ["generate", str(file), "--out", str(work / "out")],
    ),
    "stacks": Channel(
        "stacks",
        "mi300x-mixed.yaml",
        _yaml("stacks/mi300x-mixed.yaml"),
        lambda work, file: [
            "stack",
            "generate",
            str(file),
            "--out",
            str(work / "out"),
            "--recipes-dir",
            str(REPO / "recipes"),
        ],
    ),
    "values": Channel(
        "values",
        "override.yaml",
        {"replicaCount": 2, "vllm": {"extraArgs": ["--enable-prefix-caching"], "maxNumSeqs": 64}},
        lambda work, file: [
            "render",
            RECIPE,
            "--recipes-dir",
            str(REPO / "recipes"),
            "-f",
            str(file),
            "-o",
            str(work / "out" / "manifests.yaml"),
        ],
    ),
    "catalogs": Channel(
        "catalogs",
        "gpus.yaml",
        {
            "gpus": {
                "MI999X": {
                    "arch": "gfx942",
                    "generation": 3,
                    "memoryGB": 192,
                    "memoryBandwidthTBps": 5.3,
                    "precisions": ["bfloat16", "fp8"],
                    "deviceIds": ["74a9"],
                }
            }
        },
        lambda work, file: [
            "generate",
            str(REPO / "recipes" / f"{RECIPE}.yaml"),
            "--out",
            str(work / "out"),
            "--catalog",
            str(file.parent),
        ],
    ),
    "nodes": Channel(
        "nodes",
        "nodes.json",
        json.loads((REPO / "tests/fixtures/nodes/mixed-mi300x-mi355x.json").read_text()),
        lambda work, file: [
            "select",
            "llama-3.1-8b-instruct",
            "--nodes-file",
            str(file),
            "--recipes-dir",
            str(REPO / "recipes"),
        ],
    ),
}


def run_channel(channel: Channel, content: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[Outcome, Path]:
    work = Path(tempfile.mkdtemp(prefix=f"channel-{channel.name}-"))
    folder = work / "input"
    folder.mkdir()
    file = folder / channel.file_name
    file.write_bytes(content)
    capsys.readouterr()
    started = time.process_time()
    code = main(channel.argv(work, file))
    seconds = time.process_time() - started
    captured = capsys.readouterr()
    out_dir = work / "out"
    written = sorted(p for p in out_dir.rglob("*") if p.is_file()) if out_dir.exists() else []
    return Outcome(code, captured.out, captured.err, written, seconds), file


def assert_contract(channel: Channel, outcome: Outcome, file: Path, *, usage_ok: bool = False) -> None:
    text = outcome.out + outcome.err
    allowed = {0, 1, 2} if usage_ok else {0, 1}
    assert outcome.code in allowed, f"exit {outcome.code}: {outcome.err}"
    assert "Traceback" not in text and "internal error" not in text, text
    assert outcome.seconds < CASE_SECONDS, f"{outcome.seconds:.1f} s"
    if outcome.code == 0:
        return
    assert outcome.written == [], f"written on exit {outcome.code}: {outcome.written}"
    if channel.name == "nodes" and "chosen: none" in outcome.out:
        return  # a well-formed inventory no recipe fits: an answer, not a broken file
    assert file.name in text, text
    loader_refusal = re.search(rf"{re.escape(file.name)}:(\d+): ", text)
    if "invalid YAML" in text or "not valid UTF-8" in text or "duplicate key" in text:
        assert loader_refusal is not None, text


# --- the strategies shared by every channel ------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["MI300X", "fp8", "auto", "--enable-prefix-caching", "8", "1e400", "null", "~", "yes"]),
)
shapes = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
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
def mutations(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    document: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _leaf_paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(shapes)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(shapes)
    return document


def _dump(document: Any, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(document, allow_nan=True).encode()
    return yaml.safe_dump(document, allow_unicode=True).encode()


def deep_nesting(depth: int, flow: bool) -> bytes:
    if flow:
        return ("a: " + "[" * depth + "]" * depth + "\n").encode()
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(depth)).encode()


def alias_bomb(levels: int, width: int) -> bytes:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def hostile(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Every kind of file a channel must survive."""
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.tuples(shapes, st.booleans()).map(lambda pair: _dump(*pair)),
        st.tuples(mutations(base), st.booleans()).map(lambda pair: _dump(*pair)),
        st.tuples(st.integers(min_value=50, max_value=300), st.booleans()).map(
            lambda pair: deep_nesting(*pair)
        ),
        st.tuples(st.integers(min_value=3, max_value=9), st.integers(min_value=2, max_value=10)).map(
            lambda pair: alias_bomb(*pair)
        ),
    )


# --- one property per channel --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@SETTINGS
@given(content=hostile(CHANNELS["recipes"].base))
def test_recipe_files(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS["recipes"], content, capsys)
    assert_contract(CHANNELS["recipes"], outcome, file)


@settings(SETTINGS, max_examples=20)
@given(content=hostile(CHANNELS["stacks"].base))
def test_stack_files(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS["stacks"], content, capsys)
    assert_contract(CHANNELS["stacks"], outcome, file)


@settings(SETTINGS, max_examples=30)
@given(content=hostile(CHANNELS["values"].base))
def test_values_files(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS["values"], content, capsys)
    assert_contract(CHANNELS["values"], outcome, file)


@SETTINGS
@given(content=hostile(CHANNELS["catalogs"].base))
def test_catalog_files(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS["catalogs"], content, capsys)
    assert_contract(CHANNELS["catalogs"], outcome, file)


@SETTINGS
@given(content=hostile(CHANNELS["nodes"].base))
def test_node_inventory_files(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS["nodes"], content, capsys)
    assert_contract(CHANNELS["nodes"], outcome, file)


set_paths = st.sampled_from(
    [
        "replicaCount",
        "vllm.extraArgs[0]",
        "vllm.extraArgs[1]",
        "vllm.env.VLLM_LOGGING_LEVEL",
        "vllm.tensorParallelSize",
        "vllm.maxModelLen",
        "vllm.gpuMemoryUtilization",
        "vllm.quantization",
        "gpu.count",
        "gpu.model",
        "model.id",
        "image.tag",
        "nodeSelector.a",
        "podDisruptionBudget.enabled",
        "multiNode.nodesPerReplica",
    ]
)
set_values = st.one_of(
    st.sampled_from(
        ["null", "0", "-1", "3", "1e9", "true", "--no-such-flag", "--max-num-seqs=8", "", "MI999X"]
    ),
    st.text(alphabet=st.characters(blacklist_characters=",\x00"), max_size=12),
)
set_expressions = st.one_of(
    st.tuples(set_paths, set_values).map(lambda pair: f"{pair[0]}={pair[1]}"),
    st.text(max_size=40),
    st.integers(min_value=20, max_value=200).map(lambda depth: ".".join(["k"] * depth) + "=1"),
)


@settings(SETTINGS, max_examples=40)
@given(expression=set_expressions)
def test_set_strings(expression: str, capsys: pytest.CaptureFixture[str]) -> None:
    work = Path(tempfile.mkdtemp(prefix="channel-set-"))
    target = work / "out" / "manifests.yaml"
    started = time.process_time()
    code = main(["render", RECIPE, "--set", expression, "-o", str(target)])
    seconds = time.process_time() - started
    captured = capsys.readouterr()
    assert code in (0, 1, 2), captured.err
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    assert seconds < CASE_SECONDS
    if code != 0:
        assert not target.exists()
        assert "--set" in captured.err, captured.err
    else:
        assert target.is_file()


# --- the fixed hostile corpus: no input file, on any channel, reaches exit 3 --------------------------------

CORPUS = {
    "empty": b"",
    "nul-bytes": b"\x00\x01\x02\x03",
    "control-bytes": b"a: 1\nb: \x1b[31mred\n",
    "not-utf8": b"a: caf\xe9\n",
    "utf16-bom": "a: 1\n".encode("utf-16"),
    "a-list": b"- 1\n- 2\n",
    "a-scalar": b"just words\n",
    "duplicate-keys": b"a: 1\na: 2\n",
    "two-documents": b"a: 1\n---\nb: 2\n",
    "tabs": b"a:\n\tb: 1\n",
    "deep-block": deep_nesting(400, flow=False),
    "deep-flow": deep_nesting(5000, flow=True),
    "alias-bomb": alias_bomb(9, 10),
    "odd-tags": b"a: !!binary aGVsbG8=\nb: !!set {x, y}\nc: !!timestamp 2024-01-01\nd: !custom 1\n",
    "huge-numbers": b"a: 1" + b"0" * 5000 + b"\nb: 1e400\nc: -.inf\n",
    "json-broken": b'{"a": [1, 2,}',
    "over-the-size-limit": b"a: " + b"x" * (MAX_FILE_BYTES + 10) + b"\n",
}


@pytest.mark.parametrize("case", sorted(CORPUS))
@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_no_input_file_reaches_exit_3(channel: str, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    outcome, file = run_channel(CHANNELS[channel], CORPUS[case], capsys)
    assert_contract(CHANNELS[channel], outcome, file)
    if case not in {"empty", "huge-numbers"}:
        assert outcome.code == 1, outcome.out + outcome.err
