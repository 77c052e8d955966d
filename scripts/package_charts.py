#!/usr/bin/env python3
"""Package every chart under charts/ into --out (default dist/) through Helm's engine, reproducibly.

The same chart files give the same archive bytes on every run and machine, and Chart-index.yaml carries
each archive's sha256 (see rocm_vllm.index for how: fixed file times in a scratch copy, checked after).
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
        "--out", type=Path, default=REPO_ROOT / "dist", help="Directory for the .tgz archives."
    )
    parser.add_argument("--charts-dir", type=Path, default=REPO_ROOT / "charts", help="Where the charts are.")
    args = parser.parse_args(argv)

    import helm_python

    from rocm_vllm.errors import RocmVllmError
    from rocm_vllm.index import package_charts

    try:
        archives = package_charts(args.charts_dir, args.out)
    except RocmVllmError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(error.exit_code)
    for archive in archives.values():
        print(f"{helm_python.digest(archive)}  {archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
