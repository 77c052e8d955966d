"""ci/kind/versions.py: the lookup run-e2e.sh uses to pick the node image and the LWS manifests."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .paths import KIND_DIR

SCRIPT = str(KIND_DIR / "versions.py")


def lookup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.parametrize("version", ["1.33", "1.33.7", "v1.33.7"])
def test_minor_or_patch_finds_the_entry(version: str) -> None:
    proc = lookup(version, "nodeImage")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("kindest/node:v1.33.")


def test_unpinned_version_fails_with_the_supported_list() -> None:
    proc = lookup("1.30", "nodeImage")
    assert proc.returncode == 1 and "supported: 1.29" in proc.stderr


def test_top_level_dotted_lookup() -> None:
    proc = lookup("--top", "lws.manifests")
    assert proc.returncode == 0 and proc.stdout.strip().endswith("/manifests.yaml")


def test_usage_error() -> None:
    assert lookup("1.29").returncode == 2


def test_list_length_and_indexed_lookup() -> None:
    count = lookup("--len", "extraCrds")
    assert count.returncode == 0 and int(count.stdout) >= 1
    url = lookup("--top", "extraCrds.0.url")
    assert url.returncode == 0 and url.stdout.startswith("https://raw.githubusercontent.com/")
