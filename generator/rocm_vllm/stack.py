"""Stacks: several recipes served together behind one router (charts/rocm-vllm-stack), checked like recipes.

A stack file names its models (each a recipe, with optional recipe overrides and chart values), the router's
settings, the shared cache and optionally the GPUs it must fit on. Loading a stack runs every recipe check on every
model (with its overrides applied), the chart's values schema on every model's values, and the stack-level checks:
unique model keys and served names, object names that fit Kubernetes' limits, the router's settings, and the GPUs
against the inventory. Its values, manifests and HelmRelease come from the same functions recipes use
(`recipe_to_values`, `render_values`, `helmrelease_for`): there is no second implementation.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext, check_recipe_data
from rocm_vllm.errors import FindingsError, InputFileError
from rocm_vllm.findings import Finding, Severity, file_finding, finding_at, has_errors
from rocm_vllm.helm_values import merge_maps
from rocm_vllm.inventory import NodePool
from rocm_vllm.paths import display_path, find_by_name, resolve_reference
from rocm_vllm.recipe import Recipe
from rocm_vllm.stamp import stamp
from rocm_vllm.values import recipe_to_values, values_schema_problems
from rocm_vllm.yamlio import LoadedDocument, PathPart, dump_yaml, format_path, load_yaml_file, parse_path

SCHEMA_RESOURCE = "schemas/stack.schema.json"
STACK_CHART = "rocm-vllm-stack"
GENERATE_COMMAND = ("rocm-vllm", "stack", "generate")
# Object names: <stack>-<key> is a DNS label (63); a LeaderWorkerSet's is <name>-lws within 48 (charts/rocm-vllm's
# rocm-vllm.lwsName truncates the name to 44 first, which could make two models collide).
MAX_OBJECT_NAME = 63
MAX_MULTI_NODE_NAME = 44


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


@dataclass(frozen=True)
class StackModel:
    """One model of a stack: its key, its recipe with the overrides applied, and its chart values."""

    key: str
    index: int  # position in the stack file's models list
    recipe: Recipe
    values: dict[str, Any]

    @property
    def served_name(self) -> str:
        return self.recipe.served_model_name or self.recipe.model_id

    @property
    def replicas(self) -> tuple[int, int]:
        """(replicas it starts with, replicas it may grow to)."""
        if self.recipe.autoscaling:
            return self.recipe.autoscaling.min_replicas, self.recipe.autoscaling.max_replicas
        replicas = self.values.get("replicaCount", self.recipe.replicas or 1)
        return int(replicas), int(replicas)


@dataclass
class StackResult:
    path: Path
    document: LoadedDocument | None = None
    models: list[StackModel] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # charts/rocm-vllm-stack values (when valid)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def name(self) -> str:
        data = self.document.data if self.document else None
        return str(data.get("name", self.path.stem)) if isinstance(data, dict) else self.path.stem

    @property
    def description(self) -> str:
        data = self.document.data if self.document else None
        return str(data.get("description", "")) if isinstance(data, dict) else ""

    def total_gpus(self) -> int:
        return sum(m.recipe.gpus_per_replica * m.replicas[0] for m in self.models)


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


def resolve_stack_path(reference: str, stacks_dir: Path = Path("stacks")) -> Path:
    """A stack given as a file path, or by name from the stacks directory."""
    return resolve_reference(reference, stacks_dir, "stack")


def _recipe_path(reference: str, stack_path: Path, recipes_dir: Path) -> Path | None:
    """A recipe named in a stack: a path relative to the stack file (or the working directory), or a name."""
    for candidate in (stack_path.parent / reference, Path(reference)):
        if candidate.suffix in {".yaml", ".yml"} and candidate.is_file():
            return candidate
    return find_by_name(reference, recipes_dir, "recipes")


def load_stack(
    path: Path,
    context: CheckContext,
    *,
    recipes_dir: Path = Path("recipes"),
    inventory: NodePool | None = None,
) -> StackResult:
    """Load and check one stack file, collecting every finding; `values` is filled only when nothing is wrong."""
    shown = Path(display_path(path))
    result = StackResult(path=shown)
    try:
        document = load_yaml_file(path)
    except InputFileError as error:
        result.findings.append(file_finding(shown, error.problem.line or 1, "yaml", error.problem.message))
        return result
    document.path = shown
    result.document = document
    from rocm_vllm.checks.schema import check_against_schema

    schema_findings = check_against_schema(document, stack_schema(), _schema_validator(), "stack")
    if schema_findings:
        result.findings.extend(schema_findings)
        return result
    data: dict[str, Any] = document.data
    if data["name"] != path.stem:
        result.findings.append(
            finding_at(
                document,
                ("name",),
                "name",
                f"name '{data['name']}' differs from the file name '{path.stem}'; make them equal "
                "(the name is the Helm release name and names the generated files)",
            )
        )
    _check_models(result, document, context, recipes_dir, path)
    _check_served_names(result, document)
    _check_router(result, document)
    pool = inventory or _inventory_of(data)
    if pool is not None and result.models:
        _check_inventory(result, document, pool, from_flags=inventory is not None)
    if not has_errors(result.findings):
        values = stack_values(result, context)
        from rocm_vllm.paths import chart_dir

        for problem in values_schema_problems(values, chart_dir(STACK_CHART)):
            result.findings.append(
                finding_at(
                    document,
                    (),
                    "values-schema",
                    f"charts/rocm-vllm-stack's values.schema.json rejects the result: {problem}",
                )
            )
        if not has_errors(result.findings):
            result.values = values
    result.findings.sort()
    return result


def _check_models(
    result: StackResult, document: LoadedDocument, context: CheckContext, recipes_dir: Path, path: Path
) -> None:
    from rocm_vllm.validate import validate_paths

    data: dict[str, Any] = document.data
    keys: dict[str, int] = {}
    for index, entry in enumerate(data["models"]):
        at: tuple[PathPart, ...] = ("models", index)
        key = entry["key"]
        if key in keys:
            result.findings.append(
                finding_at(
                    document,
                    (*at, "key"),
                    "models",
                    f"model key '{key}' is also used by models[{keys[key]}]; each model needs its own key "
                    "(it names the model's objects)",
                )
            )
            continue
        keys[key] = index
        if key == "router":
            result.findings.append(
                finding_at(
                    document, (*at, "key"), "models", "model key 'router' is taken by the router's objects"
                )
            )
        recipe_path = _recipe_path(entry["recipe"], path, recipes_dir)
        if recipe_path is None:
            result.findings.append(
                finding_at(
                    document,
                    (*at, "recipe"),
                    "recipe",
                    f"unknown recipe '{entry['recipe']}': no such file next to the stack, and no "
                    f"{recipes_dir}/{entry['recipe']}.yaml",
                )
            )
            continue
        checked = validate_paths([recipe_path], context)
        if not checked.ok:
            result.findings.extend(checked.findings)
            errors = sum(f.severity is Severity.ERROR for f in checked.findings)
            result.findings.append(
                finding_at(
                    document,
                    (*at, "recipe"),
                    "recipe",
                    f"recipe '{entry['recipe']}' is invalid ({errors} error(s), reported above); "
                    "fix it or pick another",
                )
            )
            continue
        base = checked.recipes[0]
        recipe = base
        overrides = entry.get("overrides") or {}
        if overrides:
            recipe_or_none = _apply_overrides(result, document, at, base, overrides, context)
            if recipe_or_none is None:
                continue
            recipe = recipe_or_none
        values = recipe_to_values(recipe)
        chart_values = entry.get("values") or {}
        if chart_values:
            result.findings += _check_model_values(document, (*at, "values"), recipe, values, context)
            values = merge_maps(values, chart_values)
        name = f"{data['name']}-{key}"
        limit = MAX_MULTI_NODE_NAME if recipe.is_multi_node else MAX_OBJECT_NAME
        if len(name) > limit:
            why = (
                "a multi-node model's LeaderWorkerSet name allows"
                if recipe.is_multi_node
                else "Kubernetes allows"
            )
            result.findings.append(
                finding_at(
                    document,
                    (*at, "key"),
                    "naming",
                    f"the model's objects would be named '{name}' ({len(name)} characters), but {why} {limit}; "
                    "shorten the key or the stack name",
                )
            )
        result.models.append(StackModel(key=key, index=index, recipe=recipe, values=values))


def _check_model_values(
    document: LoadedDocument,
    at: tuple[PathPart, ...],
    recipe: Recipe,
    values: dict[str, Any],
    context: CheckContext,
) -> list[Finding]:
    """A model's chart `values` are checked like `-f` overrides of its recipe: the chart's values schema, then every
    recipe check on the chart values a recipe field sets; findings at the stack file's lines."""
    from rocm_vllm.checks.overrides import check_recipe_overrides, check_values_schema
    from rocm_vllm.overrides import Overrides, ValueSource
    from rocm_vllm.paths import chart_dir

    given: Any = document.data
    for part in at:
        given = given[part]
    overrides = Overrides()
    overrides.add(
        given,
        lambda parts: ValueSource(str(document.path), document.line_of((*at, *parts)) or 1),
    )
    findings = check_values_schema(chart_dir(), values, overrides, document)
    if not findings:
        findings = check_recipe_overrides(recipe, chart_dir(), overrides, context)
    # Name the stack's own path to each value (`$.models[0].values.…`), the way the stack file spells it.
    return [replace(f, path=format_path((*at, *parse_path(f.path)))) for f in findings]


def _apply_overrides(
    result: StackResult,
    document: LoadedDocument,
    at: tuple[PathPart, ...],
    base: Recipe,
    overrides: dict[str, Any],
    context: CheckContext,
) -> Recipe | None:
    """The recipe with `overrides` merged in, checked with every recipe check; findings point into the stack."""
    merged = merge_maps(base.document.data, overrides)
    recipe, findings = check_recipe_data(merged, context, source=str(base.document.path))
    for finding in findings:
        inner = _within(overrides, parse_path(finding.path))
        result.findings.append(
            finding_at(
                document,
                (*at, "overrides", *inner),
                finding.check,
                f"{finding.message} (recipe {base.name} with this model's overrides)",
                finding.severity,
            )
        )
    if recipe is None or has_errors(findings):
        return None
    return recipe


def _check_served_names(result: StackResult, document: LoadedDocument) -> None:
    seen: dict[str, StackModel] = {}
    for model in result.models:
        name = model.served_name
        if "," in name:
            result.findings.append(
                finding_at(
                    document,
                    ("models", model.index),
                    "served-name",
                    f"served model name '{name}' contains a comma, which the router's --static-models list cannot "
                    "carry; set overrides.model.servedModelName",
                )
            )
        if name in seen:
            result.findings.append(
                finding_at(
                    document,
                    ("models", model.index),
                    "served-name",
                    f"models '{seen[name].key}' and '{model.key}' both serve the model name '{name}'; the router "
                    "routes by that name, so set overrides.model.servedModelName on one of them",
                )
            )
        else:
            seen[name] = model


def _check_router(result: StackResult, document: LoadedDocument) -> None:
    router = document.data.get("router") or {}
    if router.get("routingLogic") == "session" and not router.get("sessionKey"):
        result.findings.append(
            finding_at(
                document,
                ("router", "routingLogic"),
                "router",
                "routingLogic session needs sessionKey: the request header that identifies a session (e.g. x-user-id)",
            )
        )
    scaling = router.get("autoscaling")
    if scaling and scaling["minReplicas"] > scaling["maxReplicas"]:
        result.findings.append(
            finding_at(
                document,
                ("router", "autoscaling"),
                "router",
                f"autoscaling minReplicas {scaling['minReplicas']} exceeds maxReplicas {scaling['maxReplicas']}",
            )
        )


def _inventory_of(data: dict[str, Any]) -> NodePool | None:
    inventory = data.get("inventory")
    if not inventory:
        return None
    return NodePool(inventory["gpu"], inventory["gpusPerNode"], inventory["nodes"])


def _nodes_needed(pods: list[int], gpus_per_node: int) -> int:
    """First-fit decreasing: how many nodes of `gpus_per_node` GPUs hold pods requesting `pods` GPUs each."""
    free: list[int] = []
    for need in sorted(pods, reverse=True):
        for i, room in enumerate(free):
            if room >= need:
                free[i] -= need
                break
        else:
            free.append(gpus_per_node - need)
    return len(free)


def _check_inventory(
    result: StackResult, document: LoadedDocument, pool: NodePool, *, from_flags: bool
) -> None:
    at: tuple[PathPart, ...] = () if from_flags else ("inventory",)
    source = "the --gpu/--gpus-per-node/--nodes inventory" if from_flags else "the inventory"
    fits = True
    for model in result.models:
        recipe = model.recipe
        where = ("models", model.index)
        if recipe.gpu != pool.gpu:
            fits = False
            result.findings.append(
                finding_at(
                    document,
                    where,
                    "inventory",
                    f"model '{model.key}' needs {recipe.gpu} GPUs; {source} has {pool.gpu}",
                )
            )
        elif recipe.gpus_per_node > pool.gpus_per_node or recipe.nodes_per_replica > pool.nodes:
            fits = False
            result.findings.append(
                finding_at(
                    document,
                    where,
                    "inventory",
                    f"model '{model.key}' needs {recipe.nodes_per_replica} node(s) x {recipe.gpus_per_node} GPUs per "
                    f"replica; {source} has {pool.describe()}",
                )
            )
    if not fits:
        return
    for label, pick, severity in (
        ("at its starting replicas", 0, Severity.ERROR),
        ("at its autoscaling maximum", 1, Severity.WARNING),
    ):
        pods = [
            m.recipe.gpus_per_node
            for m in result.models
            for _ in range(m.replicas[pick] * m.recipe.nodes_per_replica)
        ]
        needed = _nodes_needed(pods, pool.gpus_per_node)
        if needed > pool.nodes:
            result.findings.append(
                finding_at(
                    document,
                    at,
                    "inventory",
                    f"the stack {label} needs {sum(pods)} GPUs in {len(pods)} pod(s) on {needed} node(s) of "
                    f"{pool.gpus_per_node} {pool.gpu}, but {source} has {pool.describe()} "
                    f"({pool.nodes * pool.gpus_per_node} GPUs)",
                    severity,
                )
            )
            if severity is Severity.ERROR:
                return


def stack_values(result: StackResult, context: CheckContext) -> dict[str, Any]:
    """charts/rocm-vllm-stack values for a checked stack: each model's recipe values, the router, the cache."""
    from rocm_vllm.cache import CachedModel, estimate_cache_size

    assert result.document is not None
    data: dict[str, Any] = result.document.data
    models = {m.key: copy.deepcopy(m.values) for m in result.models}
    cache_in: dict[str, Any] = data.get("cache") or {}
    mode = cache_in.get("mode", "perStack")
    cache: dict[str, Any] = {"mode": mode}
    if mode == "perStack":
        if cache_in.get("size"):
            cache["size"] = cache_in["size"]
        else:
            unique = sorted({CachedModel(m.recipe.model_id, m.recipe.revision) for m in result.models})
            cache["size"] = estimate_cache_size(unique, context.catalog)
    elif mode == "perModel":
        for model in result.models:
            if not model.values.get("cache", {}).get("size"):
                size = estimate_cache_size(
                    [CachedModel(model.recipe.model_id, model.recipe.revision)], context.catalog
                )
                models[model.key] = merge_maps(models[model.key], {"cache": {"size": size}})
    for key in ("storageClassName", "existingClaim", "waitForDownload", "values"):
        if key in cache_in:
            cache[key] = copy.deepcopy(cache_in[key])
    router_in: dict[str, Any] = data.get("router") or {}
    router: dict[str, Any] = {}
    if "replicas" in router_in:
        router["replicaCount"] = router_in["replicas"]
    for key in ("routingLogic", "sessionKey"):
        if key in router_in:
            router[key] = router_in[key]
    if router_in.get("autoscaling"):
        router["autoscaling"] = {"enabled": True, **router_in["autoscaling"]}
    if router_in.get("podDisruptionBudget"):
        router["podDisruptionBudget"] = {"enabled": True, **router_in["podDisruptionBudget"]}
    router = merge_maps(router, router_in.get("values") or {})
    values: dict[str, Any] = {"models": models, "cache": cache}
    if router:
        values["router"] = router
    if data.get("modelDefaults"):
        values["modelDefaults"] = copy.deepcopy(data["modelDefaults"])
    return values


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


def values_document(result: StackResult, out_dir: Path) -> str:
    """The stack's values file: the stamp, a pointer to the source, the description, then sorted YAML."""
    source = result.path.as_posix()
    header = stamp(
        [*GENERATE_COMMAND, source, "--out", display_path(out_dir)],
        source=source,
        notes=[result.description.rstrip()],
        quote=False,
    )
    return dump_yaml(result.values, header=header)


def stack_helmrelease(
    result: StackResult,
    *,
    namespace: str,
    source: Any,
    interval: str = "10m",
    stamp: str,
    release_name: str | None = None,
) -> dict[str, Any]:
    """A Flux HelmRelease installing charts/rocm-vllm-stack with the stack's values (rocm_vllm.flux.helmrelease_for),
    with drift detection ignoring the replicas of every workload an autoscaler owns."""
    from rocm_vllm.flux import helmrelease_for, scaled_target

    name = release_name or result.name
    obj = helmrelease_for(
        name,
        result.values,
        namespace=namespace,
        source=source,
        interval=interval,
        autoscaled=False,
        multi_node=False,
        stamp=stamp,
    )
    obj["metadata"]["labels"]["app.kubernetes.io/name"] = STACK_CHART
    targets: list[dict[str, Any]] = []
    for model in result.models:
        if model.recipe.autoscaling or model.values.get("autoscaling", {}).get("enabled"):
            targets.append(
                {
                    **scaled_target(model.recipe.is_multi_node),
                    "name": f"{name}-{model.key}" + ("-lws" if model.recipe.is_multi_node else ""),
                }
            )
    if result.values.get("router", {}).get("autoscaling", {}).get("enabled"):
        targets.append({**scaled_target(False), "name": f"{name}-router"})
    if targets:
        obj["spec"]["driftDetection"] = {
            "mode": "enabled",
            "ignore": [{"paths": ["/spec/replicas"], "target": target} for target in targets],
        }
    return obj
