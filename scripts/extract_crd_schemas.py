#!/usr/bin/env python3
"""Extract the validation schemas of every custom resource the charts render into the package.

Each pinned upstream CRD (repository, path, commit, sha256 below; the same table as the reference copy's README)
gives one JSON file under generator/rocm_vllm/data/crd-schemas/: the ``openAPIV3Schema`` of every served version,
with the source recorded beside it. The package validates rendered custom resources against these files and
never reads the CRDs themselves, so a pip install or a clone needs nothing beside it.

    python scripts/extract_crd_schemas.py                   # from ../shared/crds, else download the pinned files
    python scripts/extract_crd_schemas.py --check           # exit 1 when the shipped schemas differ
    python scripts/extract_crd_schemas.py --source DIR      # CRD files already on disk (checked by sha256)
    python scripts/extract_crd_schemas.py --download        # always download (raw.githubusercontent.com)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "generator" / "rocm_vllm" / "data" / "crd-schemas"
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "crds"
STAMP = "python scripts/extract_crd_schemas.py"


@dataclass(frozen=True)
class PinnedFile:
    name: str
    repository: str
    path: str
    commit: str
    sha256: str

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{self.path}"

    @property
    def schema_file(self) -> str:
        return self.name.removesuffix(".yaml") + ".json"


PINNED: tuple[PinnedFile, ...] = (
    PinnedFile(
        "leaderworkerset.x-k8s.io_leaderworkersets.yaml",
        "kubernetes-sigs/lws",
        "config/crd/bases/leaderworkerset.x-k8s.io_leaderworkersets.yaml",
        "060ab4da17eea1f0865fcbd3236bb1075e2cea32",
        "c5dcad8ed943e495490241f00b9a1b45d51203b6d484020db3636d5bf553568e",
    ),
    PinnedFile(
        "disaggregatedset.x-k8s.io_disaggregatedsets.yaml",
        "kubernetes-sigs/lws",
        "config/crd/bases/disaggregatedset.x-k8s.io_disaggregatedsets.yaml",
        "060ab4da17eea1f0865fcbd3236bb1075e2cea32",
        "d37014b57415cc3bfb072d5f4e671d91f1b977b36a0a7b466664749b7968e2d9",
    ),
    PinnedFile(
        "helm.toolkit.fluxcd.io_helmreleases.yaml",
        "fluxcd/helm-controller",
        "config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml",
        "0f61a8607a62be64638f2f912d9487e653960a6e",
        "aa8638ac68465ceac1f93a617baf5be833c589c51fd78a7384a4a274c252becc",
    ),
    PinnedFile(
        "keda.sh_scaledobjects.yaml",
        "kedacore/keda",
        "config/crd/bases/keda.sh_scaledobjects.yaml",
        "8b4f083ca8c8c2baf8477e322bd4d16ac4dfa09a",
        "207afc4ca44fd9e3f4bbfb1c8fae08f3a365e098a52714fe8eb672bbd239cbcd",
    ),
    PinnedFile(
        "monitoring.coreos.com_servicemonitors.yaml",
        "prometheus-operator/prometheus-operator",
        "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
        "6adcebc5076c34f4f55f8f5f7b1e528929373ac7",
        "a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32",
    ),
    PinnedFile(
        "monitoring.coreos.com_podmonitors.yaml",
        "prometheus-operator/prometheus-operator",
        "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
        "6adcebc5076c34f4f55f8f5f7b1e528929373ac7",
        "45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d",
    ),
    PinnedFile(
        "gateway.networking.k8s.io_httproutes.yaml",
        "kubernetes-sigs/gateway-api",
        "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml",
        "4564255ac2c35d582249b3cdf261bdf51c8bca32",
        "5b746e5dd696239cdf7d1a6dc6293d103fb78056598aa3f2e14f7512dc8c362b",
    ),
    PinnedFile(
        "monitoring.coreos.com_prometheusrules.yaml",
        "prometheus-operator/prometheus-operator",
        "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
        "6adcebc5076c34f4f55f8f5f7b1e528929373ac7",
        "78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d",
    ),
    PinnedFile(
        "source.toolkit.fluxcd.io_helmrepositories.yaml",
        "fluxcd/source-controller",
        "config/crd/bases/source.toolkit.fluxcd.io_helmrepositories.yaml",
        "092bcff3c9c3f258a44310507201d295ff294ba6",
        "97c7759df00946cbb9a75a56457cff9964b2543d2248df859cef21e26b8e2ae6",
    ),
    PinnedFile(
        "source.toolkit.fluxcd.io_ocirepositories.yaml",
        "fluxcd/source-controller",
        "config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml",
        "092bcff3c9c3f258a44310507201d295ff294ba6",
        "2655834d468e46a533410d9e2bc3f4e7cbf9b4c922b95652012acb09bfb2545a",
    ),
    PinnedFile(
        "source.toolkit.fluxcd.io_gitrepositories.yaml",
        "fluxcd/source-controller",
        "config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml",
        "092bcff3c9c3f258a44310507201d295ff294ba6",
        "39a5a46c81539c992abc53f9be3e5434cd70d50a10d169b1e8a450e0df1c9d09",
    ),
    PinnedFile(
        "inference.networking.k8s.io_inferencepools.yaml",
        "kubernetes-sigs/gateway-api-inference-extension",
        "config/crd/bases/inference.networking.k8s.io_inferencepools.yaml",
        "992e5c292afb248801ce8d9234eb5b9d28eea231",
        "55e0dbf39c50c4bbdd60106493a4573df4bb44479f9ce46762f1af718883e5cd",
    ),
    PinnedFile(
        "http.keda.sh_httpscaledobjects.yaml",
        "kedacore/http-add-on",
        "config/crd/bases/http.keda.sh_httpscaledobjects.yaml",
        "4ea8a863bd7c16464dc5afbe9ebc8a26e563fac0",
        "7535e22d3f7793092bc5a9a1ee5ed021fa24998e2cd50f28c54694e5e1d1e6d8",
    ),
)

Fetch = Callable[[str], bytes]


class ChecksumError(Exception):
    pass


class SourceError(Exception):
    """A pinned CRD could not be read or downloaded, or is not a CRD."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(pinned: PinnedFile, data: bytes) -> None:
    actual = sha256_hex(data)
    if actual != pinned.sha256:
        raise ChecksumError(f"{pinned.name}: sha256 {actual} != pinned {pinned.sha256} ({pinned.url})")


def verify_dir(directory: Path, files: Sequence[PinnedFile] = PINNED) -> list[str]:
    """Problems with the pinned files in directory (missing or changed); empty when all match."""
    problems = []
    for pinned in files:
        path = directory / pinned.name
        if not path.is_file():
            problems.append(f"{pinned.name}: missing from {directory}")
            continue
        try:
            verify(pinned, path.read_bytes())
        except ChecksumError as err:
            problems.append(str(err))
    return problems


def _http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
    return data


def read_sources(
    source: Path | None, files: Sequence[PinnedFile] = PINNED, fetch: Fetch = _http_get
) -> dict[PinnedFile, bytes]:
    """Every pinned CRD's bytes, from `source` when given, else downloaded; each checked by sha256."""
    found: dict[PinnedFile, bytes] = {}
    for pinned in files:
        try:
            data = (source / pinned.name).read_bytes() if source is not None else fetch(pinned.url)
        except OSError as err:
            where = source / pinned.name if source is not None else pinned.url
            raise SourceError(f"{pinned.name}: cannot read {where}: {err}") from err
        verify(pinned, data)
        found[pinned] = data
    return found


def extract(pinned: PinnedFile, data: bytes) -> dict[str, Any]:
    """The shipped document for one CRD: its source, group, kind, scope and each served version's schema."""
    docs = [d for d in yaml.load_all(data, Loader=yaml.CSafeLoader) if isinstance(d, dict)]
    crds = [d for d in docs if d.get("kind") == "CustomResourceDefinition"]
    if len(crds) != 1:
        raise SourceError(f"{pinned.name}: expected one CustomResourceDefinition, found {len(crds)}")
    spec = crds[0]["spec"]
    versions = {
        version["name"]: version["schema"]["openAPIV3Schema"]
        for version in spec.get("versions", [])
        if version.get("served", True) and (version.get("schema") or {}).get("openAPIV3Schema")
    }
    if not versions:
        raise SourceError(f"{pinned.name}: no served version has an openAPIV3Schema")
    return {
        "generatedBy": STAMP,
        "source": {
            "repository": pinned.repository,
            "path": pinned.path,
            "commit": pinned.commit,
            "sha256": pinned.sha256,
        },
        "group": spec["group"],
        "kind": spec["names"]["kind"],
        "scope": spec.get("scope", "Namespaced"),
        "versions": versions,
    }


def document_text(document: dict[str, Any]) -> str:
    # Compact and sorted: deterministic, and small enough to ship (the LWS schema alone is ~0.6 MB this way).
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def expected_outputs(sources: dict[PinnedFile, bytes]) -> dict[str, str]:
    return {pinned.schema_file: document_text(extract(pinned, data)) for pinned, data in sources.items()}


def differences(out: Path, outputs: dict[str, str]) -> list[str]:
    """What --check reports: files that would change, be added, or are stale in `out`."""
    problems = [
        f"{out / name}: {'differs from' if (out / name).is_file() else 'missing; expected from'} its pinned CRD"
        for name, text in sorted(outputs.items())
        if not (out / name).is_file() or (out / name).read_text("utf-8") != text
    ]
    if out.is_dir():
        problems += [
            f"{p}: stale (no pinned CRD)" for p in sorted(out.glob("*.json")) if p.name not in outputs
        ]
    return problems


def write_outputs(out: Path, outputs: dict[str, str]) -> None:
    """All files or none: written beside their targets first, then renamed; stale schemas removed."""
    out.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, text in sorted(outputs.items()):
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, "utf-8")
        staged.append((tmp, out / name))
    for tmp, target in staged:
        tmp.replace(target)
    for stale in out.glob("*.json"):
        if stale.name not in outputs:
            stale.unlink()


def main(argv: Sequence[str] | None = None, fetch: Fetch = _http_get) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the package's schemas live")
    parser.add_argument(
        "--source", type=Path, help=f"folder of the pinned CRD files (default: {DEFAULT_SOURCE})"
    )
    parser.add_argument(
        "--download", action="store_true", help="download the pinned files even if a folder has them"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the shipped schemas differ"
    )
    args = parser.parse_args(argv)
    source = None if args.download else (args.source or (DEFAULT_SOURCE if DEFAULT_SOURCE.is_dir() else None))
    try:
        outputs = expected_outputs(read_sources(source, fetch=fetch))
    except (ChecksumError, SourceError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    origin = str(source) if source is not None else "the pinned upstream commits"
    if args.check:
        problems = differences(args.out, outputs)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"error: run `{STAMP}` to update the shipped schemas", file=sys.stderr)
            return 1
        print(f"{len(outputs)} CRD schema file(s) match {origin}")
        return 0
    write_outputs(args.out, outputs)
    print(f"{len(outputs)} CRD schema file(s) written to {args.out} from {origin}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
