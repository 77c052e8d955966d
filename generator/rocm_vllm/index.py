"""Chart-index.yaml: a Helm chart repository index (`index.yaml`) of every chart's reproducible archive.

The index is written by Helm's own index code (`helm repo index`, through helm_python.repo_index_generate)
over the archives `package_charts` makes, so Helm's repository loader, Flux's HelmRepository and Artifact
Hub read it as they read any chart repository's index.yaml.  Its `urls` are relative (`<chart>-<version>.tgz`),
so the same file serves wherever the archives are published next to it (GitHub Pages, a bucket, a test's
local HTTP server).  Helm stamps `generated` and every entry's `created` with the time of day; both are
replaced by `INDEX_TIME`, the same fixed instant the archives' files carry, so the index is a function of
the charts alone and `rocm-vllm index --check` can fail on drift (see `INDEX_TIME` for why not a commit time).

Reproducible packaging.  Helm's engine (helm_python.package) writes each file's modification time into
the archive, and a checkout's mtimes differ from machine to machine and run to run.  So every chart is
packaged from a scratch copy of charts/ whose files all carry the fixed time `ARCHIVE_MTIME` (the Unix
epoch).  Everything else Helm writes is already fixed: members in Helm's own order (Chart.yaml,
values.yaml, values.schema.json, templates, other files, each in path order), mode 0644, uid/gid 0,
empty user and group names, a gzip header with mtime 0, and Go's deterministic deflate.  The archive is
therefore a function of the chart's file contents and the pinned Helm version alone, and the index
carries exactly the archive's sha256 (`helm_python.digest`, the digest Helm repository indexes use).
The archive file itself is dated `ARCHIVE_MTIME` too: `helm push` writes the archive file's modification
time into the OCI manifest (`org.opencontainers.image.created`), so a fixed file time makes the pushed
manifest's digest reproducible as well, and a digest pinned in Flux or `@sha256:` can be rebuilt.
A chart with dependencies must commit its Chart.lock: Helm dates that member by the lock's `generated`
field, and builds the vendored archives from the same time-normalized copy; the vendored charts are
written in name order (`_package_in_dependency_order`).  Each archive is checked
after packaging, so a Helm release that stamped the time of day would fail
loudly instead of drifting silently.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rocm_vllm.errors import HelmEngineError, InvalidInputError
from rocm_vllm.yamlio import dump_yaml

INDEX_FILE = "Chart-index.yaml"
# Every file in a packaged chart, and the archive file itself, carries this modification time (seconds since
# the epoch); it is also the OCI manifest's creation time and the index's `created`/`generated`.  A fixed
# instant rather than the chart's commit time: the index is committed in the same commit that changes a chart,
# whose time is unknown until after it is written, and `--check` must give the same answer in every clone,
# on every day, from a tarball with no git history (the reasoning of reproducible-builds' SOURCE_DATE_EPOCH).
ARCHIVE_MTIME = 0
INDEX_TIME = "1970-01-01T00:00:00Z"


def chart_dirs(charts_dir: Path) -> list[Path]:
    """Every chart directly under `charts_dir` (a directory holding a Chart.yaml), in name order."""
    if not charts_dir.is_dir():
        raise InvalidInputError(f"{charts_dir}: no such charts directory")
    return sorted(p for p in charts_dir.iterdir() if (p / "Chart.yaml").is_file())


def _chart_metadata(chart: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("name") or not data.get("version"):
        raise InvalidInputError(f"{chart / 'Chart.yaml'}: needs a name and a version")
    return data


def _fix_mtimes(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            os.utime(Path(directory) / name, (ARCHIVE_MTIME, ARCHIVE_MTIME), follow_symlinks=False)


def _check_archive(archive: Path) -> None:
    """Fail when Helm wrote anything that varies between runs (a newer Helm that stamps the time, say)."""
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            # Helm dates Chart.lock by its `generated` field: fixed by the committed lock's content.
            locked = member.name.count("/") == 1 and member.name.endswith("/Chart.lock")
            if (
                (member.mtime != ARCHIVE_MTIME and not locked)
                or member.uid
                or member.gid
                or member.uname
                or member.gname
            ):
                raise HelmEngineError(
                    f"{archive.name}: member {member.name} has mtime {member.mtime}, owner "
                    f"{member.uid}:{member.gid} {member.uname!r}:{member.gname!r}; the archive is not reproducible"
                )
    with archive.open("rb") as raw:
        header = raw.read(8)
    if header[4:8] != b"\0\0\0\0":
        raise HelmEngineError(f"{archive.name}: the gzip header carries a timestamp; not reproducible")


# Helm's loader collects a chart's subcharts in a Go map, so `helm package` writes the vendored dependencies in a
# random order (two orders for rocm-vllm-stack's two dependencies). Each dependency's members are deterministic, so
# packaging again until they come in name order gives one archive; 64 tries leave a 2^-64 chance per dependency pair.
_PACKAGE_ATTEMPTS = 64


def _dependency_order(archive: Path) -> list[str]:
    import tarfile

    order: list[str] = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if len(parts) > 3 and parts[1] == "charts" and (not order or order[-1] != parts[2]):
                order.append(parts[2])
    return order


def _package_in_dependency_order(chart: Path, destination: Path) -> Path:
    """`helm package` the chart, again until its vendored dependencies are written in name order."""
    import helm_python

    for _ in range(_PACKAGE_ATTEMPTS):
        archive = Path(helm_python.package(chart, destination=destination))
        order = _dependency_order(archive)
        if order == sorted(order):
            return archive
    raise HelmEngineError(f"{chart.name}: helm package never wrote the dependencies in name order")


@contextmanager
def _packaged(charts_dir: Path) -> Iterator[dict[Path, Path]]:
    """Package every chart from a time-normalized scratch copy; yields {chart dir: archive} until exit.

    The whole charts/ tree is copied so a `file://../<chart>` dependency still resolves; a chart that
    declares dependencies without vendoring them gets them built from its committed Chart.lock.
    """
    import helm_python

    charts = chart_dirs(charts_dir)
    with tempfile.TemporaryDirectory(prefix="rocm-vllm-package-") as scratch:
        copy_root = Path(scratch) / "charts"
        shutil.copytree(charts_dir, copy_root, symlinks=False)
        out = Path(scratch) / "out"
        archives: dict[Path, Path] = {}
        _fix_mtimes(copy_root)  # before building dependencies too: they are packaged from these files
        try:
            for chart in charts:
                copy = copy_root / chart.name
                if any(d.get("status") == "missing" for d in helm_python.dependency_list(copy)):
                    if not (copy / "Chart.lock").is_file():
                        raise InvalidInputError(
                            f"{chart}: dependencies are declared but neither vendored in charts/ nor locked; "
                            "commit a Chart.lock (helm dependency update) so packaging is reproducible"
                        )
                    helm_python.dependency_build(copy)
                    _fix_mtimes(copy_root)
                archive = _package_in_dependency_order(copy, out / chart.name)
                _check_archive(archive)
                archives[chart] = archive
        except helm_python.HelmError as error:
            raise HelmEngineError(f"helm package failed: {error}") from None
        yield archives


def _date_archive(archive: Path) -> None:
    """Give the archive file the fixed time: `helm push` copies it into the OCI manifest's creation time."""
    os.utime(archive, (ARCHIVE_MTIME, ARCHIVE_MTIME))


def package_charts(charts_dir: Path, out_dir: Path) -> dict[Path, Path]:
    """Package every chart under `charts_dir` into `out_dir`, byte-identical on every run and machine, each
    archive file dated `ARCHIVE_MTIME` so that pushing it gives the same OCI manifest digest too.

    Returns {chart dir: archive in out_dir}; an archive already there with the same name is replaced.
    """
    results: dict[Path, Path] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    with _packaged(charts_dir) as archives:
        for chart, archive in archives.items():
            target = out_dir / archive.name
            staged = out_dir / f".{archive.name}.tmp"
            shutil.copyfile(archive, staged)
            _date_archive(staged)
            os.replace(staged, target)
            results[chart] = target
    return results


def chart_digests(charts_dir: Path) -> dict[Path, tuple[str, str]]:
    """{chart dir: (archive file name, "sha256:<hex>")} of the archives `package_charts` writes."""
    import helm_python

    with _packaged(charts_dir) as archives:
        return {chart: (archive.name, helm_python.digest(archive)) for chart, archive in archives.items()}


def repository_index(archives: Sequence[Path]) -> dict[str, Any]:
    """Helm's index.yaml for `archives` (through Helm's own `helm repo index`), with relative URLs and every
    time set to `INDEX_TIME`."""
    import helm_python

    with tempfile.TemporaryDirectory(prefix="rocm-vllm-index-") as scratch:
        for archive in archives:
            shutil.copyfile(archive, Path(scratch) / archive.name)
        try:
            index = helm_python.repo_index_generate(scratch)
        except helm_python.HelmError as error:
            raise HelmEngineError(f"helm repo index failed: {error}") from None
    index["generated"] = INDEX_TIME
    for versions in index.get("entries", {}).values():
        for entry in versions:
            entry["created"] = INDEX_TIME
    return index


def build_index(charts_dir: Path) -> dict[str, Any]:
    """The repository index of every chart under `charts_dir`, packaged reproducibly."""
    with _packaged(charts_dir) as archives:
        return repository_index(list(archives.values()))


def index_digests(index: dict[str, Any]) -> dict[tuple[str, str], str]:
    """{(chart name, version): "sha256:<hex>"} of a repository index (Helm writes the bare hex)."""
    return {
        (str(entry["name"]), str(entry["version"])): f"sha256:{entry['digest']}"
        for versions in index.get("entries", {}).values()
        for entry in versions
    }


def index_stamp(out: str = INDEX_FILE, charts_dir: str = "charts") -> str:
    """The header naming the command that rewrites the index (paths as the user types them)."""
    from rocm_vllm.stamp import stamp

    return stamp(
        ["rocm-vllm", "index", "--out", out, "--charts-dir", charts_dir],
        notes=[
            "Do not edit: change charts/ and run the command again. A Helm repository index: `make publish` serves "
            "it",
            "as index.yaml beside the archives `make package` builds byte for byte.",
        ],
        quote=False,
    )


def index_document(index: dict[str, Any], stamp: str) -> str:
    """Deterministic YAML for the index: the stamp's comment lines, then sorted keys."""
    return dump_yaml(index, header=stamp)
