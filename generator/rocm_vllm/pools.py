"""Prefill/decode pools of a disaggregated recipe: each pool is the recipe's top level with its overlay
(`disaggregation.prefill` / `.decode`) merged on top, checked and mapped to chart values like a recipe of its own.

A pool's document keeps the recipe's file and line numbers: a field the overlay sets points at the overlay's line, a
field it inherits at the top level's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from rocm_vllm.helm_values import merge_maps
from rocm_vllm.recipe import Recipe, recipe_from_document
from rocm_vllm.yamlio import LoadedDocument, PathPart

POOLS = ("prefill", "decode")
SECTION = "disaggregation"


def is_disaggregated(recipe: Recipe) -> bool:
    return recipe.fields.get(f"{SECTION}.connector") is not None


def overlay_of(document: LoadedDocument, role: str) -> dict[str, Any]:
    section = document.data.get(SECTION) if isinstance(document.data, Mapping) else None
    overlay = section.get(role) if isinstance(section, Mapping) else None
    return dict(overlay) if isinstance(overlay, Mapping) else {}


def pool_document(document: LoadedDocument, role: str | None) -> LoadedDocument:
    """The document of one pool (None: the shared top level alone), without the disaggregation section."""
    shared = {k: v for k, v in document.data.items() if k != SECTION}
    data = merge_maps(shared, overlay_of(document, role)) if role else shared
    lines: dict[tuple[PathPart, ...], int] = {
        parts: line for parts, line in document.lines.items() if not parts or parts[0] != SECTION
    }
    if role:
        prefix = (SECTION, role)
        for parts, line in document.lines.items():
            if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
                lines[parts[len(prefix) :]] = line
    return LoadedDocument(path=document.path, data=data, lines=lines)


def pool_recipe(recipe: Recipe, role: str | None) -> Recipe:
    """One pool's recipe (None: the shared top level), with the GPU catalog's device ids the recipe has."""
    built = recipe_from_document(pool_document(recipe.document, role))
    return dataclasses.replace(built, gpu_device_ids=recipe.gpu_device_ids)


def in_overlay(document: LoadedDocument, role: str, parts: tuple[PathPart, ...]) -> bool:
    """Whether the pool's overlay itself sets the first part of `parts` (its findings then point into it)."""
    node: Any = overlay_of(document, role)
    return bool(parts) and isinstance(node, Mapping) and parts[0] in node
