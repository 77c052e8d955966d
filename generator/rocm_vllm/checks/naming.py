"""The recipe's name is its output file's name, so it must match the recipe's own file name."""

from __future__ import annotations

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, finding_at


def check_name(resolved: Resolved, context: CheckContext) -> list[Finding]:
    recipe = resolved.recipe
    stem = recipe.document.path.stem
    if recipe.name != stem:
        return [
            finding_at(
                recipe.document,
                ("name",),
                "name",
                f"name '{recipe.name}' differs from the file name '{stem}'; rename one so "
                f"values/{recipe.name}.yaml traces back to its recipe",
            )
        ]
    return []
