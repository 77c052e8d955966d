"""Recipe -> Kubernetes manifests, always through charts/rocm-vllm and Helm's engine (never a second template set).

The rendered objects are validated against the Kubernetes OpenAPI schemas of the target version and the
CRD schemas before anything is printed, so a manifest the generator hands out is one the API server takes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.errors import InvalidInputError, UsageError
from rocm_vllm.values import deep_merge

# Helm's engine defaults to this Kubernetes version; objects are validated against the same one.
DEFAULT_KUBE_VERSION = "1.36.0"


@dataclass(frozen=True)
class RenderOptions:
    release_name: str
    namespace: str = "default"
    kube_version: str = DEFAULT_KUBE_VERSION
    api_versions: tuple[str, ...] | None = None  # None: the APIs of every custom resource the chart renders
    value_files: tuple[Path, ...] = ()
    set_expressions: tuple[str, ...] = ()
    helm_binary: Path | None = None
    validate: bool = True


@dataclass
class RenderedRelease:
    templates: dict[str, str]
    objects: list[dict[str, Any]] = field(default_factory=list)

    def manifest_text(self, stamp: str | None = None) -> str:
        """`helm template`-shaped output: one `# Source:` document per template, in template order."""
        parts = [f"# {line}\n" for line in (stamp or "").splitlines()]
        for path, text in self.templates.items():
            parts.append(f"---\n# Source: {path}\n{text.rstrip()}\n")
        return "".join(parts)


def overrides_from(value_files: Sequence[Path], set_expressions: Sequence[str]) -> dict[str, Any]:
    """`-f` files, then `--set` expressions, merged in order the way Helm coalesces them."""
    import helm_python

    merged: dict[str, Any] = {}
    for path in value_files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{path}: cannot read values file: {error.strerror or error}") from None
        try:
            parsed = helm_python.values_from_yaml(text) or {}
        except helm_python.HelmError as error:
            raise InvalidInputError(f"{path}: not a values document: {error}") from None
        if not isinstance(parsed, dict):
            raise InvalidInputError(f"{path}: a values file must be a mapping")
        merged = deep_merge(merged, parsed)
    for expression in set_expressions:
        try:
            merged = deep_merge(merged, helm_python.parse_set_string(expression))
        except helm_python.HelmError as error:
            raise UsageError(f"--set {expression!r}: {error}") from None
    return merged


def render_values(chart: Path, values: dict[str, Any], options: RenderOptions) -> RenderedRelease:
    from rocm_vllm import helm
    from rocm_vllm.kube_schema import validate_objects

    values = deep_merge(values, overrides_from(options.value_files, options.set_expressions))
    api_versions = helm.CRD_API_VERSIONS if options.api_versions is None else options.api_versions
    # Same call, same output shape: the embedded engine by default, an external helm when asked.
    renderer = (
        functools.partial(helm.render_chart_with_binary, options.helm_binary)
        if options.helm_binary is not None
        else helm.render_chart
    )
    templates = renderer(
        chart,
        values,
        release_name=options.release_name,
        namespace=options.namespace,
        kube_version=options.kube_version,
        api_versions=api_versions,
    )
    release = RenderedRelease(templates=templates, objects=helm.split_manifests(templates))
    if options.validate:
        problems = validate_objects(release.objects, options.kube_version)
        if problems:
            listing = "\n".join(f"  {p}" for p in problems)
            raise InvalidInputError(
                f"the rendered objects are not valid for Kubernetes {options.kube_version}:\n{listing}"
            )
    return release
