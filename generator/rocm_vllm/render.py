"""Recipe -> Kubernetes manifests, always through charts/rocm-vllm and Helm's engine (never a second template set).

The rendered objects are validated against the Kubernetes OpenAPI schemas of the target version and the
CRD schemas before anything is printed, so a manifest the generator hands out is one the API server takes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext
from rocm_vllm.checks.overrides import check_values_schema
from rocm_vllm.errors import FindingsError, InvalidInputError
from rocm_vllm.findings import Finding, has_errors
from rocm_vllm.helm_values import merge_maps
from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION
from rocm_vllm.overrides import Overrides, load_overrides
from rocm_vllm.recipe import Recipe
from rocm_vllm.values import recipe_to_values


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


def render_recipe(recipe: Recipe, options: RenderOptions, context: CheckContext) -> RenderedRelease:
    """A recipe's release through charts/rocm-vllm; its overrides pass the values schema and every recipe check
    first, so `--set vllm.extraArgs[0]=--no-such-flag` is refused as it would be in the recipe."""
    from rocm_vllm.checks.overrides import check_overrides
    from rocm_vllm.paths import chart_dir

    chart = chart_dir()
    values = recipe_to_values(recipe)
    overrides = load_overrides(options.value_files, options.set_expressions)
    _refuse(check_overrides(recipe, chart, overrides, context))
    return render_values(chart, values, options, overrides)


def render_stack(stack: Any, options: RenderOptions, context: CheckContext) -> RenderedRelease:
    """A checked stack's release through charts/rocm-vllm-stack; overrides pass the stack chart's values schema,
    and those under `models.<key>` pass every recipe check of that model."""
    from rocm_vllm.checks.overrides import check_recipe_overrides
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.stack import STACK_CHART

    chart = chart_dir(STACK_CHART)
    overrides = load_overrides(options.value_files, options.set_expressions)
    findings = check_values_schema(chart, stack.values, overrides, stack.document)
    if not findings:
        for model in stack.models:
            prefix = ("models", model.key)
            below = overrides.under(prefix)
            if below:
                findings += check_recipe_overrides(
                    model.recipe, chart_dir(), below, context, base_values=model.values, prefix=prefix
                )
    _refuse(findings)
    return render_values(chart, stack.values, options, overrides)


def _refuse(findings: list[Finding]) -> None:
    if has_errors(findings):
        raise FindingsError("the values overrides are invalid; nothing was rendered", findings)


def render_values(
    chart: Path, values: dict[str, Any], options: RenderOptions, overrides: Overrides | None = None
) -> RenderedRelease:
    """Render `values` (with the options' overrides, or the `overrides` already loaded and checked) through
    `chart`, then validate the objects for the options' Kubernetes version."""
    from rocm_vllm import helm
    from rocm_vllm.kube_schema import validate_objects
    from rocm_vllm.kv_policy import closed_kv_ports

    if overrides is None:
        overrides = load_overrides(options.value_files, options.set_expressions)
    values = merge_maps(values, overrides.values)  # nulls reach Helm, which deletes those keys
    api_versions = helm.CRD_API_VERSIONS if options.api_versions is None else options.api_versions
    # Same call, same output shape: the embedded engine by default, an external helm when asked.
    renderer = (
        functools.partial(helm.render_chart_with_binary, options.helm_binary)
        if options.helm_binary is not None
        else helm.render_chart
    )
    # A failure after the overrides passed their checks is still theirs to explain: name them.
    given = sorted({source.describe() for source in overrides.sources.values()})
    blame = f" (with the values overrides {', '.join(given)})" if given else ""
    try:
        templates = renderer(
            chart,
            values,
            release_name=options.release_name,
            namespace=options.namespace,
            kube_version=options.kube_version,
            api_versions=api_versions,
        )
    except InvalidInputError as error:
        if not blame:
            raise
        raise InvalidInputError(f"{error}{blame}") from None
    release = RenderedRelease(templates=templates, objects=helm.split_manifests(templates))
    if options.validate:
        problems = validate_objects(release.objects, options.kube_version)
        if problems:
            listing = "\n".join(f"  {p}" for p in problems)
            raise InvalidInputError(
                f"the rendered objects are not valid for Kubernetes {options.kube_version}{blame}:\n{listing}"
            )
        closed = closed_kv_ports(release.objects)
        if closed:
            listing = "\n".join(f"  {p}" for p in closed)
            raise InvalidInputError(
                f"the rendered NetworkPolicies close KV-transfer ports{blame}:\n{listing}"
            )
    return release
