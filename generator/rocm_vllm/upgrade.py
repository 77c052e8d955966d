"""What moving recipes to another vLLM release would need: the library behind `rocm-vllm upgrade-check`.

For each recipe it compares the release its image carries with the target release's extracted lists:
flags the target refuses (removed, renamed, changed arity), env vars the target no longer reads, precision
choices it no longer accepts, and the behaviour changes listed in data/vllm-default-changes.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from rocm_vllm.checks import CheckContext
from rocm_vllm.checks.image import image_release
from rocm_vllm.fields import field_table
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.recipe import Recipe
from rocm_vllm.vllm_argv import read_argv
from rocm_vllm.vllm_facts import VllmFacts, image_table, load_vllm_facts

CHECK = "upgrade"
CHOICE_FIELDS = (
    ("dtype", "dtype", ("precision", "dtype")),
    ("kvCacheDtype", "kv_cache_dtype", ("precision", "kvCacheDtype")),
    ("quantization", "quantization", ("precision", "quantization")),
)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class DefaultChange:
    since: str
    unless_flags: tuple[str, ...]
    change: str
    source: str


@lru_cache(maxsize=1)
def default_changes() -> tuple[DefaultChange, ...]:
    text = (
        resources.files("rocm_vllm").joinpath("data").joinpath("vllm-default-changes.yaml").read_text("utf-8")
    )
    raw: dict[str, Any] = yaml.safe_load(text)
    return tuple(
        DefaultChange(
            str(row["since"]),
            tuple(row.get("unless_flags") or ()),
            " ".join(str(row["change"]).split()),
            " ".join(str(row["source"]).split()),
        )
        for row in raw["changes"]
    )


def target_images(version: str) -> list[str]:
    return [f"{i.repository}:{i.tag}" for i in image_table().images if i.vllm == version]


def chart_flag_gaps(target: VllmFacts) -> list[str]:
    """Flags the chart itself writes that the target release does not have (a chart change, not a recipe's)."""
    return sorted(flag for flag in field_table().owned_flags() if flag not in target.flags)


def recipe_upgrade(recipe: Recipe, context: CheckContext, target: VllmFacts) -> list[Finding]:
    """Every change `recipe` needs to run on `target` (errors), and behaviour changes it inherits (warnings)."""
    release = image_release(recipe.image_repository, recipe.image_tag)
    current = load_vllm_facts(release.version or image_table().default)
    if current.version == target.version:
        return []
    document = recipe.document
    findings: list[Finding] = []

    def add(parts: tuple[str | int, ...], message: str, severity: Severity = Severity.ERROR) -> None:
        findings.append(
            finding_at(document, parts, CHECK, f"vLLM {target.version}: {message}", severity=severity)
        )

    owned = dict.fromkeys(field_table().owned_flags(), "value")
    now = read_argv(recipe.extra_args, {**owned, **current.flags, **context.allow.flags})
    then = read_argv(recipe.extra_args, {**owned, **target.flags, **context.allow.flags})
    already_wrong = {p.index for p in now.problems}
    for problem in then.problems:
        if problem.index not in already_wrong:
            add(
                ("vllm", "extraArgs", problem.index),
                problem.message.replace("no flag", "vllm serve has no flag", 1),
            )
    for name, _ in recipe.env:
        if name in context.allow.env:
            continue
        if current.env_is_known(name) and not target.env_is_known(name):
            add(("vllm", "env", name), f"nothing reads {name} any more (vLLM {current.version} did)")
    for key, attribute, parts in CHOICE_FIELDS:
        value = getattr(recipe, attribute)
        if value is None:
            continue
        if value in current.choices.get(key, ()) and value not in target.choices.get(key, ()):
            add(parts, f"{value!r} is no longer a valid {key} (accepted: {', '.join(target.choices[key])})")
    set_flags = {option.name for option in then.options} | {option.name for option in now.options}
    for change in default_changes():
        moves_past = (
            _version_key(current.version) < _version_key(change.since) <= _version_key(target.version)
        )
        if moves_past and not set_flags & set(change.unless_flags):
            add(("image",), f"{change.change} (source: {change.source})", Severity.WARNING)
    return findings


def upgrade_findings(recipes: list[Recipe], context: CheckContext, version: str) -> list[Finding]:
    target = load_vllm_facts(version)
    findings: list[Finding] = []
    for recipe in recipes:
        findings.extend(recipe_upgrade(recipe, context, target))
    return sorted(findings)
