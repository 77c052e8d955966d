"""Tests for scripts/extract_vllm_cli.py on a tiny synthetic vLLM wheel (no network, no vLLM install)."""

from __future__ import annotations

import hashlib
import textwrap
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from script_loading import script_module

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "extract_vllm_cli.py"
DATA = REPO / "generator" / "rocm_vllm" / "data"


def _load_script() -> ModuleType:
    return script_module("extract_vllm_cli")


evc = _load_script()

SERVE = """
from vllm.entrypoints.openai.cli_args import make_arg_parser


class ServeSubcommand:
    def subparser_init(self, subparsers):
        serve_parser = subparsers.add_parser("serve")
        serve_parser = make_arg_parser(serve_parser)
        return serve_parser
"""

CLI_ARGS = """
import argparse
import json
from dataclasses import field

from vllm.config import config
from vllm.engine.arg_utils import AsyncEngineArgs


@config
class BaseFrontendArgs:
    enable_auto_tool_choice: bool = False
    max_log_len: int | None = None
    middleware: list[str] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)
    served_names: list[str] | None = None
    extra_kwargs: dict[str, int] | None = None

    @classmethod
    def _customize_cli_kwargs(cls, frontend_kwargs):
        frontend_kwargs["middleware"]["action"] = "append"
        frontend_kwargs["allowed_origins"]["type"] = json.loads
        frontend_kwargs["max_log_len"]["flags"] = ["-mll"]
        return frontend_kwargs

    @classmethod
    def add_cli_args(cls, parser):
        from vllm.engine.arg_utils import get_kwargs

        frontend_kwargs = get_kwargs(cls)
        frontend_kwargs = cls._customize_cli_kwargs(frontend_kwargs)
        group = parser.add_argument_group(title="Frontend")
        for key, value in frontend_kwargs.items():
            extra_flags = value.pop("flags", [])
            group.add_argument(*extra_flags, f"--{key.replace('_', '-')}", **value)
        return parser


@config
class FrontendArgs(BaseFrontendArgs):
    port: int = 8000


def make_arg_parser(parser):
    parser.add_argument("model_tag", nargs="?")
    parser.add_argument("--headless", action="store_true", default=False)
    parser.add_argument("--api-server-count", "-asc", type=int)
    parser = FrontendArgs.add_cli_args(parser)
    parser = AsyncEngineArgs.add_cli_args(parser)
    return parser
"""

ARG_UTILS = """
import argparse
from dataclasses import dataclass

from vllm.config import CacheConfig, ParallelConfig


def get_kwargs(cls):
    return {}


@dataclass
class EngineArgs:
    tensor_parallel_size: int = 1
    not_a_flag: bool = False

    @staticmethod
    def add_cli_args(parser):
        parallel_kwargs = get_kwargs(ParallelConfig)
        group = parser.add_argument_group(title="ParallelConfig")
        group.add_argument("--tensor-parallel-size", "-tp", **parallel_kwargs["tensor_parallel_size"])
        group.add_argument("--enable-expert-parallel", "-ep", **parallel_kwargs["enable_expert_parallel"])
        group.add_argument("--hf-token", **parallel_kwargs["hf_token"])
        group.add_argument("--eplb-config", **parallel_kwargs["eplb_config"])
        group.add_argument("--data-parallel-rank", "-dpn", type=int)
        cache_kwargs = get_kwargs(CacheConfig)
        parser.add_argument(
            "--enable-prefix-caching", **{**cache_kwargs["enable_prefix_caching"], "default": None}
        )
        parser.add_argument("--enable-lora", action=argparse.BooleanOptionalAction)
        parser.add_argument("--disable-log-stats", action="store_true")
        return parser


class AsyncEngineArgs(EngineArgs):
    @staticmethod
    def add_cli_args(parser, async_args_only=False):
        if not async_args_only:
            parser = EngineArgs.add_cli_args(parser)
        parser.add_argument("--enable-log-requests", action=argparse.BooleanOptionalAction)
        return parser
"""

CONFIG_INIT = """
from vllm.config.cache import CacheConfig
from vllm.config.parallel import EPLBConfig, ParallelConfig
from vllm.config.utils import config
"""

CONFIG_UTILS = """
def config(cls):
    return cls
"""

PARALLEL = """
from typing import Literal, Optional

from vllm.config.utils import config

MaybeBool = Optional[bool]
DistributedExecutorBackend = Literal["ray", "mp", "uni"]


@config
class EPLBConfig:
    window_size: int = 1000


@config
class ParallelConfig:
    tensor_parallel_size: int = 1
    enable_expert_parallel: MaybeBool = False
    hf_token: bool | str | None = None
    eplb_config: EPLBConfig | bool | None = None
"""

CACHE = """
from typing import Literal

from vllm.config.utils import config

CacheDType = Literal["auto", "fp8", "bfloat16"]


@config
class CacheConfig:
    enable_prefix_caching: "bool | None" = None
"""

ENVS = """
import os


def env_with_choices(env_name, default, choices):
    def _get():
        return os.getenv(env_name, default)

    return _get


environment_variables: dict = {
    "VLLM_HOST_IP": lambda: os.getenv("VLLM_HOST_IP", ""),
    "VLLM_ROCM_USE_AITER": env_with_choices("VLLM_ROCM_USE_AITER", "0", ["0", "1"]),
}
"""

OTHER = """
import os
from contextlib import contextmanager

TRACE_VAR = "OTEL_SERVICE_NAME"


@contextmanager
def set_env_var(key, value):
    old = os.environ.get(key)
    os.environ[key] = value
    yield
    os.environ[key] = old or ""


def read_things():
    a = os.environ.get("NCCL_SOCKET_IFNAME")
    b = "HIP_VISIBLE_DEVICES" in os.environ
    c = os.environ["LOCAL_RANK"]
    d = os.getenv(TRACE_VAR)
    os.environ.setdefault("NCCL_CUMEM_ENABLE", "0")
    os.environ["WRITE_ONLY"] = "1"
    os.environ.pop("POPPED", None)
    for name in ("MASTER_ADDR", "MASTER_PORT"):
        os.environ.get(name)
    with set_env_var("SET_BY_VLLM", "1"):
        pass
    return a, b, c, d
"""

FILES = {
    "vllm/__init__.py": "",
    "vllm/entrypoints/cli/serve.py": SERVE,
    "vllm/entrypoints/openai/cli_args.py": CLI_ARGS,
    "vllm/engine/arg_utils.py": ARG_UTILS,
    "vllm/config/__init__.py": CONFIG_INIT,
    "vllm/config/utils.py": CONFIG_UTILS,
    "vllm/config/parallel.py": PARALLEL,
    "vllm/config/cache.py": CACHE,
    "vllm/envs.py": ENVS,
    "vllm/config/model.py": 'from typing import Literal\nModelDType = Literal["auto", "half", "bfloat16"]\n',
    "vllm/model_executor/layers/quantization/__init__.py": (
        'from typing import Literal\nQuantizationMethods = Literal[\n    "fp8",\n    # a comment\n    "awq",\n]\n'
    ),
    "vllm/other.py": OTHER,
}

EXPECTED_FLAGS = {
    "--api-server-count": "value",
    "-asc": "value",
    "--data-parallel-rank": "value",
    "-dpn": "value",
    "--disable-log-stats": "switch",
    "--enable-auto-tool-choice": "switch",
    "--no-enable-auto-tool-choice": "switch",
    "--enable-expert-parallel": "switch",
    "--no-enable-expert-parallel": "switch",
    "-ep": "switch",
    "--enable-log-requests": "switch",
    "--no-enable-log-requests": "switch",
    "--enable-lora": "switch",
    "--no-enable-lora": "switch",
    "--enable-prefix-caching": "switch",
    "--no-enable-prefix-caching": "switch",
    "--eplb-config": "json",  # a dataclass: one JSON object, or its keys one by one
    "--allowed-origins": "json",  # type = json.loads replaces the list's nargs
    "--served-names": "list",  # list[str]: nargs="+"
    "--extra-kwargs": "json",  # dict: json.loads
    "--headless": "switch",
    "--hf-token": "optional",
    "--max-log-len": "value",
    "-mll": "value",
    "--middleware": "value",
    "--port": "value",
    "--tensor-parallel-size": "value",
    "-tp": "value",
}

EXPECTED_ENV = {
    "HIP_VISIBLE_DEVICES",
    "LOCAL_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
    "NCCL_CUMEM_ENABLE",
    "NCCL_SOCKET_IFNAME",
    "OTEL_SERVICE_NAME",
    "VLLM_HOST_IP",
    "VLLM_ROCM_USE_AITER",
}


def make_wheel(tmp_path: Path, files: dict[str, str] | None = None, version: str = "9.9.9") -> Path:
    """Write a minimal wheel zip with the given vllm/ sources and a METADATA version."""
    wheel = tmp_path / f"vllm-{version}-cp38-abi3-manylinux_2_28_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in (files or FILES).items():
            zf.writestr(name, textwrap.dedent(text))
        zf.writestr(
            f"vllm-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: vllm\nVersion: {version}\n"
        )
    return wheel


def body_lines(path: Path) -> list[str]:
    """Non-comment lines of a generated list."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]


def test_serve_options_exact(tmp_path: Path) -> None:
    src = evc.WheelSources.from_wheel(make_wheel(tmp_path))
    assert evc.serve_options(src) == EXPECTED_FLAGS


def test_env_var_names_exact(tmp_path: Path) -> None:
    src = evc.WheelSources.from_wheel(make_wheel(tmp_path))
    assert evc.env_var_names(src) == EXPECTED_ENV


def test_main_writes_sorted_lists_with_header(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    out = tmp_path / "out"
    assert evc.main([str(wheel), "--out-dir", str(out)]) == 0
    flags_file, env_file = out / "vllm-9.9.9-flags.txt", out / "vllm-9.9.9-env.txt"
    assert body_lines(flags_file) == [f"{k}\t{EXPECTED_FLAGS[k]}" for k in sorted(EXPECTED_FLAGS)]
    assert body_lines(env_file) == sorted(EXPECTED_ENV)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    for path in (flags_file, env_file):
        head = path.read_text(encoding="utf-8").splitlines()[:4]
        assert head[1] == "# Generated by: python scripts/extract_vllm_cli.py --version 9.9.9"
        assert head[2] == f"# From wheel: {wheel.name} sha256={sha}"


def test_check_detects_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(tmp_path)
    out = tmp_path / "out"
    assert evc.main([str(wheel), "--out-dir", str(out), "--check"]) == 1  # nothing written yet
    assert evc.main([str(wheel), "--out-dir", str(out)]) == 0
    assert evc.main([str(wheel), "--out-dir", str(out), "--check"]) == 0
    flags_file = out / "vllm-9.9.9-flags.txt"
    flags_file.write_text(flags_file.read_text(encoding="utf-8") + "--made-up\tvalue\n", encoding="utf-8")
    capsys.readouterr()
    assert evc.main([str(wheel), "--out-dir", str(out), "--check"]) == 1
    assert "--made-up" in capsys.readouterr().err  # the diff names the stray line
    assert "--made-up" in flags_file.read_text(encoding="utf-8")  # --check never writes


def test_unknown_registration_pattern_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict(FILES)
    files["vllm/engine/arg_utils.py"] = ARG_UTILS.replace(
        '**parallel_kwargs["tensor_parallel_size"]', "**build_kwargs()"
    )
    wheel = make_wheel(tmp_path, files)
    assert evc.main([str(wheel), "--out-dir", str(tmp_path / "out")]) == 2
    assert "unsupported **kwargs expression" in capsys.readouterr().err


def test_missing_config_field_fails_loudly(tmp_path: Path) -> None:
    files = dict(FILES)
    files["vllm/config/parallel.py"] = PARALLEL.replace("    hf_token: bool | str | None = None\n", "")
    src = evc.WheelSources.from_wheel(make_wheel(tmp_path, files))
    with pytest.raises(evc.ExtractionError, match="no field hf_token"):
        evc.serve_options(src)


@pytest.mark.parametrize(
    "flag",
    [
        "--tensor-parallel-size",
        "-tp",
        "--pipeline-parallel-size",
        "--data-parallel-size",
        "--max-model-len",
        "--served-model-name",
        "--port",
        "--headless",
        "--no-enable-prefix-caching",
        "--compilation-config",
    ],
)
def test_committed_flags_contain_well_known_options(flag: str) -> None:
    names = {line.split("\t")[0] for line in body_lines(DATA / "vllm-0.23.0-flags.txt")}
    assert flag in names


def test_committed_lists_are_sorted_and_unique() -> None:
    for version in ("0.23.0", "0.29.0"):
        for name in (f"vllm-{version}-flags.txt", f"vllm-{version}-env.txt"):
            lines = body_lines(DATA / name)
            assert lines == sorted(set(lines)), name
        arities = {line.split("\t")[1] for line in body_lines(DATA / f"vllm-{version}-flags.txt")}
        assert arities == {"value", "switch", "optional", "list", "json"}


def test_choices_come_from_the_literal_aliases(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    out = tmp_path / "out"
    assert evc.main([str(wheel), "--out-dir", str(out)]) == 0
    choices = yaml.safe_load((out / "vllm-9.9.9-choices.yaml").read_text(encoding="utf-8"))
    assert choices == {
        "distributedExecutorBackend": ["mp", "ray", "uni"],
        "dtype": ["auto", "bfloat16", "half"],
        "kvCacheDtype": ["auto", "bfloat16", "fp8"],
        "quantization": ["awq", "fp8"],
    }


def test_missing_literal_alias_is_an_extraction_error(tmp_path: Path) -> None:
    files = {**FILES, "vllm/config/model.py": "ModelDType = str\n"}
    src = evc.WheelSources.from_wheel(make_wheel(tmp_path, files))
    with pytest.raises(evc.ExtractionError, match="ModelDType is not a Literal"):
        evc.literal_choices(src, "vllm.config.model", "ModelDType")
