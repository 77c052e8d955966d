"""Helm's own rules for combining values, so a pre-check in Python sees what Helm's engine will see.

Helm combines values in two steps, with different rules (tests/test_helm_values.py checks both against Helm's
engine on a table of cases):

1. `merge_maps`: several `-f` files and `--set` expressions are merged into one user map. Maps merge key by
   key, anything else (lists included) is replaced, and a `null` is kept: it still means something in step 2.
2. `coalesce`: the user map is laid over the chart's values.yaml. A user `null` deletes a key the chart has
   (`nodeSelector: null` removes the default `{}`), while a user `null` for a key the chart does not have stays
   `null`; a chart `null` the user does not override is dropped. Maps merge, anything else from the user wins.
"""

from __future__ import annotations

import copy
from typing import Any


def merge_maps(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base` the way Helm merges `-f` files and `--set`: maps merge, the rest is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_maps(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _without_nulls(value) if isinstance(value, dict) else value
        for key, value in values.items()
        if value is not None
    }


def coalesce(user: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The values a chart's templates and schema see: `user` laid over the chart's `defaults` by Helm's rules."""
    return _coalesce_tables(user, defaults)


def _coalesce_tables(user: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    # Helm compares the top level with the chart's raw values but nested tables with null-free copies, so a
    # user null deletes a top-level null default and stays null over a nested one (tests/test_helm_values.py).
    result = copy.deepcopy(user)
    for key, default in defaults.items():
        if key not in user:
            if default is not None:
                result[key] = _without_nulls(default) if isinstance(default, dict) else copy.deepcopy(default)
        elif user[key] is None:
            del result[key]
        elif isinstance(user[key], dict) and isinstance(default, dict):
            result[key] = _coalesce_tables(user[key], _without_nulls(default))
    return result
