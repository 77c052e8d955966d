"""The flag and env checks: one finding per wrong flag, chart-owned flags, abbreviations, the user allow-list,
and the vLLM release a recipe's image carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_vllm.allowlist import load_allow_file
from rocm_vllm.checks import CheckContext, check_recipe_data
from rocm_vllm.checks.image import image_release
from rocm_vllm.cli import main
from rocm_vllm.errors import InputFileError
from rocm_vllm.findings import Severity
from rocm_vllm.validate import default_context

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "valid" / "full-node-tp8.yaml"


def recipe_data(
    extra_args: list[str] | None = None, env: dict[str, str] | None = None, tag: str | None = None
):  # type: ignore[no-untyped-def]
    import yaml

    data = yaml.safe_load(RECIPE.read_text())
    data["vllm"] = {"extraArgs": extra_args or [], "env": env or {}}
    if tag:
        data["image"] = {"tag": tag}
    return data


def findings(data: dict[str, object], context: CheckContext | None = None) -> list[tuple[str, str, str]]:
    _, found = check_recipe_data(data, context or default_context(), f"{data['name']}.yaml")
    return [(f.check, f.severity.value, f.message) for f in found]


def test_a_chart_owned_flag_and_its_value_are_one_finding() -> None:
    (finding,) = findings(recipe_data(["--tensor-parallel-size", "8"]))
    assert finding[0] == "vllm-flags" and "set by the chart from parallelism.tensor" in finding[2]


def test_the_executor_backend_on_one_node_is_one_finding_saying_to_remove_it() -> None:
    """launch.mode is read only for multi-node groups, so a single-node recipe is told vLLM's default instead."""
    (finding,) = findings(recipe_data(["--distributed-executor-backend", "mp"]))
    assert finding[0] == "vllm-flags"
    assert "on one node vLLM uses mp by default: remove the flag" in finding[2]


@pytest.mark.parametrize(
    "spelling", ["-tp=8", "--tensor_parallel_size", "--no-enable-expert-parallel", "-ep"]
)
def test_every_spelling_of_a_chart_owned_flag_is_refused(spelling: str) -> None:
    args = [spelling, "8"] if spelling == "--tensor_parallel_size" else [spelling]
    (finding,) = findings(recipe_data(args))
    assert "is set by the chart from parallelism." in finding[2]


def test_an_abbreviation_is_a_warning_naming_the_full_flag() -> None:
    (finding,) = findings(recipe_data(["--enable-prefix"]))
    assert finding[1] == Severity.WARNING.value
    assert "expands to --enable-prefix-caching; write it in full" in finding[2]


def test_unknown_flag_value_is_not_a_second_finding() -> None:
    (finding,) = findings(recipe_data(["--swap-space", "16"]))
    assert finding[2] == "vllm serve 0.23.0 has no flag --swap-space"


def test_the_official_recipe_env_names_are_known() -> None:
    env = {"AMDGCN_USE_BUFFER_OPS": "0", "HSA_NO_SCRATCH_RECLAIM": "1", "AITER_ENABLE_VSKIP": "0"}
    assert findings(recipe_data(env=env)) == []


ALLOW = """\
env:
  - name: MY_FORK_KNOB
    reason: read by our patched image (runbook 12)
flags:
  - name: --my-fork-flag
    arity: switch
    reason: added by our vLLM fork
"""


def test_the_allow_list_extends_env_and_flags(tmp_path: Path) -> None:
    data = recipe_data(["--my-fork-flag"], {"MY_FORK_KNOB": "1"})
    assert {f[0] for f in findings(data)} == {"vllm-flags", "env"}
    (tmp_path / "allow.yaml").write_text(ALLOW)
    assert findings(data, default_context(allow_files=(tmp_path / "allow.yaml",))) == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("env:\n  - name: X\n", "$.env[0].reason: reason is required", 2),
        ("env:\n  - name: X\n    reason: ''\n", "$.env[0].reason: reason is required", 3),
        ("flags:\n  - name: --x\n    reason: r\n    arity: many\n", "arity must be one of", 4),
        ("flags:\n  - name: x\n    reason: r\n", "'x' is not a flag", 2),
        ("env: {}\n", "env must be a list", 1),
        ("envs: []\n", "allowed keys: env, flags", 1),
    ],
)
def test_a_malformed_allow_list_names_file_line_and_path(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "allow.yaml"
    path.write_text(text)
    with pytest.raises(InputFileError) as raised:
        load_allow_file(path)
    problem = raised.value.problem
    assert message in f"{problem.path}: {problem.message}" and problem.line == line


def test_validate_and_render_honour_the_allow_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    recipe = tmp_path / "fork.yaml"
    data = recipe_data(["--my-fork-flag"], {"MY_FORK_KNOB": "1"})
    data["name"] = "fork"
    recipe.write_text(yaml.safe_dump(data))
    (tmp_path / "allow.yaml").write_text(ALLOW)
    assert main(["validate", str(recipe)]) == 1
    assert main(["validate", str(recipe), "--allow", str(tmp_path / "allow.yaml")]) == 0
    assert (
        main(["render", str(recipe), "--env-allow", str(tmp_path / "allow.yaml"), "-o", str(tmp_path / "o")])
        == 0
    )
    assert "--my-fork-flag" in (tmp_path / "o").read_text()
    monkeypatch.setenv("ROCM_VLLM_ALLOW", str(tmp_path / "allow.yaml"))
    assert main(["validate", str(recipe)]) == 0
    (tmp_path / "bad.yaml").write_text("env:\n  - name: X\n")
    assert main(["validate", str(recipe), "--allow", str(tmp_path / "bad.yaml")]) == 1
    assert "bad.yaml:2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("repository", "tag", "version", "severity"),
    [
        (None, None, "0.23.0", None),
        ("rocm/vllm", "rocm7.14.0_cdna_ubuntu24.04_py3.14_pytorch_2.11.0_vllm_0.23.0", "0.23.0", None),
        ("rocm/vllm", "rocm10.1.0_ubuntu24.04_py3.14_pytorch_2.13.0_vllm_0.29.0", "0.29.0", None),
        ("vllm/vllm-openai-rocm", "v0.29.0", "0.29.0", Severity.WARNING),
        ("rocm/vllm", "rocm7.0.0_vllm_0.11.1_20251024", None, Severity.ERROR),
        ("rocm/vllm", "latest", None, Severity.ERROR),
        ("rocm/vllm", "custom-build", None, Severity.ERROR),
    ],
)
def test_the_release_an_image_carries(
    repository: str | None, tag: str | None, version: str | None, severity: Severity | None
) -> None:
    release = image_release(repository, tag)
    assert release.version == version
    assert (release.severity if release.message else None) == severity


def test_a_0_29_image_is_checked_against_0_29_lists() -> None:
    tag = "rocm10.1.0_ubuntu24.04_py3.14_pytorch_2.13.0_vllm_0.29.0"
    assert findings(recipe_data(["--max-num-queued-reqs", "8"], tag=tag)) == []
    (finding,) = findings(recipe_data(["--max-num-queued-reqs", "8"]))
    assert finding[2] == "vllm serve 0.23.0 has no flag --max-num-queued-reqs"
