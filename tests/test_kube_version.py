"""One default Kubernetes version: every command that renders or validates defaults to the same constant."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION

REPO = Path(__file__).resolve().parents[1]
VERSION_LITERAL = re.compile(r"[\"']1\.\d{2}\.\d+[\"']")


def test_no_other_kubernetes_version_literal_in_the_code() -> None:
    """A second literal is a second default waiting to drift (it did: 1.36.0 here, 1.33.0 in three places). A
    version that is deliberately not the default says so on its line (`# not a default: why`)."""
    owner = REPO / "generator" / "rocm_vllm" / "kube_version.py"
    places = [
        f"{path.relative_to(REPO)}:{number}"
        for root in ("generator/rocm_vllm", "scripts")
        for path in sorted((REPO / root).rglob("*.py"))
        if path != owner
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if VERSION_LITERAL.search(line) and "# not a default:" not in line
    ]
    assert places == []


def test_render_and_cache_default_to_the_constant() -> None:
    import inspect

    from rocm_vllm.cache import render_cache_chart
    from rocm_vllm.commands.cache import cache
    from rocm_vllm.render import RenderOptions

    assert RenderOptions(release_name="r").kube_version == DEFAULT_KUBE_VERSION
    assert inspect.signature(render_cache_chart).parameters["kube_version"].default == DEFAULT_KUBE_VERSION
    help_text = CliRunner().invoke(cache, ["--help"]).output
    assert f"[default: {DEFAULT_KUBE_VERSION}]" in help_text
