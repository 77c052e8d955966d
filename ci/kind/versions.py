"""Look up one pinned value in ci/kind/versions.yaml, for shell scripts and workflows.

Usage: versions.py KUBERNETES_VERSION FIELD   e.g. `versions.py 1.29 nodeImage`
       versions.py --top FIELD                 e.g. `versions.py --top lws.manifests`, `--top extraCrds.0.url`
       versions.py --len FIELD                 number of items in a top-level list, e.g. `--len extraCrds`
KUBERNETES_VERSION may be a minor ("1.29") or the full patch ("1.29.14" or "v1.29.14").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

VERSIONS_FILE = Path(__file__).with_name("versions.yaml")


def load(path: Path = VERSIONS_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def minor_of(version: str) -> str:
    parts = version.lstrip("v").split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise ValueError(f"not a Kubernetes version: {version!r}")
    return f"{parts[0]}.{parts[1]}"


def entry_for(data: dict[str, Any], version: str) -> dict[str, Any]:
    minor = minor_of(version)
    for entry in data["kubernetes"]:
        if entry["version"] == minor:
            return dict(entry)
    supported = ", ".join(e["version"] for e in data["kubernetes"])
    raise KeyError(f"Kubernetes {version} is not pinned in {VERSIONS_FILE.name} (supported: {supported})")


def top_value(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for key in dotted.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        data = load()
        if argv[0] == "--len":
            value = len(top_value(data, argv[1]))
        elif argv[0] == "--top":
            value = top_value(data, argv[1])
        else:
            value = entry_for(data, argv[0])[argv[1]]
    except (KeyError, ValueError, IndexError) as exc:
        print(f"versions.py: {exc}", file=sys.stderr)
        return 1
    print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
