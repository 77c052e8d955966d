"""Publish every chart to an OCI registry through Helm's own registry client, and prove what landed there.

The run packages the charts reproducibly (rocm_vllm.index), checks each archive against the committed
Chart-index.yaml, logs in, pushes each archive, resolves the pushed tag's manifest and pulls the chart back:
a chart counts as published only when the pulled archive's sha256 equals the digest in the index.  Only then,
after every chart, is the chart repository folder written (the archives, then index.yaml last), so a failed
run never leaves an index that names a chart the registry does not hold.  Every failure is one line naming
what to do (InvalidInputError, exit 1).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.index import chart_dirs, index_digests, package_charts

USERNAME_ENV = "ROCM_VLLM_REGISTRY_USERNAME"
PASSWORD_ENV = "ROCM_VLLM_REGISTRY_PASSWORD"
# How long one registry call (login, push, resolve, pull) may take before the run gives up: Helm's Go client
# waits indefinitely on a registry that accepts the connection and never answers.
TIMEOUT_ENV = "ROCM_VLLM_REGISTRY_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 120.0
# Files written beside the archives in the chart repository folder; index.yaml is written last.
REPOSITORY_INDEX = "index.yaml"
T = TypeVar("T")
ARTIFACT_HUB_METADATA = "artifacthub-repo.yml"


class PublishError(InvalidInputError):
    """A publish run stopped: the registry, the credentials or the index are not what the run needs."""


@dataclass(frozen=True)
class Registry:
    """Where charts go: `oci://host[:port]/path`, talked to over HTTPS unless `plain_http`."""

    url: str
    plain_http: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def host(self) -> str:
        return self.url.removeprefix("oci://").split("/", 1)[0]

    @classmethod
    def from_environment(cls, url: str, *, plain_http: bool) -> Registry:
        """Credentials from ROCM_VLLM_REGISTRY_USERNAME/PASSWORD (both or neither); the wait for each registry
        call from ROCM_VLLM_REGISTRY_TIMEOUT (seconds)."""
        return cls(
            parse_registry_url(url),
            plain_http,
            os.environ.get(USERNAME_ENV) or None,
            os.environ.get(PASSWORD_ENV) or None,
            _timeout_from_environment(),
        )


def _timeout_from_environment() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise PublishError(
            f"{TIMEOUT_ENV}={raw!r}: give the seconds one registry call may take (0 < s <= 3600)"
        )
    return seconds


def bounded(registry: Registry, action: str, call: Callable[[], T]) -> T:
    """Run one registry call, giving up after the registry's timeout. Helm's Go code cannot be interrupted, so
    the call runs on a daemon thread that is abandoned on timeout (the run stops with an error right after)."""
    import threading

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed back to the caller's thread as is
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"registry: {action}", daemon=True)
    worker.start()
    worker.join(registry.timeout_seconds)
    if worker.is_alive():
        raise PublishError(
            f"{action}: {registry.host} did not answer within {registry.timeout_seconds:g} s; check that it is a "
            f"registry and reachable, or raise {TIMEOUT_ENV}"
        )
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


@dataclass(frozen=True)
class PublishedChart:
    name: str
    version: str
    reference: str  # oci://host/path/name:version
    archive_digest: str  # sha256 of the archive, equal to Chart-index.yaml's digest
    manifest_digest: str  # the OCI manifest the tag resolves to


def parse_registry_url(url: str) -> str:
    """`oci://host[:port]/path` without a trailing slash, or a PublishError saying what a registry looks like."""
    stripped = url.rstrip("/")
    rest = stripped.removeprefix("oci://")
    if (
        not stripped.startswith("oci://")
        or not rest
        or rest.startswith("/")
        or any(c.isspace() for c in rest)
    ):
        raise PublishError(
            f"registry {url!r}: expected oci://HOST[:PORT]/PATH, for example oci://ghcr.io/OWNER/charts"
        )
    if ":" in rest.split("/")[-1] or "@" in rest:
        raise PublishError(f"registry {url!r}: give the repository root without a tag or digest")
    return stripped


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def registry_error(registry: Registry, action: str, error: BaseException) -> PublishError:
    """One line for a registry failure: what failed, Helm's reason, and what to do about it."""
    reason = _first_line(error)
    lowered = reason.lower()
    if "server gave http response to https client" in lowered:
        hint = f"{registry.host} serves plain HTTP: pass --plain-http"
    elif any(
        s in lowered for s in ("connection refused", "no such host", "i/o timeout", "network is unreachable")
    ):
        hint = f"check that {registry.host} is the registry's address and that it is running and reachable"
    elif any(s in lowered for s in ("401", "403", "unauthorized", "denied", "credential")):
        hint = f"set {USERNAME_ENV} and {PASSWORD_ENV} to an account allowed to push to {registry.url}"
    elif "tls" in lowered or "x509" in lowered or "certificate" in lowered:
        hint = (
            "the registry's TLS certificate is not trusted; fix it, or use --plain-http for a local registry"
        )
    else:
        hint = f"check {registry.url} and try again"
    return PublishError(f"{action}: {reason}; {hint}")


def _expected_archives(charts_dir: Path, index_file: Path, scratch: Path) -> list[tuple[str, str, Path, str]]:
    """(name, version, archive, sha256) for every chart, each archive equal to its entry in the index."""
    import yaml

    if not index_file.is_file():
        raise PublishError(
            f"{index_file}: no such index; run `rocm-vllm index --out {index_file}` and commit it"
        )
    index = yaml.safe_load(index_file.read_text(encoding="utf-8"))
    if (
        not isinstance(index, dict)
        or index.get("apiVersion") != "v1"
        or not isinstance(index.get("entries"), dict)
    ):
        raise PublishError(
            f"{index_file}: not a Helm repository index; run `rocm-vllm index --out {index_file}`"
        )
    in_index = index_digests(index)
    archives = package_charts(charts_dir, scratch)
    expected: list[tuple[str, str, Path, str]] = []
    for chart in chart_dirs(charts_dir):
        meta = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
        name, version = str(meta["name"]), str(meta["version"])
        archive = archives[chart]
        digest = in_index.pop((name, version), None)
        if digest is None:
            raise PublishError(
                f"{index_file} has no entry for {name} {version} (charts/{chart.name}); "
                f"run `rocm-vllm index --out {index_file}` and commit it"
            )
        if digest != _sha256(archive):
            raise PublishError(
                f"{index_file}: {name} {version} has digest {digest} but the chart packages to {_sha256(archive)}; "
                f"run `rocm-vllm index --out {index_file}` and commit it"
            )
        expected.append((name, version, archive, digest))
    if in_index:
        extra = ", ".join(f"{n} {v}" for n, v in sorted(in_index))
        raise PublishError(
            f"{index_file} lists {extra}, which {charts_dir} does not hold; run `rocm-vllm index --out {index_file}`"
        )
    return expected


def _login(client: Any, registry: Registry) -> None:
    if (registry.username is None) != (registry.password is None):
        raise PublishError(f"set both {USERNAME_ENV} and {PASSWORD_ENV}, or neither")
    if registry.username is None or registry.password is None:
        return
    import helm_python

    username, password = registry.username, registry.password
    try:
        bounded(
            registry,
            f"login to {registry.host}",
            lambda: client.login(registry.host, username, password, plain_http=registry.plain_http),
        )
    except helm_python.HelmError as error:
        raise registry_error(registry, f"login to {registry.host} failed", error) from None


def push_chart(client: Any, archive: Path, registry: Registry) -> None:
    """Push one archive (a seam for tests that simulate a registry changing a tag under the run)."""
    client.push(archive, registry.url, plain_http=registry.plain_http)


def _publish_one(
    client: Any, registry: Registry, name: str, version: str, archive: Path, digest: str, pulled_dir: Path
) -> PublishedChart:
    import helm_python

    reference = f"{registry.url}/{name}:{version}"
    try:
        bounded(registry, f"push of {archive.name}", lambda: push_chart(client, archive, registry))
    except helm_python.HelmError as error:
        raise registry_error(registry, f"push of {archive.name} to {registry.url} failed", error) from None
    try:
        manifest = bounded(registry, f"resolve of {reference}", lambda: client.resolve(reference))
        destination = pulled_dir / name
        destination.mkdir(parents=True)
        bounded(
            registry,
            f"pull of {reference}",
            lambda: client.pull(
                f"{registry.url}/{name}",
                version=version,
                destination=destination,
                plain_http=registry.plain_http,
            ),
        )
    except helm_python.HelmError as error:
        if "not found" in str(error).lower():
            raise PublishError(
                f"{reference} is missing right after its push ({_first_line(error)}); the registry dropped it: "
                "check the registry's storage and retention settings and publish again"
            ) from None
        raise registry_error(registry, f"pull of {reference} failed", error) from None
    pulled = destination / archive.name
    if not pulled.is_file():
        raise PublishError(f"pull of {reference} gave no {archive.name}; publish again")
    got = _sha256(pulled)
    if got != digest:
        raise PublishError(
            f"{reference} holds {got}, not the pushed {digest} from the index (another push changed the tag?); "
            "nothing was indexed: find who else publishes to this path, then publish again"
        )
    return PublishedChart(name, version, reference, digest, str(manifest["digest"]))


def _write_repository(
    out_dir: Path, index_file: Path, archives: Sequence[Path], extra: Sequence[Path]
) -> None:
    """The chart repository folder: archives and extra files first, index.yaml last, each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for source in [*archives, *extra]:
        staged = out_dir / f".{source.name}.tmp"
        shutil.copy2(source, staged)  # copy2 keeps the archives' fixed file time
        os.replace(staged, out_dir / source.name)
    staged = out_dir / f".{REPOSITORY_INDEX}.tmp"
    shutil.copyfile(index_file, staged)
    os.replace(staged, out_dir / REPOSITORY_INDEX)


def publish_charts(
    charts_dir: Path,
    index_file: Path,
    registry: Registry,
    *,
    out_dir: Path | None = None,
    extra_files: Sequence[Path] = (),
    progress: Callable[[PublishedChart], None] | None = None,
) -> list[PublishedChart]:
    """Push every chart under `charts_dir` to `registry`, pull each back and compare it with `index_file`;
    then (with `out_dir`) write the chart repository folder: the archives, `extra_files`, and index.yaml."""
    import helm_python

    with tempfile.TemporaryDirectory(prefix="rocm-vllm-publish-") as scratch_name:
        scratch = Path(scratch_name)
        expected = _expected_archives(charts_dir, index_file, scratch / "archives")
        # Logins go to a credentials file of this run only: the user's Helm and Docker configuration stay untouched.
        credentials = scratch / "registry-config.json" if registry.username else None
        client = helm_python.RegistryClient(plain_http=registry.plain_http, credentials_file=credentials)
        try:
            _login(client, registry)
            published: list[PublishedChart] = []
            for name, version, archive, digest in expected:
                result = _publish_one(client, registry, name, version, archive, digest, scratch / "pulled")
                published.append(result)
                if progress is not None:
                    progress(result)
        finally:
            client.close()
        if out_dir is not None:
            _write_repository(out_dir, index_file, [archive for _, _, archive, _ in expected], extra_files)
    return published
