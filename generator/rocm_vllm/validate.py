"""Load and check recipes: the library behind `rocm-vllm validate` and the first half of `generate`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rocm_vllm.catalog import load_catalog
from rocm_vllm.checks import CheckContext, check_recipe_document
from rocm_vllm.errors import FindingsError, InputFileError, UsageError
from rocm_vllm.findings import Finding, file_finding, finding_at, has_errors
from rocm_vllm.paths import display_path, resolve_reference
from rocm_vllm.recipe import Recipe
from rocm_vllm.vllm_facts import load_vllm_facts
from rocm_vllm.yamlio import iter_yaml_files, load_yaml_file


@dataclass
class ValidationResult:
    files: list[Path] = field(default_factory=list)
    recipes: list[Recipe] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def default_context(catalog_dirs: tuple[Path, ...] = (), allow_files: tuple[Path, ...] = ()) -> CheckContext:
    from rocm_vllm.allowlist import load_allow_files

    return CheckContext(
        catalog=load_catalog(catalog_dirs), vllm=load_vllm_facts(), allow=load_allow_files(allow_files)
    )


def recipe_files(paths: list[Path]) -> list[Path]:
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    files = list(iter_yaml_files(paths))
    if not files:
        raise UsageError(f"no recipe files (*.yaml) found in: {', '.join(str(p) for p in paths)}")
    return files


def validate_paths(paths: list[Path], context: CheckContext | None = None) -> ValidationResult:
    """Check every recipe under `paths`, collecting all findings (never stopping at the first)."""
    context = context or default_context()
    result = ValidationResult(files=recipe_files(paths))
    names: dict[str, Path] = {}
    for path in result.files:
        shown = Path(display_path(path))
        try:
            document = load_yaml_file(path)
        except InputFileError as error:
            result.findings.append(
                file_finding(shown, error.problem.line or 1, "yaml", error.problem.message)
            )
            continue
        document.path = shown
        recipe, findings = check_recipe_document(document, context)
        result.findings.extend(findings)
        if recipe is None:
            continue
        if recipe.name in names:
            result.findings.append(
                finding_at(
                    document,
                    ("name",),
                    "name",
                    f"name '{recipe.name}' is also used by {names[recipe.name]}; recipe names must be unique",
                )
            )
        names[recipe.name] = shown
        result.recipes.append(recipe)
    result.findings.sort()
    return result


def resolve_recipe_path(reference: str, recipes_dir: Path = Path("recipes")) -> Path:
    """A recipe given as a file path, or by name from the recipe catalog directory."""
    return resolve_reference(reference, recipes_dir, "recipe")


def load_valid_recipe(
    reference: str, context: CheckContext | None = None, recipes_dir: Path = Path("recipes")
) -> Recipe:
    """One recipe that passed every check, or InvalidInputError carrying all its findings."""
    result = validate_paths([resolve_recipe_path(reference, recipes_dir)], context)
    if not result.ok:
        raise FindingsError("the recipe is invalid; nothing was produced", result.findings)
    return result.recipes[0]
