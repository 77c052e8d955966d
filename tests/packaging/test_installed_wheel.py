"""The package as users get it: the wheel built from this tree, installed into a fresh virtual environment,
run from empty folders with no repository and no ../shared in reach.

Every command the README shows must do its job there and print exactly what the checkout's (editable) install
prints for the same command in the same kind of folder. The project's pre-commit hooks run through real
pre-commit (which installs the package from a git repository, as users' hook runs do), and the GitHub Actions
example's `run:` steps run as written against the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MULTI_NODE_RECIPE = "llama-3-1-405b-mi300x-bf16-2node-ray"
SINGLE_NODE_RECIPE = "llama-3-1-8b-mi300x-bf16-tp1-throughput"
STACK = "mi300x-mixed"
TIMEOUT = 600

pytestmark = pytest.mark.packaging


def _clean_env(bin_dir: Path) -> dict[str, str]:
    """The user's environment: the package's venv first on PATH, none of the project's overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROCM_VLLM_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass(frozen=True)
class Install:
    """One way of having `rocm-vllm`: its bin folder and the environment to run it with."""

    bin_dir: Path

    def run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / "rocm-vllm"), *args],
            cwd=cwd,
            env=_clean_env(self.bin_dir),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )


def _tracked_tree(destination: Path) -> Path:
    """A copy of the working tree's files git knows (committed or not), as a fresh one-commit repository: what a
    user's `pip install git+…` or pre-commit clone of this project would get, built from the tree under test."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = REPO_ROOT / raw.decode()
        if source.is_file():
            target = destination / raw.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=destination, check=True)
    subprocess.run([*git, "add", "-A"], cwd=destination, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], cwd=destination, check=True)
    return destination


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tracked_tree(tmp_path_factory.mktemp("source") / "rocm-vllm")


@pytest.fixture(scope="session")
def wheel(source_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            ".",
        ],
        cwd=source_tree,
        check=True,
        timeout=TIMEOUT,
    )
    (built,) = out.glob("rocm_vllm-*.whl")
    return built


@pytest.fixture(scope="session")
def wheel_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    venv = tmp_path_factory.mktemp("user-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        timeout=TIMEOUT,
    )
    return Install(venv / "bin")


@pytest.fixture(scope="session")
def checkout_install() -> Install:
    return Install(Path(sys.executable).parent)


@pytest.fixture
def folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Path]]:
    """Empty folders far from the repository (pytest's temporary root has no ../shared)."""

    def make() -> Path:
        folder = tmp_path_factory.mktemp("user-folder")
        assert not (folder.parent / "shared").exists() and not (folder / "recipes").exists()
        return folder

    yield make


def _same_everywhere(
    args: list[str], wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    wheel_dir, checkout_dir = folders(), folders()
    from_wheel = wheel_install.run(args, wheel_dir)
    from_checkout = checkout_install.run(args, checkout_dir)
    assert from_wheel.returncode == 0, from_wheel.stderr
    assert from_checkout.returncode == 0, from_checkout.stderr
    assert from_wheel.stdout == from_checkout.stdout
    assert from_wheel.stderr == from_checkout.stderr
    return from_wheel, wheel_dir, checkout_dir


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_wheel_carries_charts_catalog_stacks_schemas_and_license(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "rocm_vllm/_bundled/charts/rocm-vllm/Chart.yaml",
        "rocm_vllm/_bundled/charts/rocm-vllm/values.schema.json",
        "rocm_vllm/_bundled/charts/rocm-vllm-stack/Chart.yaml",
        "rocm_vllm/_bundled/charts/rocm-vllm-cache/Chart.yaml",
        f"rocm_vllm/_bundled/recipes/{MULTI_NODE_RECIPE}.yaml",
        f"rocm_vllm/_bundled/stacks/{STACK}.yaml",
        "rocm_vllm/schemas/recipe.schema.json",
        "rocm_vllm/data/crd-schemas/leaderworkerset.x-k8s.io_leaderworkersets.json",
        "rocm_vllm-0.1.0.dist-info/licenses/LICENSE",
    ):
        assert required in names, required
    # One source: every chart file in the repository is in the wheel, and nothing else under _bundled/charts.
    charts = {
        f"rocm_vllm/_bundled/{p.relative_to(REPO_ROOT).as_posix()}"
        for p in (REPO_ROOT / "charts").rglob("*")
        if p.is_file() and "/charts/" not in p.relative_to(REPO_ROOT / "charts").as_posix()
    }
    assert charts <= names


def test_the_sdist_carries_the_license_and_builds_the_same_wheel(
    source_tree: Path, wheel: Path, tmp_path: Path
) -> None:
    import tarfile
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "-o", str(tmp_path), "."],
        cwd=source_tree,
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    (sdist,) = tmp_path.glob("rocm_vllm-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = set(archive.getnames())
        assert "rocm_vllm-0.1.0/LICENSE" in members
        archive.extractall(tmp_path / "unpacked", filter="data")
    rebuilt = tmp_path / "rebuilt"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(rebuilt),
            ".",
        ],
        cwd=tmp_path / "unpacked" / "rocm_vllm-0.1.0",
        check=True,
        timeout=TIMEOUT,
    )
    (again,) = rebuilt.glob("*.whl")
    assert sorted(zipfile.ZipFile(again).namelist()) == sorted(zipfile.ZipFile(wheel).namelist())


def test_validate_the_built_in_catalog(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    result, _, _ = _same_everywhere(["validate"], wheel_install, checkout_install, folders)
    assert "recipe(s)" in result.stdout or "file(s)" in result.stdout


def test_generate_and_check_the_built_in_catalog(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    _, wheel_dir, checkout_dir = _same_everywhere(
        ["generate", "--out", "values"], wheel_install, checkout_install, folders
    )
    generated = _tree(wheel_dir)
    assert generated == _tree(checkout_dir)
    assert f"values/{MULTI_NODE_RECIPE}.yaml" in generated
    assert generated[f"values/{MULTI_NODE_RECIPE}.yaml"].startswith(
        f"# Generated by: rocm-vllm generate <built-in>/recipes/{MULTI_NODE_RECIPE}.yaml --out values".encode()
    )
    check = wheel_install.run(["generate", "--out", "values", "--check"], wheel_dir)
    assert check.returncode == 0, check.stderr


def test_render_a_multi_node_recipe_by_name(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    result, _, _ = _same_everywhere(["render", MULTI_NODE_RECIPE], wheel_install, checkout_install, folders)
    kinds = {doc["kind"] for doc in yaml.safe_load_all(result.stdout) if doc}
    assert "LeaderWorkerSet" in kinds  # validated against the shipped CRD schema before printing


def test_render_the_users_own_recipe_file(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    text = (REPO_ROOT / "recipes" / f"{SINGLE_NODE_RECIPE}.yaml").read_text()
    own = text.replace(f"name: {SINGLE_NODE_RECIPE}", "name: my-own-llama")
    assert own != text
    wheel_dir, checkout_dir = folders(), folders()
    for folder in (wheel_dir, checkout_dir):
        (folder / "my-own-llama.yaml").write_text(own)
    from_wheel = wheel_install.run(["render", "my-own-llama.yaml"], wheel_dir)
    from_checkout = checkout_install.run(["render", "my-own-llama.yaml"], checkout_dir)
    assert from_wheel.returncode == 0, from_wheel.stderr
    assert from_wheel.stdout == from_checkout.stdout
    assert "my-own-llama" in from_wheel.stdout


def test_a_local_recipes_folder_comes_before_the_built_in_catalog(
    wheel_install: Install, folders: Callable[[], Path]
) -> None:
    folder = folders()
    (folder / "recipes").mkdir()
    text = (REPO_ROOT / "recipes" / f"{SINGLE_NODE_RECIPE}.yaml").read_text()
    (folder / "recipes" / f"{SINGLE_NODE_RECIPE}.yaml").write_text(
        text.replace("description:", "description: LOCAL COPY.", 1)
    )
    result = wheel_install.run(["generate", "--out", "values"], folder)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (folder / "values").iterdir()] == [f"{SINGLE_NODE_RECIPE}.yaml"]
    assert "LOCAL COPY." in (folder / "values" / f"{SINGLE_NODE_RECIPE}.yaml").read_text()


def test_helmrelease_by_name(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    result, _, _ = _same_everywhere(
        ["helmrelease", SINGLE_NODE_RECIPE], wheel_install, checkout_install, folders
    )
    assert "kind: HelmRelease" in result.stdout


def test_stack_render_of_the_built_in_stack(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    result, _, _ = _same_everywhere(["stack", "render", STACK], wheel_install, checkout_install, folders)
    assert "LeaderWorkerSet" in result.stdout


def test_index_of_the_shipped_charts(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    _, wheel_dir, checkout_dir = _same_everywhere(["index"], wheel_install, checkout_install, folders)
    index = (wheel_dir / "Chart-index.yaml").read_bytes()
    assert index == (checkout_dir / "Chart-index.yaml").read_bytes()
    # The same charts, byte for byte, as the repository's committed index lists.
    body = index.split(b"apiVersion: v1", 1)[1]
    assert body == (REPO_ROOT / "Chart-index.yaml").read_bytes().split(b"apiVersion: v1", 1)[1]


def test_catalog_of_recipes_and_stacks(
    wheel_install: Install, checkout_install: Install, folders: Callable[[], Path]
) -> None:
    result, _, _ = _same_everywhere(
        ["catalog", "--recipes", "--format", "json"], wheel_install, checkout_install, folders
    )
    assert MULTI_NODE_RECIPE in result.stdout and STACK in result.stdout


def test_an_unknown_name_is_a_usage_error_naming_close_built_ins(
    wheel_install: Install, folders: Callable[[], Path]
) -> None:
    result = wheel_install.run(["render", "llama-3-1-405b-mi300x-bf16-2node-rai"], folders())
    assert result.returncode == 2
    assert "did you mean llama-3-1-405b-mi300x-bf16-2node-ray" in result.stderr
    assert "Traceback" not in result.stderr


SAMPLE_RECIPE = f"{SINGLE_NODE_RECIPE}.yaml"


def _sample_repository(folder: Path, install: Install) -> Path:
    """A user's repository: one recipe and its generated values, committed."""
    repo = folder / "platform"
    (repo / "recipes").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "recipes" / SAMPLE_RECIPE, repo / "recipes" / SAMPLE_RECIPE)
    generated = install.run(["generate", "recipes", "--out", "values"], repo)
    assert generated.returncode == 0, generated.stderr
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "recipes"], cwd=repo, check=True)
    return repo


def test_pre_commit_hooks_through_real_pre_commit(
    source_tree: Path, wheel_install: Install, folders: Callable[[], Path]
) -> None:
    folder = folders()
    repo = _sample_repository(folder, wheel_install)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source_tree, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = {
        "repos": [
            {
                "repo": str(source_tree),
                "rev": rev,
                "hooks": [{"id": "rocm-vllm-validate"}, {"id": "rocm-vllm-generate-check"}],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = _clean_env(Path(sys.executable).parent)
    env["PRE_COMMIT_HOME"] = str(folder / "pre-commit-home")
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]

    def run(*hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit, *hook],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("Passed") == 2

    # Drift: the recipe changes, values/ does not -> the generate hook fails and says what to run.
    recipe = repo / "recipes" / SAMPLE_RECIPE
    recipe.write_text(recipe.read_text().replace("description:", "description: Changed.", 1))
    drifted = run("rocm-vllm-generate-check")
    assert drifted.returncode == 1, drifted.stdout
    assert "would change" in drifted.stdout

    # An unstartable recipe -> the validate hook fails with the file and the check.
    recipe.write_text(recipe.read_text().replace("tensor: 1", "tensor: 3", 1))
    invalid = run("rocm-vllm-validate")
    assert invalid.returncode == 1, invalid.stdout
    assert f"recipes/{SAMPLE_RECIPE}" in invalid.stdout


def test_github_actions_example_steps(wheel: Path, folders: Callable[[], Path]) -> None:
    """Each `run:` step of examples/github-actions/recipes.yaml, as written, in a fresh venv that installs the
    package the way the example does (from ROCM_VLLM_SOURCE, here the wheel under test)."""
    workflow = yaml.safe_load((REPO_ROOT / "examples" / "github-actions" / "recipes.yaml").read_text())
    (job,) = workflow["jobs"].values()
    steps = [step["run"] for step in job["steps"] if "run" in step]
    assert any("pip install" in step for step in steps)
    folder = folders()
    venv = folder / "runner-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    repo = folder / "workspace"
    (repo / "recipes").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "recipes" / SAMPLE_RECIPE, repo / "recipes" / SAMPLE_RECIPE)
    env = _clean_env(venv / "bin")
    env.update(workflow.get("env", {}))
    env["ROCM_VLLM_SOURCE"] = wheel.as_uri()
    env["RUNNER_TEMP"] = str(folder / "runner-temp")
    (folder / "runner-temp").mkdir()
    # The workspace's values/ come from the same command the example's drift step checks against.
    first = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", steps[0]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert first.returncode == 0, first.stderr
    generate = subprocess.run(
        [str(venv / "bin" / "rocm-vllm"), "generate", "recipes/", "--out", "values/"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert generate.returncode == 0, generate.stderr
    for step in steps[1:]:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
    manifests = folder / "runner-temp" / "manifests" / SAMPLE_RECIPE
    assert manifests.is_file() and "kind: Deployment" in manifests.read_text()
