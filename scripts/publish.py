#!/usr/bin/env python3
"""Push every chart to an OCI registry, pull each back and check it against Chart-index.yaml; then write the
chart repository folder (archives, artifacthub-repo.yml, and index.yaml last) for an HTTP chart repository.

    make publish REGISTRY=oci://ghcr.io/OWNER/charts
    python scripts/publish.py oci://127.0.0.1:5000/charts --plain-http --out dist/repository

Credentials come from ROCM_VLLM_REGISTRY_USERNAME and ROCM_VLLM_REGISTRY_PASSWORD (both or neither; without
them Helm's own registry login, if any, is used); ROCM_VLLM_REGISTRY_TIMEOUT bounds each registry call (seconds,
default 120). Exit 0 when every chart was pushed and verified, 1 with a
one-line error otherwise (no index.yaml is written then), 2 for a usage error, 130 on interrupt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "registry", help="The repository root, oci://HOST[:PORT]/PATH (charts land at PATH/NAME)."
    )
    parser.add_argument("--plain-http", action="store_true", help="Talk HTTP, not HTTPS (a local registry).")
    parser.add_argument(
        "--charts-dir",
        type=Path,
        help="Where the charts are.  [default: $ROCM_VLLM_CHARTS_DIR, else the charts rocm-vllm ships]",
    )
    parser.add_argument(
        "--index", type=Path, default=REPO_ROOT / "Chart-index.yaml", help="The committed repository index."
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="Write the HTTP chart repository here after every chart is verified (archives, "
        "artifacthub-repo.yml, index.yaml).  [default: write nothing]",
    )
    args = parser.parse_args(argv)

    from rocm_vllm.errors import RocmVllmError
    from rocm_vllm.paths import charts_dir
    from rocm_vllm.publish import ARTIFACT_HUB_METADATA, PublishedChart, Registry, publish_charts

    def report(chart: PublishedChart) -> None:
        print(
            f"published {chart.reference}  archive {chart.archive_digest}  manifest {chart.manifest_digest}"
        )

    try:
        registry = Registry.from_environment(args.registry, plain_http=args.plain_http)
        metadata = REPO_ROOT / ARTIFACT_HUB_METADATA
        published = publish_charts(
            args.charts_dir if args.charts_dir is not None else charts_dir(),
            args.index,
            registry,
            out_dir=args.out,
            extra_files=[metadata] if metadata.is_file() else [],
            progress=report,
        )
    except RocmVllmError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("interrupted; nothing was indexed", file=sys.stderr)
        return 130
    where = f"; chart repository written to {args.out}" if args.out else ""
    print(f"{len(published)} chart(s) pushed to {registry.url} and verified against {args.index.name}{where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
