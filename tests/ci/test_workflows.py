"""GitHub Actions workflows: schema-valid, every action pinned by SHA, kind matrix equal to versions.yaml, and the
release workflow building, publishing through `make publish` and deploying the chart repository it writes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .paths import KIND_DIR, WORKFLOWS_DIR, venv_tool

WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yaml"))
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$")


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yaml", "kind.yaml", "release.yaml"}


def test_workflows_match_the_github_actions_schema() -> None:
    proc = subprocess.run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    # Guards the check above against passing vacuously (e.g. a schema that accepts anything).
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\non: push\njobs:\n  j:\n    steps: []\n", encoding="utf-8")
    proc = subprocess.run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_a_version_comment(path: Path) -> None:
    uses_lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert uses_lines, f"{path.name} uses no actions"
    unpinned = [line.strip() for line in uses_lines if not PINNED_USES.match(line)]
    assert not unpinned, (
        f"{path.name}: actions must be pinned as owner/repo@<40-hex sha>  # vX.Y.Z: {unpinned}"
    )


def test_same_action_is_pinned_to_the_same_sha_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := PINNED_USES.match(line):
                pins.setdefault(match.group(1), set()).add(match.group(2))
    assert all(len(shas) == 1 for shas in pins.values()), pins


def test_ci_runs_make_test_and_check_drift_on_push_and_pull_request() -> None:
    workflow = load(WORKFLOWS_DIR / "ci.yaml")
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    commands = [step.get("run", "") for step in steps(workflow)]
    assert any(c.strip() == "make test" for c in commands)
    assert any(c.strip() == "make check-drift" for c in commands)


def test_kind_matrix_mirrors_versions_yaml() -> None:
    versions = load(KIND_DIR / "versions.yaml")
    workflow = load(WORKFLOWS_DIR / "kind.yaml")
    [job] = workflow["jobs"].values()
    matrix = [(e["kubernetes"], e["kind"], e["kubectl"]) for e in job["strategy"]["matrix"]["include"]]
    pinned = [(e["version"], e["kind"], e["kubectl"]) for e in versions["kubernetes"]]
    assert matrix == pinned
    assert job["timeout-minutes"] <= 90
    run_steps = [s for s in steps(workflow) if "run" in s]
    assert any("make e2e K8S_VERSION=${{ matrix.kubernetes }}" in s["run"] for s in run_steps)
    helm_versions = {
        s["with"]["version"] for s in steps(workflow) if s.get("uses", "").startswith("azure/setup-helm@")
    }
    assert helm_versions == {versions["helm"]}


def test_every_job_is_time_bounded() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            assert 0 < job.get("timeout-minutes", 0) <= 90, f"{path.name}:{name} needs timeout-minutes"


def _makefile_default(name: str) -> str:
    makefile = (WORKFLOWS_DIR.parents[1] / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name} \?= (.*)$", makefile, re.MULTILINE)
    assert match, f"Makefile sets no default for {name}"
    return match.group(1).strip()


def test_release_runs_on_version_tags_and_publishes_every_artifact() -> None:
    workflow = load(WORKFLOWS_DIR / "release.yaml")
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push"} and triggers["push"] == {"tags": ["v*.*.*"]}
    assert workflow["permissions"] == {"contents": "read"}  # each job asks for what it needs
    release, pages = workflow["jobs"]["release"], workflow["jobs"]["pages"]
    assert release["permissions"] == {"contents": "write", "packages": "write"}
    assert pages["permissions"] == {"pages": "write", "id-token": "write"} and pages["needs"] == "release"
    runs = [step.get("run", "") for step in release["steps"]]
    order = [
        next(i for i, r in enumerate(runs) if needle in r)
        for needle in ("make check-drift", "make wheel", "make package", "make publish", "gh release create")
    ]
    assert order == sorted(order), "drift check, build, package, publish, then the release"
    publish_step = next(s for s in release["steps"] if "make publish" in s.get("run", ""))
    assert 'REGISTRY="oci://ghcr.io/${OWNER,,}/charts"' in publish_step["run"]
    assert set(publish_step["env"]) == {"ROCM_VLLM_REGISTRY_USERNAME", "ROCM_VLLM_REGISTRY_PASSWORD", "OWNER"}
    repository_dir = re.search(r"REPOSITORY_DIR=(\S+)", publish_step["run"])
    assert repository_dir
    upload = next(
        s for s in release["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == repository_dir.group(1)
    release_step = next(r for r in runs if "gh release create" in r)
    for asset in ("dist/*.whl", "dist/*.tar.gz", "dist/*.tgz"):
        assert asset in release_step
    assert _makefile_default("REPOSITORY_DIR")  # `make publish` writes the chart repository by default too


def test_default_flux_source_is_where_the_release_workflow_publishes() -> None:
    """The release pushes to oci://ghcr.io/<owner, lower case>/charts; HelmReleases default to that place."""
    from rocm_vllm.flux import PUBLISHED_CHARTS

    workflow = (WORKFLOWS_DIR / "release.yaml").read_text(encoding="utf-8")
    assert 'REGISTRY="oci://ghcr.io/${OWNER,,}/charts"' in workflow
    assert re.fullmatch(r"oci://ghcr\.io/[a-z0-9][a-z0-9-]*/charts", PUBLISHED_CHARTS)
