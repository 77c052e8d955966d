"""Each model of a stack: its key, its recipe (checked, with the stack's overrides applied) and its chart values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext, check_recipe_data
from rocm_vllm.findings import Severity, finding_at, has_errors
from rocm_vllm.helm_values import merge_maps
from rocm_vllm.paths import find_by_name
from rocm_vllm.recipe import Recipe
from rocm_vllm.stack.result import StackModel, StackResult
from rocm_vllm.values import recipe_to_values
from rocm_vllm.yamlio import LoadedDocument, PathPart, format_path, parse_path


def _within(data: Any, parts: tuple[PathPart, ...]) -> tuple[PathPart, ...]:
    """The longest prefix of `parts` that exists in `data`."""
    found: tuple[PathPart, ...] = ()
    node = data
    for part in parts:
        in_list = isinstance(part, int) and isinstance(node, list) and part < len(node)
        in_map = isinstance(part, str) and isinstance(node, dict) and part in node
        if not (in_list or in_map):
            break
        node = node[part]
        found = (*found, part)
    return found


def _recipe_path(reference: str, stack_path: Path, recipes_dir: Path) -> Path | None:
    """A recipe named in a stack: a path relative to the stack file (or the working directory), or a name."""
    for candidate in (stack_path.parent / reference, Path(reference)):
        if candidate.suffix in {".yaml", ".yml"} and candidate.is_file():
            return candidate
    return find_by_name(reference, recipes_dir, "recipes")


class _ModelChecker:
    """Checks the models of one stack file, adding findings to `result` and each valid model to its models."""

    def __init__(
        self,
        result: StackResult,
        document: LoadedDocument,
        context: CheckContext,
        recipes_dir: Path,
        path: Path,
    ) -> None:
        self.result, self.document, self.context = result, document, context
        self.recipes_dir, self.path = recipes_dir, path

    def error(self, at: tuple[PathPart, ...], check: str, message: str) -> None:
        self.result.findings.append(finding_at(self.document, at, check, message))

    def key_is_new(self, at: tuple[PathPart, ...], key: str, keys: dict[str, int]) -> bool:
        if key in keys:
            self.error(
                (*at, "key"),
                "models",
                f"model key '{key}' is also used by models[{keys[key]}]; each model needs its own key "
                "(it names the model's objects)",
            )
            return False
        keys[key] = int(at[-1])
        if key == "router":
            self.error((*at, "key"), "models", "model key 'router' is taken by the router's objects")
        return True

    def base_recipe(self, at: tuple[PathPart, ...], reference: str) -> Recipe | None:
        """The named recipe, checked like any recipe file; None (with findings) when missing or invalid."""
        from rocm_vllm.validate import validate_paths

        recipe_path = _recipe_path(reference, self.path, self.recipes_dir)
        if recipe_path is None:
            self.error(
                (*at, "recipe"),
                "recipe",
                f"unknown recipe '{reference}': no such file next to the stack, and no "
                f"{self.recipes_dir}/{reference}.yaml",
            )
            return None
        checked = validate_paths([recipe_path], self.context)
        if checked.ok:
            return checked.recipes[0]
        self.result.findings.extend(checked.findings)
        errors = sum(f.severity is Severity.ERROR for f in checked.findings)
        self.error(
            (*at, "recipe"),
            "recipe",
            f"recipe '{reference}' is invalid ({errors} error(s), reported above); fix it or pick another",
        )
        return None

    def with_overrides(
        self, at: tuple[PathPart, ...], base: Recipe, overrides: dict[str, Any]
    ) -> Recipe | None:
        """The recipe with `overrides` merged in, checked with every recipe check; findings point into the stack."""
        recipe, findings = check_recipe_data(
            merge_maps(base.document.data, overrides), self.context, source=str(base.document.path)
        )
        for finding in findings:
            inner = _within(overrides, parse_path(finding.path))
            self.result.findings.append(
                finding_at(
                    self.document,
                    (*at, "overrides", *inner),
                    finding.check,
                    f"{finding.message} (recipe {base.name} with this model's overrides)",
                    finding.severity,
                )
            )
        return None if recipe is None or has_errors(findings) else recipe

    def model_values(
        self, at: tuple[PathPart, ...], recipe: Recipe, chart_values: dict[str, Any]
    ) -> dict[str, Any]:
        """The recipe's chart values with the stack's own values for this model laid over them, checked like `-f`
        overrides of its recipe: the chart's values schema, then every recipe check on the values a field sets."""
        from rocm_vllm.checks.overrides import check_recipe_overrides, check_values_schema
        from rocm_vllm.overrides import Overrides, ValueSource
        from rocm_vllm.paths import chart_dir

        values = recipe_to_values(recipe)
        if not chart_values:
            return values
        at = (*at, "values")
        overrides = Overrides()
        overrides.add(
            chart_values,
            lambda parts: ValueSource(str(self.document.path), self.document.line_of((*at, *parts)) or 1),
        )
        findings = check_values_schema(chart_dir(), values, overrides, self.document)
        if not findings:
            findings = check_recipe_overrides(recipe, chart_dir(), overrides, self.context)
        # Name the stack's own path to each value (`$.models[0].values.…`), the way the stack file spells it.
        self.result.findings += [replace(f, path=format_path((*at, *parse_path(f.path)))) for f in findings]
        return merge_maps(values, chart_values)

    def check(self, index: int, entry: dict[str, Any], keys: dict[str, int]) -> None:
        at: tuple[PathPart, ...] = ("models", index)
        if not self.key_is_new(at, entry["key"], keys):
            return
        recipe = self.base_recipe(at, entry["recipe"])
        if recipe is not None and entry.get("overrides"):
            recipe = self.with_overrides(at, recipe, entry["overrides"])
        if recipe is None:
            return
        values = self.model_values(at, recipe, entry.get("values") or {})
        self.result.models.append(StackModel(key=entry["key"], index=index, recipe=recipe, values=values))


def check_models(
    result: StackResult, document: LoadedDocument, context: CheckContext, recipes_dir: Path, path: Path
) -> None:
    """Every model entry: a unique key, a valid recipe (overrides applied) and values the chart's schema takes."""
    checker = _ModelChecker(result, document, context, recipes_dir, path)
    keys: dict[str, int] = {}
    for index, entry in enumerate(document.data["models"]):
        checker.check(index, entry, keys)
