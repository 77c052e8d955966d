"""Reading `vllm serve` argument lists out of rendered manifests (the input of `make test-vllm`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rocm_vllm.cli import main
from rocm_vllm.serve_argv import RUNTIME_STANDIN, ServeArgvError, serve_argvs_in_script, serve_commands

RECIPES = Path(__file__).resolve().parents[1] / "recipes"


def deployment(container: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "vllm", "image": "img:1", **container}]}}},
    }


def test_command_and_args_with_kubernetes_expansion() -> None:
    obj = deployment(
        {
            "command": ["vllm", "serve"],
            "args": ["m", "--port", "$(PORT)", "--seed", "$(UNSET)"],
            "env": [{"name": "PORT", "value": "8000"}],
        }
    )
    (command,) = serve_commands([obj])
    assert command.argv == ("m", "--port", "8000", "--seed", "$(UNSET)")  # Kubernetes keeps unknown $(X)
    assert (command.where, command.image) == ("Deployment/d container vllm", "img:1")


def test_a_shell_launch_script_with_env_and_continuations() -> None:
    script = (
        "set -eu\nray start --head\n# vllm serve in a comment\n"
        "exec vllm serve 'a/b' --tp \"${TP}\" \\\n  --x $Y && echo done\n"
    )
    obj = {
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "l"},
        "spec": {
            "leaderWorkerTemplate": {
                "leaderTemplate": {"spec": {"containers": [
                    {"name": "vllm", "image": "i", "command": ["/bin/sh", "-c"], "args": [script],
                     "env": [{"name": "TP", "value": "8"}, {"name": "Y", "valueFrom": {"fieldRef": {}}}]}
                ]}},
                "workerTemplate": {"spec": {"containers": [
                    {"name": "vllm", "image": "i", "command": ["vllm", "serve"],
                     "args": ["a/b", "--nnodes", "$(LWS_GROUP_SIZE)", "--headless"]}
                ]}},
            }
        },
    }  # fmt: skip
    leader, worker = serve_commands([obj])
    assert leader.argv == ("a/b", "--tp", "8", "--x", RUNTIME_STANDIN)
    assert leader.where == "LeaderWorkerSet/l leader container vllm"
    assert worker.argv == ("a/b", "--nnodes", RUNTIME_STANDIN, "--headless")  # injected by the LWS controller


def test_a_script_file_from_a_config_map() -> None:
    config_map = {
        "kind": "ConfigMap",
        "metadata": {"name": "s"},
        "data": {"launch.sh": "vllm serve m --port ${P}\n"},
    }
    obj = deployment({"command": ["/bin/bash", "/scripts/launch.sh"], "env": [{"name": "P", "value": "9"}]})
    (command,) = serve_commands([config_map, obj])
    assert command.argv == ("m", "--port", "9")


def test_sh_c_with_arguments_forwards_them_through_dollar_at() -> None:
    """The chart's files/ray-leader.sh form: `sh -c SCRIPT NAME ARG...` and `exec vllm serve "$@" --x y`."""
    script = (
        'log() { :; }\nlog "starting vllm serve with the Ray executor"\nexec vllm serve "$@" --backend ray\n'
    )
    obj = deployment({"command": ["/bin/sh", "-c", script], "args": ["ray-leader", "m", "--port", "8000"]})
    (command,) = serve_commands([obj])
    assert command.argv == ("m", "--port", "8000", "--backend", "ray")


def test_containers_without_vllm_serve_are_skipped() -> None:
    assert serve_commands([deployment({"command": ["sleep", "1"]}), {"kind": "Service"}]) == []


def test_an_unreadable_line_is_an_error() -> None:
    with pytest.raises(ServeArgvError, match="cannot read the vllm serve line"):
        serve_argvs_in_script("vllm serve 'unterminated\n", {})


def test_every_recipe_render_has_its_vllm_serve_line(tmp_path: Path) -> None:
    """The chart's real launch forms (direct, Ray script, multi-node mp) are all read."""
    for name in (
        "llama-4-maverick-mi300x-bf16-2node-ray",
        "deepseek-r1-mi300x-fp8-2node-mp",
        "qwen3-8b-mi300x-fp8-tp1-throughput",
    ):
        out = tmp_path / f"{name}.yaml"
        assert main(["render", str(RECIPES / f"{name}.yaml"), "-o", str(out)]) == 0
        objects = [d for d in yaml.safe_load_all(out.read_text()) if d]
        commands = serve_commands(objects)
        assert commands, name
        for command in commands:
            assert "--tensor-parallel-size" in command.argv and "$" not in " ".join(command.argv), command
    ray = serve_commands(
        [
            d
            for d in yaml.safe_load_all(
                (tmp_path / "llama-4-maverick-mi300x-bf16-2node-ray.yaml").read_text()
            )
            if d
        ]
    )
    assert ray[0].argv[-2:] == ("--distributed-executor-backend", "ray")
