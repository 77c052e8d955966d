"""Copy charts/rocm-vllm's and charts/rocm-vllm-cache's values schemas into charts/rocm-vllm-stack/values.schema.json.

The stack's `models.<key>` and `modelDefaults` are charts/rocm-vllm values, and `cache.values` are
charts/rocm-vllm-cache values, laid over those charts' defaults: the stack schema embeds each chart's own schema (as
`definitions.rocmVllmValues` / `definitions.rocmVllmCacheValues`, with `required` dropped because a stack gives only
what differs from the defaults; their Kubernetes type definitions are hoisted to the root `definitions`), so
`helm install` rejects a misspelled model value exactly as the single-model
chart does. Run after changing either chart's schema; tests/charts/test_stack_chart.py fails while they differ.

First it refreshes charts/rocm-vllm's own `definitions.rocmVllmPoolValues`, the schema of a prefill/decode pool's
overlay (`disaggregation.prefill` / `.decode`): the chart's top-level properties without `enabled`, `global`,
`disaggregation` and `inferencePool` (routing is the release's, not a pool's), `required` dropped (an overlay gives
only what differs), so a misspelled pool value fails too.

    python scripts/sync_stack_schema.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
STACK_SCHEMA = REPO / "charts" / "rocm-vllm-stack" / "values.schema.json"
EMBEDDED = {
    "rocmVllmValues": REPO / "charts" / "rocm-vllm" / "values.schema.json",
    "rocmVllmCacheValues": REPO / "charts" / "rocm-vllm-cache" / "values.schema.json",
}


def _partial(node: Any) -> Any:
    """The schema with every `required` and `$schema` removed: a partial values map must pass."""
    if isinstance(node, dict):
        return {k: _partial(v) for k, v in node.items() if k not in ("required", "$schema")}
    if isinstance(node, list):
        return [_partial(v) for v in node]
    return node


POOL_DEFINITION = "rocmVllmPoolValues"
POOL_LEFT_OUT = ("enabled", "global", "disaggregation", "inferencePool")


def with_pool_definition(chart_schema: dict[str, Any]) -> dict[str, Any]:
    """charts/rocm-vllm's schema with its pool-overlay definition rebuilt from its top-level properties."""
    schema = json.loads(json.dumps(chart_schema))
    properties = {k: v for k, v in schema["properties"].items() if k not in POOL_LEFT_OUT}
    pool = _partial({"type": "object", "additionalProperties": False, "properties": properties})
    pool["description"] = (
        "A prefill/decode pool's overlay of this chart's values (scripts/sync_stack_schema.py)."
    )
    definitions = dict(schema.get("definitions", {}))
    definitions[POOL_DEFINITION] = pool
    schema["definitions"] = dict(sorted(definitions.items()))
    return schema


def synced_schema(current: dict[str, Any]) -> dict[str, Any]:
    """The stack schema with each embedded chart schema refreshed. An embedded schema's own `definitions` (the
    Kubernetes types of scripts/k8s_schema_defs.py, referenced as #/definitions/...) move to the stack's root, where
    those references resolve."""
    schema = dict(current)
    definitions = dict(schema.get("definitions", {}))
    for name, path in EMBEDDED.items():
        embedded = json.loads(path.read_text(encoding="utf-8"))
        definitions.update(embedded.pop("definitions", {}))
        definitions[name] = _partial(embedded)
    schema["definitions"] = dict(sorted(definitions.items()))
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="Write nothing; exit 1 when the file is out of date."
    )
    args = parser.parse_args(argv)
    chart_schema_path = EMBEDDED["rocmVllmValues"]
    chart_text = chart_schema_path.read_text(encoding="utf-8")
    fresh_chart = schema_text(with_pool_definition(json.loads(chart_text)))
    if fresh_chart != chart_text:
        if args.check:
            shown = chart_schema_path.relative_to(REPO)
            print(f"{shown} is out of date: run python scripts/sync_stack_schema.py", file=sys.stderr)
            return 1
        chart_schema_path.write_text(fresh_chart, encoding="utf-8")
        print(f"wrote {chart_schema_path.relative_to(REPO)}")
    current_text = STACK_SCHEMA.read_text(encoding="utf-8")
    fresh = schema_text(synced_schema(json.loads(current_text)))
    if fresh == current_text:
        print(f"{STACK_SCHEMA.relative_to(REPO)} up to date")
        return 0
    if args.check:
        shown = STACK_SCHEMA.relative_to(REPO)
        print(f"{shown} is out of date: run python scripts/sync_stack_schema.py", file=sys.stderr)
        return 1
    STACK_SCHEMA.write_text(fresh, encoding="utf-8")
    print(f"wrote {STACK_SCHEMA.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
