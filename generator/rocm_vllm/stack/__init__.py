"""Stacks: several recipes served together behind one router (charts/rocm-vllm-stack), checked like recipes.

A stack file names its models (each a recipe, with optional recipe overrides and chart values), the router's
settings, the shared cache and optionally the GPUs it must fit on. Loading a stack runs every recipe check on every
model (with its overrides applied), the chart's values schema on every model's values, and the stack-level checks:
unique model keys and served names, object names the stack chart accepts, the router's settings, and the GPUs
against the inventory. Its values, manifests and HelmRelease come from the same functions recipes use
(`recipe_to_values`, `render_values`, `helmrelease_for`): there is no second implementation.

The package, by concern: `result` (what a loaded stack is), `loading` (read, schema, orchestrate), `models` (each
model's recipe, overrides and values), `rules` (stack-wide checks), `fit` (the GPUs against an inventory),
`outputs` (values file and HelmRelease).
"""

from __future__ import annotations

from rocm_vllm.stack.loading import load_stack, load_valid_stack, resolve_stack_path, stack_schema
from rocm_vllm.stack.outputs import stack_helmrelease, stack_values, values_document
from rocm_vllm.stack.result import GENERATE_COMMAND, STACK_CHART, StackModel, StackResult

__all__ = [
    "GENERATE_COMMAND",
    "STACK_CHART",
    "StackModel",
    "StackResult",
    "load_stack",
    "load_valid_stack",
    "resolve_stack_path",
    "stack_helmrelease",
    "stack_schema",
    "stack_values",
    "values_document",
]
