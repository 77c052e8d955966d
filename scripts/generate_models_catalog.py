#!/usr/bin/env python3
"""Generate the built-in model catalog (generator/rocm_vllm/catalog/models.yaml) from stored config facts.

Each model's published `config.json` facts are stored once under generator/rocm_vllm/catalog/configs/
(`<org>--<name>.json`, the config keys the importer reads, and a `_source` key it ignores: where each fact was
read).  This script runs the same import code as `rocm-vllm catalog import` (rocm_vllm.catalog.hf_config) over
them, and lays over each entry what a config cannot say, from configs/overlay.yaml: the curated catalog name,
further checkpoints of the architecture with their storage and revision, license, notes and unconfirmed facts.
A model whose config facts are too incomplete to import is given whole in the overlay (`entry:`).

    python scripts/generate_models_catalog.py [--check]

With --check nothing is written and the exit code is 1 when models.yaml differs from what the sources give.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CATALOG_DIR = REPO / "generator" / "rocm_vllm" / "catalog"
CONFIGS_DIR = CATALOG_DIR / "configs"
OVERLAY = CONFIGS_DIR / "overlay.yaml"
MODELS_YAML = CATALOG_DIR / "models.yaml"
COMMAND = ["python", "scripts/generate_models_catalog.py"]
SOURCE_KEY = "_source"  # the stored config's provenance; not a config.json key, the importer never reads it

# The overlay keys copied onto an imported entry as they are (everything else is derived from the config).
OVERLAY_FIELDS = ("license", "multimodal", "notes", "unconfirmed")

HEADER = """\
Model architecture catalog for the rocm-vllm recipe checker.

One entry per architecture, imported from its stored config facts (catalog/configs/<org>--<name>.json, each with
a `_source`) by the code of `rocm-vllm catalog import`; license, notes, unconfirmed facts and further checkpoints
of the same architecture (AMD's FP8 re-quantizations, Meta's FP8 Maverick) come from catalog/configs/overlay.yaml.
docs/catalog-sources.md has the per-entry sources.  totalParams/activeParams are computed from the shapes
(embeddings, attention, MLPs, experts, routers; norms and biases left out, well under 0.1%).

KV cache per token (what the checker computes from these fields):
 standard: 2 x numLayers x numKeyValueHeads x headDim x bytes(kv dtype)
   e.g. llama-3.1-70b bf16: 2 x 80 x 8 x 128 x 2 = 327,680 bytes.
 mla: numLayers x (kvLoraRank + qkRopeHeadDim) x bytes  (deepseek bf16: 61 x 576 x 2 = 70,272 bytes).
 sliding (gpt-oss): full-attention layers as standard; sliding layers hold at most slidingWindow tokens."""


class CatalogSourceError(Exception):
    """A stored config or the overlay is malformed (one line: the file and what is wrong)."""


def config_path(hf_id: str) -> Path:
    """The stored config of a Hugging Face id: configs/<org>--<name>.json."""
    return CONFIGS_DIR / f"{hf_id.replace('/', '--')}.json"


def load_overlay(path: Path = OVERLAY) -> dict[str, Any]:
    from rocm_vllm.yamlio import load_mapping_file

    models = load_mapping_file(path, "the catalog overlay").data.get("models")
    if not isinstance(models, dict):
        raise CatalogSourceError(f"{path}: expected a top-level mapping 'models:'")
    return models


def _stored_config(hf_id: str) -> tuple[dict[str, Any], list[str]]:
    """The stored config of `hf_id` and its sources; the config must say which id it describes."""
    path = config_path(hf_id)
    if not path.is_file():
        raise CatalogSourceError(f"{path}: no stored config for {hf_id}")
    from rocm_vllm.catalog.hf_config import load_config

    config = load_config(path)
    source = config.get(SOURCE_KEY)
    if not isinstance(source, dict) or source.get("hf_id") != hf_id or not source.get("facts"):
        raise CatalogSourceError(
            f"{path}: '{SOURCE_KEY}' must name hf_id {hf_id} and list the facts' sources"
        )
    return config, [str(fact) for fact in source["facts"]]


def _checkpoint(spec: Any, where: str) -> dict[str, Any]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise CatalogSourceError(f"{where} must be a mapping")
    return dict(spec)


def build_entry(name: str, overlay: Mapping[str, Any]) -> dict[str, Any]:
    """One models.yaml entry: the import of the stored config of `overlay['config']`, with the overlay laid over."""
    from rocm_vllm.catalog.hf_config import entry_from_config

    where = f"{OVERLAY}: models.{name}"
    if "entry" in overlay:  # too incomplete to import: given whole, with its reason in `unconfirmed`
        return dict(overlay["entry"])
    primary = overlay.get("config")
    if not isinstance(primary, str):
        raise CatalogSourceError(f"{where}: 'config' must name the Hugging Face id of a stored config")
    config, sources = _stored_config(primary)
    entry = entry_from_config(config, primary, where=config_path(primary).name)
    del entry["notes"]  # the importer's "imported from" note; the overlay's notes say more
    checkpoints = overlay.get("checkpoints") or {}
    if not isinstance(checkpoints, dict) or primary not in checkpoints:
        raise CatalogSourceError(f"{where}: 'checkpoints' must list {primary} (the config's own checkpoint)")
    ids: dict[str, Any] = {}
    for hf_id, spec in checkpoints.items():
        extra = _checkpoint(spec, f"{where}.checkpoints.{hf_id}")
        if hf_id == primary:
            ids[hf_id] = entry["huggingFaceIds"][primary] | extra
        elif config_path(hf_id).is_file():  # a checkpoint with its own stored config: its storage is imported
            other, more = _stored_config(hf_id)
            ids[hf_id] = entry_from_config(other, hf_id)["huggingFaceIds"][hf_id] | extra
            sources += [fact for fact in more if fact not in sources]
        else:
            if "weightDtype" not in extra:
                raise CatalogSourceError(
                    f"{where}.checkpoints.{hf_id}: no stored config, so give weightDtype"
                )
            ids[hf_id] = extra
    entry["huggingFaceIds"] = ids
    for field in OVERLAY_FIELDS:
        if field in overlay:
            entry[field] = overlay[field]
    unknown = set(overlay) - {"config", "checkpoints", *OVERLAY_FIELDS}
    if unknown:
        raise CatalogSourceError(f"{where}: unknown overlay keys {sorted(unknown)}")
    entry["sources"] = sources
    return entry


def build_catalog(overlay: Mapping[str, Any]) -> dict[str, Any]:
    return {"models": {name: build_entry(name, spec) for name, spec in sorted(overlay.items())}}


def render(overlay: Mapping[str, Any]) -> str:
    from rocm_vllm.stamp import stamp
    from rocm_vllm.yamlio import dump_yaml

    source = "generator/rocm_vllm/catalog/configs/"
    return dump_yaml(build_catalog(overlay), header=f"{stamp(COMMAND, source=source)}\n\n{HEADER}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail when models.yaml is not what the sources give"
    )
    args = parser.parse_args(argv)
    from rocm_vllm.errors import InvalidInputError
    from rocm_vllm.yamlio import write_files_atomically

    try:
        text = render(load_overlay())
    except (CatalogSourceError, InvalidInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    current = MODELS_YAML.read_text(encoding="utf-8") if MODELS_YAML.is_file() else ""
    if args.check:
        if current != text:
            print(f"{MODELS_YAML.relative_to(REPO)} is out of date: run {' '.join(COMMAND)}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        write_files_atomically({MODELS_YAML: text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
