"""chart-testing config, yamllint config, pinned versions and kind scenario values."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .paths import CI_DIR, KIND_DIR, LINTCONF, REPO_ROOT, venv_tool

KIND_VALUES = sorted((KIND_DIR / "values").glob("*.yaml"))
CHART_SCENARIOS = sorted(REPO_ROOT.glob("charts/*/ci/*-values.yaml"))
LINTED = [
    CI_DIR / "ct.yaml",
    LINTCONF,
    KIND_DIR / "versions.yaml",
    KIND_DIR / "cluster.yaml",
    *sorted((KIND_DIR / "manifests").glob("*.yaml")),
    *KIND_VALUES,
    *CHART_SCENARIOS,
]
DIGEST_PINNED = re.compile(r"^kindest/node:(v\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def yamllint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [venv_tool("yamllint"), "--strict", "-c", str(LINTCONF), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("path", LINTED, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_yaml_passes_yamllint_with_the_chart_lintconf(path: Path) -> None:
    assert load(path) is not None, f"{path} is empty"
    proc = yamllint(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lintconf_catches_what_it_promises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: 1\nkey: 2\ntrailing: x   \n", encoding="utf-8")
    output = yamllint(bad).stdout
    assert "key-duplicates" in output and "trailing-spaces" in output


def test_ct_config() -> None:
    ct = load(CI_DIR / "ct.yaml")
    assert ct["chart-dirs"] == ["charts"]
    assert ct["target-branch"] == "main"
    assert ct["validate-maintainers"] is False
    assert ct["check-version-increment"] is True
    assert re.search(r"--timeout \d+s", ct["helm-extra-args"])
    assert (REPO_ROOT / ct["lint-conf"]).resolve() == LINTCONF.resolve()


def test_versions_are_pinned_and_consistent() -> None:
    versions = load(KIND_DIR / "versions.yaml")
    entries = versions["kubernetes"]
    minors = [tuple(map(int, e["version"].split("."))) for e in entries]
    assert minors == sorted(minors) and len(minors) >= 2, "oldest to newest, at least two versions"
    assert {"1.29", "1.33"} <= {e["version"] for e in entries}
    for entry in entries:
        match = DIGEST_PINNED.match(entry["nodeImage"])
        assert match, f"node image must be pinned by digest: {entry['nodeImage']}"
        node_version = match.group(1)
        assert node_version.startswith(f"v{entry['version']}."), entry
        assert entry["kubectl"] == node_version, "kubectl matches the cluster version (skew)"
        assert re.fullmatch(r"v0\.\d+\.\d+", entry["kind"]), entry
    assert re.fullmatch(r"v\d+\.\d+\.\d+", versions["helm"])
    lws = versions["lws"]
    assert (
        lws["manifests"]
        == f"https://github.com/kubernetes-sigs/lws/releases/download/{lws['version']}/manifests.yaml"
    )


def test_keda_and_its_http_add_on_are_pinned_by_release_and_checksum() -> None:
    versions = load(KIND_DIR / "versions.yaml")
    keda, addon = versions["keda"], versions["httpAddOn"]
    assert keda["manifests"] == (
        f"https://github.com/kedacore/keda/releases/download/v{keda['version']}/keda-{keda['version']}.yaml"
    )
    assert addon["manifests"] == (
        "https://github.com/kedacore/http-add-on/releases/download/"
        f"v{addon['version']}/keda-add-ons-http-{addon['version']}.yaml"
    )
    for part in (keda, addon):  # null: not recorded yet, and run-e2e.sh then installs nothing unverified
        assert part["sha256"] is None or re.fullmatch(r"[0-9a-f]{64}", part["sha256"]), part
    crds = {c["url"].rsplit("/", 1)[1]: c for c in versions["extraCrds"]}
    assert (
        "http.keda.sh_httpscaledobjects.yaml" in crds
    )  # every ci scenario installs, the HTTPScaledObject too


def test_stand_in_matches_pinned_images() -> None:
    versions = load(KIND_DIR / "versions.yaml")
    stand_in = load(KIND_DIR / "values" / "stand-in.yaml")
    image = stand_in["image"]
    assert f"{image['repository']}:{image['tag']}" == versions["simulatorImage"]
    assert not image["tag"].startswith(("latest", "dev")), "pin a released simulator tag"
    assert stand_in["gpu"]["enabled"] is False
    # The simulator must serve exactly the name `helm test` looks for.
    args = stand_in["args"]
    assert args[args.index("--served-model-name") + 1] == stand_in["model"]["servedModelName"]
    assert args[args.index("--port") + 1] == str(stand_in["vllm"]["port"])
    client = load(KIND_DIR / "manifests" / "client-pod.yaml")
    assert {c["image"] for c in client["spec"]["containers"]} == {versions["clientImage"]}


def test_every_kind_overlay_has_an_e2e_user() -> None:
    e2e_sources = "".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "tests" / "e2e").glob("*.py"))
    for path in KIND_VALUES:
        if path.stem != "stand-in":
            assert f'"{path.stem}"' in e2e_sources, f"{path.name} is not used by tests/e2e"
