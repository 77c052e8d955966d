"""Recipes -> values/<name>.yaml: all or nothing, deterministic, stamped, and checkable for drift."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext
from rocm_vllm.errors import InvalidInputError
from rocm_vllm.findings import Finding, finding_at
from rocm_vllm.paths import chart_dir, display_path
from rocm_vllm.recipe import Recipe
from rocm_vllm.stamp import STAMP_HEAD, is_stamped_by, stamp
from rocm_vllm.validate import ValidationResult, validate_paths
from rocm_vllm.values import recipe_to_values, values_schema_problems
from rocm_vllm.yamlio import dump_yaml, write_files_atomically

COMMAND = ("rocm-vllm", "generate")
STAMP_PREFIX = f"# {STAMP_HEAD}{' '.join(COMMAND)}"


@dataclass
class GenerationResult:
    validation: ValidationResult
    outputs: dict[Path, str] = field(default_factory=dict)
    changed: list[Path] = field(default_factory=list)  # files whose content differs from disk (or are new)
    stale: list[Path] = field(default_factory=list)  # generated files whose recipe is gone

    @property
    def findings(self) -> list[Finding]:
        return self.validation.findings

    @property
    def ok(self) -> bool:
        return self.validation.ok


def values_document(recipe: Recipe, out_dir: Path) -> str:
    """The values file for one recipe: the stamp line, a pointer to the source, then sorted YAML."""
    header = _stamp(recipe, "--out", out_dir, notes=[recipe.description.rstrip()])
    return dump_yaml(recipe_to_values(recipe), header=header)


@dataclass(frozen=True)
class GenerationTargets:
    """Where each kind of output goes; None skips that kind."""

    values_dir: Path
    manifests_dir: Path | None = None
    helmreleases_dir: Path | None = None
    helmrelease_namespace: str = "default"
    helmrelease_source: Any = None  # rocm_vllm.flux.ChartSource; None: OCIRepository "rocm-vllm"

    def directories(self) -> list[Path]:
        return [d for d in (self.values_dir, self.manifests_dir, self.helmreleases_dir) if d is not None]


def _stamp(recipe: Recipe, flag: str, directory: Path, notes: list[str] | None = None) -> str:
    source = recipe.document.path.as_posix()
    return stamp(
        [*COMMAND, source, flag, display_path(directory)], source=source, notes=notes or (), quote=False
    )


def _outputs_for(recipe: Recipe, targets: GenerationTargets, chart: Path) -> dict[Path, str]:
    """Every file one recipe produces; raises InvalidInputError when the chart rejects it."""
    values = recipe_to_values(recipe)
    outputs = {targets.values_dir / f"{recipe.name}.yaml": values_document(recipe, targets.values_dir)}
    if targets.manifests_dir is not None:
        from rocm_vllm.render import RenderOptions, render_values

        release = render_values(chart, values, RenderOptions(release_name=recipe.name))
        stamp = _stamp(recipe, "--manifests", targets.manifests_dir)
        outputs[targets.manifests_dir / f"{recipe.name}.yaml"] = release.manifest_text(stamp=stamp)
    if targets.helmreleases_dir is not None:
        from rocm_vllm.flux import ChartSource, helmrelease_document, helmrelease_for

        source = targets.helmrelease_source or ChartSource(kind="OCIRepository", name="rocm-vllm")
        release_object = helmrelease_for(
            recipe.name,
            values,
            namespace=targets.helmrelease_namespace,
            source=source,
        )
        stamp = _stamp(recipe, "--helmreleases", targets.helmreleases_dir)
        outputs[targets.helmreleases_dir / f"{recipe.name}.yaml"] = helmrelease_document(
            release_object, stamp
        )
    return outputs


def _helmrelease_source_output(targets: GenerationTargets, chart: Path) -> tuple[Path, str]:
    """The Flux source every generated HelmRelease installs from, once per directory (a copy in each release's
    file would give Kustomize the same object twice): DIR/<source name>.source.yaml."""
    from rocm_vllm.flux import ChartSource, chart_version, source_document, source_object

    assert targets.helmreleases_dir is not None
    source = targets.helmrelease_source or ChartSource(kind="OCIRepository", name="rocm-vllm")
    header = stamp(
        [*COMMAND, "--helmreleases", display_path(targets.helmreleases_dir)],
        notes=[
            "Do not edit: the Flux source every HelmRelease in this directory installs charts/rocm-vllm from."
        ],
        quote=False,
    )
    obj = source_object(
        source,
        chart_name="rocm-vllm",
        chart_version=chart_version(chart),
        namespace=targets.helmrelease_namespace,
        stamp=header,
    )
    return targets.helmreleases_dir / f"{source.name}.source.yaml", source_document(obj, header)


def plan_generation(
    paths: list[Path], targets: GenerationTargets | Path, context: CheckContext | None = None
) -> GenerationResult:
    """Validate every recipe and compute every output; writes nothing."""
    if isinstance(targets, Path):
        targets = GenerationTargets(values_dir=targets)
    validation = validate_paths(paths, context)
    result = GenerationResult(validation=validation)
    if not validation.ok:
        return result
    chart = chart_dir()
    for recipe in validation.recipes:
        problems = values_schema_problems(recipe_to_values(recipe), chart)
        for problem in problems:
            message = f"the chart's values.schema.json rejects the result: {problem}"
            validation.findings.append(finding_at(recipe.document, (), "values-schema", message))
        if problems:
            continue
        try:
            result.outputs.update(_outputs_for(recipe, targets, chart))
        except InvalidInputError as error:
            validation.findings.append(finding_at(recipe.document, (), "render", str(error)))
    if not validation.ok:
        result.outputs.clear()
        return result
    if targets.helmreleases_dir is not None and validation.recipes:
        path, text = _helmrelease_source_output(targets, chart)
        result.outputs[path] = text
    for target, content in sorted(result.outputs.items()):
        if not target.is_file() or target.read_text(encoding="utf-8") != content:
            result.changed.append(target)
    # A generated file with no recipe left is drift too, but only when whole directories were given:
    # generating one recipe must not delete the others' files.
    if all(p.is_dir() for p in paths):
        for directory in targets.directories():
            for existing in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
                if existing not in result.outputs and is_stamped_by(existing, COMMAND):
                    result.stale.append(existing)
    return result


def apply_generation(result: GenerationResult) -> None:
    """Write the changed files atomically (all or none), then remove stale generated files."""
    write_files_atomically({path: result.outputs[path] for path in result.changed})
    for path in result.stale:
        path.unlink()
