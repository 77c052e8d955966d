"""Values overrides are checked like recipe values: the chart's values schema, then every startability check.

The merged values (recipe values, then `-f` files, then `--set`, with Helm's coalescing) are validated against
the chart's values.schema.json; the chart values a recipe field sets are mapped back onto the recipe, and the
recipe checks (flags, env, memory, parallelism, precision, catalog) run on the result. Each finding is moved
to the override that introduced the value, so it names the user's file and line, or the --set string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext, check_recipe_document
from rocm_vllm.fields import field_table
from rocm_vllm.findings import Finding, Severity
from rocm_vllm.helm_values import coalesce, merge_maps
from rocm_vllm.overrides import Overrides
from rocm_vllm.recipe import Recipe
from rocm_vllm.values import recipe_to_values
from rocm_vllm.yamlio import LoadedDocument, PathPart, format_path, parse_path

# Chart value -> the recipe field it comes from, and the chart values whose empty form means "unset" in the
# recipe: both read from the field table (data/fields.yaml), the one place a field's chart value is named.
VALUE_TO_RECIPE: dict[tuple[str, ...], tuple[str, ...]] = field_table().recipe_field_of_value()
_RECIPE_TO_VALUE = {recipe: value for value, recipe in VALUE_TO_RECIPE.items()}
_EMPTY_IS_UNSET = field_table().values_optional_in_recipes()


def _chart_contract(chart: Path) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The chart's defaults, its values schema and a validator of it (rocm_vllm.values reads them once)."""
    from rocm_vllm.values import _chart_contract as read_chart_contract

    defaults, validator = read_chart_contract(chart)
    return defaults, validator.schema, validator


def effective_values(chart: Path, values: dict[str, Any], overrides: Overrides) -> dict[str, Any]:
    """What Helm's templates see: `values` with the overrides layered on them, coalesced with the chart's defaults
    by Helm's rules (rocm_vllm.helm_values: a null deletes the key, the default included)."""
    defaults, _, _ = _chart_contract(chart.resolve())
    return coalesce(merge_maps(values, overrides.values), defaults)


def _finding_from(
    overrides: Overrides,
    value_parts: tuple[PathPart, ...],
    fallback: LoadedDocument,
    check: str,
    message: str,
    severity: Severity,
) -> Finding:
    """A finding at the override that set `value_parts` (or the nearest one), else at the fallback document."""
    found = overrides.source_for(value_parts)
    if found is None:
        return Finding(
            file=str(fallback.path),
            line=fallback.line_of(()) or 1,
            path=format_path(value_parts),
            check=check,
            message=message,
            severity=severity,
        )
    parts, source = found
    return Finding(
        file=source.file,
        line=source.line,
        path=format_path(parts if len(parts) > len(value_parts) else value_parts),
        check=check,
        message=message,
        severity=severity,
    )


def check_values_schema(
    chart: Path, values: dict[str, Any], overrides: Overrides, fallback: LoadedDocument
) -> list[Finding]:
    """Violations of the chart's values.schema.json by the merged values, each at the override behind it."""
    from rocm_vllm.checks.schema import _message

    if not overrides:
        return []
    _, schema, validator = _chart_contract(chart.resolve())
    merged = effective_values(chart, values, overrides)
    findings = []
    for error in validator.iter_errors(merged):
        parts, message = _message(error, schema)
        findings.append(
            _finding_from(
                overrides, parts, fallback, "values-schema", f"{chart.name} values: {message}", Severity.ERROR
            )
        )
    return sorted(set(findings))


def _get(node: Any, parts: tuple[PathPart, ...]) -> tuple[bool, Any]:
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _set(node: dict[str, Any], parts: tuple[PathPart, ...], value: Any, present: bool) -> None:
    for part in parts[:-1]:
        child = node.get(str(part))
        if not isinstance(child, dict):
            child = node[str(part)] = {}
        node = child
    if present:
        node[str(parts[-1])] = value
    else:
        node.pop(str(parts[-1]), None)


def recipe_with_values(recipe: Recipe, merged: dict[str, Any], overrides: Overrides) -> dict[str, Any] | None:
    """The recipe's data with every chart value the overrides touch written back onto its recipe field;
    None when the overrides touch none of them (the recipe checks already passed)."""
    import copy

    data: dict[str, Any] = copy.deepcopy(recipe.document.data)
    touched = False
    for value_path, recipe_path in VALUE_TO_RECIPE.items():
        if not overrides.touches(value_path):
            continue
        touched = True
        present, value = _get(merged, value_path)
        if value_path in _EMPTY_IS_UNSET and value == "":
            present = False
        _set(data, recipe_path, value, present)
    return data if touched else None


def _value_path_for(recipe_parts: tuple[PathPart, ...]) -> tuple[PathPart, ...] | None:
    for length in range(len(recipe_parts), 0, -1):
        head = tuple(str(p) for p in recipe_parts[:length])
        if head in _RECIPE_TO_VALUE:
            return (*_RECIPE_TO_VALUE[head], *recipe_parts[length:])
    return None


def _touched_below(recipe_parts: tuple[PathPart, ...], overrides: Overrides) -> list[tuple[PathPart, ...]]:
    """Chart values behind recipe fields at or below `recipe_parts` that an override touched."""
    return [
        value
        for value, recipe in VALUE_TO_RECIPE.items()
        if recipe[: len(recipe_parts)] == recipe_parts and overrides.touches(value)
    ]


def check_recipe_overrides(
    recipe: Recipe,
    chart: Path,
    overrides: Overrides,
    context: CheckContext,
    *,
    base_values: dict[str, Any] | None = None,
    prefix: tuple[PathPart, ...] = (),
) -> list[Finding]:
    """Every recipe check on the recipe as the overrides change it; only findings the overrides cause.
    `base_values` are the values the overrides land on (default: the recipe's); `prefix` is where they sit in
    the values the user addressed (a stack model's `models.<key>`), for the paths findings name."""
    base = recipe_to_values(recipe) if base_values is None else base_values
    merged = effective_values(chart, base, overrides)
    data = recipe_with_values(recipe, merged, overrides)
    if data is None:
        return []
    document = LoadedDocument(path=recipe.document.path, data=data, lines=recipe.document.lines)
    _, findings = check_recipe_document(document, context)
    _, before = check_recipe_document(recipe.document, context)
    known = {(f.check, f.path, f.message) for f in before}
    sources_text = ", ".join(sorted({s.describe() for s in overrides.sources.values()}))
    moved = []
    for finding in findings:
        if (finding.check, finding.path, finding.message) in known:
            continue
        recipe_parts = parse_path(finding.path)
        value_parts = _value_path_for(recipe_parts)
        if value_parts is None:
            touched = _touched_below(recipe_parts, overrides)
            value_parts = touched[0] if touched else None
        if value_parts is None or overrides.source_for(value_parts) is None:
            # A finding about fields no override set (a product, a fit) is still caused by the overrides, since the
            # recipe passed alone: name the first mapped value they changed.
            changed = [v for v in VALUE_TO_RECIPE if overrides.touches(v) and overrides.source_for(v)]
            if changed:
                value_parts = changed[0]
                message = f"{finding.message} (recipe {recipe.name} {finding.path} with these values)"
            else:
                value_parts = None
        else:
            message = f"{finding.message} (recipe {recipe.name} with these values)"
        if value_parts is not None:
            moved.append(
                _finding_from(
                    overrides, value_parts, recipe.document, finding.check, message, finding.severity
                )
            )
        else:
            moved.append(
                Finding(
                    file=finding.file,
                    line=finding.line,
                    path=finding.path,
                    check=finding.check,
                    message=f"{finding.message} (with the values overrides {sources_text})",
                    severity=finding.severity,
                )
            )
    if prefix:
        moved = [_prefixed(f, prefix) for f in moved]
    return sorted(set(moved))


def _prefixed(finding: Finding, prefix: tuple[PathPart, ...]) -> Finding:
    return Finding(
        file=finding.file,
        line=finding.line,
        path=format_path((*prefix, *parse_path(finding.path))),
        check=finding.check,
        message=finding.message,
        severity=finding.severity,
    )


def check_overrides(
    recipe: Recipe, chart: Path, overrides: Overrides, context: CheckContext
) -> list[Finding]:
    """The values schema first (a value of the wrong type cannot be judged further), then the recipe checks."""
    schema_findings = check_values_schema(chart, recipe_to_values(recipe), overrides, recipe.document)
    if schema_findings:
        return schema_findings
    return check_recipe_overrides(recipe, chart, overrides, context)
