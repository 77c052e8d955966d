#!/usr/bin/env python3
"""Download the upstream CRDs the chart's tests validate against, pinned by commit and checked by sha256.

The table is the one in ../shared/crds/README.md: each file comes from
https://raw.githubusercontent.com/<repository>/<commit>/<path> and must match its sha256, or nothing is
written.

    python scripts/fetch_crds.py --dest .cache/crds      # then: ROCM_VLLM_CRD_DIR=.cache/crds pytest
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


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
)

Fetch = Callable[[str], bytes]


class ChecksumError(Exception):
    pass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(pinned: PinnedFile, data: bytes) -> None:
    actual = sha256_hex(data)
    if actual != pinned.sha256:
        raise ChecksumError(f"{pinned.name}: sha256 {actual} != pinned {pinned.sha256} ({pinned.url})")


def verify_dir(directory: Path, files: Sequence[PinnedFile] = PINNED) -> list[str]:
    """Problems with the pinned files already in directory (missing or changed); empty when all match."""
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


def fetch_all(dest: Path, files: Sequence[PinnedFile] = PINNED, fetch: Fetch = _http_get) -> list[Path]:
    """Download every file, verify all checksums, then write them; a mismatch writes nothing."""
    downloaded = []
    for pinned in files:
        data = fetch(pinned.url)
        verify(pinned, data)
        downloaded.append((pinned, data))
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for pinned, data in downloaded:
        target = dest / pinned.name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=Path(".cache/crds"), help="directory to write the CRDs to"
    )
    parser.add_argument("--check", action="store_true", help="only verify the files already in --dest")
    args = parser.parse_args(argv)
    if args.check:
        problems = verify_dir(args.dest)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    try:
        written = fetch_all(args.dest)
    except ChecksumError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: download failed: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
