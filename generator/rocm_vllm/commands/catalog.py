"""`rocm-vllm catalog`: the GPUs and models the checks know (built in, plus --catalog directories)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rocm_vllm.commands.common import catalog_option, output_format_option


@click.command("catalog")
@output_format_option
@catalog_option
def catalog(output_format: str, catalog_dirs: tuple[Path, ...]) -> None:
    """List the GPUs and models the checks know."""
    from rocm_vllm.catalog import load_catalog
    from rocm_vllm.findings import write_out

    known = load_catalog(catalog_dirs)
    if output_format == "json":
        payload = {
            "gpus": {
                n: {
                    "arch": g.arch,
                    "memoryBytes": g.memory_bytes,
                    "precisions": list(g.precisions),
                    "deviceIds": list(g.device_ids),
                }
                for n, g in known.gpus.items()
            },
            "models": {n: [c.hf_id for c in m.checkpoints] for n, m in known.models.items()},
        }
        write_out(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return
    lines = ["GPUs:"]
    lines += [
        f"  {name:<8} {gpu.arch:<7} {gpu.memory_bytes / 1e9:>4.0f} GB  {', '.join(gpu.precisions)}"
        for name, gpu in known.gpus.items()
    ]
    lines.append("Models:")
    lines += [f"  {name}: {', '.join(c.hf_id for c in m.checkpoints)}" for name, m in known.models.items()]
    write_out("\n".join(lines) + "\n")
