"""Reading a stack file: YAML, the stack schema, then every check in order; values only for a valid stack."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext
from rocm_vllm.errors import FindingsError, InputFileError
from rocm_vllm.findings import file_finding, finding_at, has_errors
from rocm_vllm.inventory import NodePool
from rocm_vllm.paths import display_path, resolve_reference
from rocm_vllm.stack.fit import check_inventory, inventory_of
from rocm_vllm.stack.models import check_models
from rocm_vllm.stack.outputs import stack_values
from rocm_vllm.stack.result import STACK_CHART, StackResult
from rocm_vllm.stack.rules import check_chart_accepts, check_router, check_served_names
from rocm_vllm.values import values_schema_problems
from rocm_vllm.yamlio import LoadedDocument, load_yaml_file

SCHEMA_RESOURCE = "schemas/stack.schema.json"


@lru_cache(maxsize=1)
def stack_schema() -> dict[str, Any]:
    text = resources.files("rocm_vllm").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(stack_schema())
    return Draft202012Validator(stack_schema())


def resolve_stack_path(reference: str, stacks_dir: Path = Path("stacks")) -> Path:
    """A stack given as a file path, or by name from the stacks directory."""
    return resolve_reference(reference, stacks_dir, "stack")


def _read(path: Path, result: StackResult) -> LoadedDocument | None:
    """The stack document, or None with a `yaml` finding (file and line) when it cannot be read."""
    try:
        document = load_yaml_file(path)
    except InputFileError as error:
        result.findings.append(
            file_finding(result.path, error.problem.line or 1, "yaml", error.problem.message)
        )
        return None
    document.path = result.path
    return document


def _check_name(result: StackResult, document: LoadedDocument, path: Path) -> None:
    name = document.data["name"]
    if name != path.stem:
        result.findings.append(
            finding_at(
                document,
                ("name",),
                "name",
                f"name '{name}' differs from the file name '{path.stem}'; make them equal "
                "(the name is the Helm release name and names the generated files)",
            )
        )


def _finish(result: StackResult, document: LoadedDocument, context: CheckContext) -> None:
    """The stack chart's values, kept only when its schema and its templates accept them."""
    from rocm_vllm.paths import chart_dir

    values = stack_values(result, context)
    for problem in values_schema_problems(values, chart_dir(STACK_CHART)):
        message = f"charts/rocm-vllm-stack's values.schema.json rejects the result: {problem}"
        result.findings.append(finding_at(document, (), "values-schema", message))
    if not has_errors(result.findings):
        check_chart_accepts(result, document, values)
    if not has_errors(result.findings):
        result.values = values


def load_stack(
    path: Path,
    context: CheckContext,
    *,
    recipes_dir: Path = Path("recipes"),
    inventory: NodePool | None = None,
) -> StackResult:
    """Load and check one stack file, collecting every finding; `values` is filled only when nothing is wrong."""
    result = StackResult(path=Path(display_path(path)))
    document = _read(path, result)
    if document is None:
        return result
    result.document = document
    from rocm_vllm.checks.schema import check_against_schema

    schema_findings = check_against_schema(document, stack_schema(), _schema_validator(), "stack")
    if schema_findings:
        result.findings.extend(schema_findings)
        return result
    _check_name(result, document, path)
    check_models(result, document, context, recipes_dir, path)
    check_served_names(result, document)
    check_router(result, document)
    pool = inventory or inventory_of(document.data)
    if pool is not None and result.models:
        check_inventory(result, document, pool, from_flags=inventory is not None)
    if not has_errors(result.findings):
        _finish(result, document, context)
    result.findings.sort()
    return result


def load_valid_stack(
    reference: str,
    context: CheckContext,
    *,
    stacks_dir: Path = Path("stacks"),
    recipes_dir: Path = Path("recipes"),
    inventory: NodePool | None = None,
) -> StackResult:
    """One stack that passed every check, or InvalidInputError carrying all its findings."""
    result = load_stack(
        resolve_stack_path(reference, stacks_dir), context, recipes_dir=recipes_dir, inventory=inventory
    )
    if not result.ok:
        raise FindingsError("the stack is invalid; nothing was produced", result.findings)
    return result
