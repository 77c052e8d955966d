"""The flag checker reads `vllm serve` arguments the way vLLM 0.23.0's own parser does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rocm_vllm.vllm_argv import OPTIMIZATION_LEVEL, read_argv
from rocm_vllm.vllm_facts import load_vllm_facts

sys.path.insert(0, str(Path(__file__).parent))
from vllm_grammar_cases import ACCEPTED, GPT_OSS_AMD, REFUSED

REPO = Path(__file__).resolve().parents[1]
FLAGS = load_vllm_facts("0.23.0").flags


def vllm_python() -> Path | None:
    """An interpreter with vLLM installed: $ROCM_VLLM_VLLM_PYTHON, else the repository's .venv-vllm."""
    configured = os.environ.get("ROCM_VLLM_VLLM_PYTHON")
    candidate = Path(configured) if configured else REPO / ".venv-vllm" / "bin" / "python"
    return candidate if candidate.is_file() else None


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_forms_vllm_accepts_are_accepted(argv: list[str]) -> None:
    assert read_argv(argv, FLAGS).problems == ()


@pytest.mark.parametrize("argv", REFUSED, ids=" ".join)
def test_forms_vllm_refuses_get_exactly_one_problem(argv: list[str]) -> None:
    assert len(read_argv(argv, FLAGS).problems) == 1


def test_the_official_gpt_oss_recipe_resolves_to_its_options() -> None:
    read = read_argv(GPT_OSS_AMD, FLAGS)
    assert [(o.name, o.values) for o in read.options] == [
        ("--tensor-parallel-size", ("8",)),
        ("--attention-backend", ("ROCM_AITER_UNIFIED_ATTN",)),
        ("-cc", ("True",)),
        ("-cc", ("True",)),
        ("--gpu-memory-utilization", ("0.95",)),
        ("--block-size", ("64",)),
    ]
    assert [o.dotted for o in read.options] == [False, False, True, True, False, False]


@pytest.mark.parametrize(
    ("argv", "name", "values", "consumed"),
    [
        (["-O3"], OPTIMIZATION_LEVEL, ("3",), 1),
        (["-O", "2"], OPTIMIZATION_LEVEL, ("2",), 2),
        (["-O=1"], OPTIMIZATION_LEVEL, ("1",), 1),
        (["-qfp8"], "-q", ("fp8",), 1),
        (["--served-model-name", "a", "b"], "--served-model-name", ("a", "b"), 3),
        (["--hf-token"], "--hf-token", (), 1),
        (["--max-model", "8k"], "--max-model-len", ("8k",), 2),
        (["--max-model-len", "-1"], "--max-model-len", ("-1",), 2),
    ],
)
def test_what_each_form_resolves_to(
    argv: list[str], name: str, values: tuple[str, ...], consumed: int
) -> None:
    (option,) = read_argv([*argv, "--seed", "1"], FLAGS).options[:1]
    assert (option.name, option.values) == (name, values)
    assert read_argv([*argv, "--seed", "1"], FLAGS).options[1].index == consumed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max", "4"], "--max is ambiguous: it could be --max-cpu-loras"),
        (["-O", "x"], "-O takes its level attached"),
        (["--max-model-len.x=1"], "--max-model-len does not take a JSON object"),
        (["--enable-prefix-caching=true"], "--enable-prefix-caching is a switch and takes no value"),
        (["--max-model-len"], "--max-model-len needs a value"),
        (["--swap-space", "16"], "no flag --swap-space"),
        (["-cc."], "-cc.: a dotted key needs a name after each '.'"),
    ],
)
def test_each_refusal_says_why(argv: list[str], message: str) -> None:
    (problem,) = read_argv(argv, FLAGS).problems
    assert problem.message.startswith(message)


def test_the_0_29_lists_know_flags_0_23_lacks() -> None:
    assert read_argv(["--max-num-queued-reqs", "8"], load_vllm_facts("0.29.0").flags).problems == ()
    assert read_argv(["--max-num-queued-reqs", "8"], FLAGS).problems != ()
    assert read_argv(["-dc", "{}"], load_vllm_facts("0.29.0").flags).problems == ()


@pytest.mark.skipif(
    vllm_python() is None, reason="no vLLM install: set ROCM_VLLM_VLLM_PYTHON or run make test-vllm"
)
def test_the_table_is_what_vllm_itself_accepts(tmp_path: Path) -> None:
    """The same table through vLLM's real parser (the authoritative run is `make test-vllm`)."""
    python = vllm_python()
    assert python is not None
    cases = [{"name": f"accepted {i}", "argv": ["some/model", *a]} for i, a in enumerate(ACCEPTED)]
    cases += [{"name": f"refused {i}", "argv": ["some/model", *a]} for i, a in enumerate(REFUSED)]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    subprocess.run(
        [
            str(python),
            str(REPO / "scripts" / "vllm_parse_argv.py"),
            str(tmp_path / "cases.json"),
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        timeout=600,
        check=False,
    )
    results = json.loads((tmp_path / "out.json").read_text())
    wrong = [(r["name"], r["error"]) for r in results if r["ok"] != r["name"].startswith("accepted")]
    assert wrong == []
