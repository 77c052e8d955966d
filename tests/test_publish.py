"""Publishing through a real OCI registry started on 127.0.0.1: push, pull back, digest equality, render of the
pulled chart; the repository index served over HTTP and loaded by Helm's repository code; every refusal is one
line, exit 1, and leaves no index; and the OCI manifest digest does not depend on when the charts were packaged."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from local_registry import (
    NOT_INSTALLED,
    PASSWORD,
    USERNAME,
    LocalRegistry,
    free_port,
    registry_binary,
    running_registry,
    serving,
)
from rocm_vllm import helm, publish
from rocm_vllm.index import ARCHIVE_MTIME, INDEX_FILE, index_digests, package_charts
from rocm_vllm.publish import Registry, parse_registry_url, publish_charts, registry_error
from script_loading import script_module

REPO = Path(__file__).resolve().parents[1]
CHARTS = REPO / "charts"
INDEX = REPO / INDEX_FILE
SCRIPT = REPO / "scripts" / "publish.py"
SCENARIO = CHARTS / "rocm-vllm" / "ci" / "multinode-ray-values.yaml"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    binary = registry_binary()
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    with running_registry(tmp_path_factory.mktemp("registry"), binary) as running:
        yield running


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(publish.USERNAME_ENV, USERNAME)
    monkeypatch.setenv(publish.PASSWORD_ENV, PASSWORD)


def _script() -> ModuleType:
    return script_module("publish")


def _client(tmp_path: Path) -> Any:
    import helm_python

    client = helm_python.RegistryClient(plain_http=True, credentials_file=tmp_path / "verify-login.json")
    return client


def _logged_in(client: Any, registry: LocalRegistry) -> Any:
    client.login(registry.host, USERNAME, PASSWORD, plain_http=True)
    return client


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _render(chart: Path) -> dict[str, str]:
    values = yaml.safe_load(SCENARIO.read_text())
    return helm.render_chart(chart, values, api_versions=helm.CRD_API_VERSIONS, kube_version="1.33.0")


def _one_line_error(captured: pytest.CaptureFixture[str]) -> str:
    err = captured.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_publish_pull_digest_render_and_index_round_trip(
    registry: LocalRegistry, credentials: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make publish`'s script against a real registry: every chart pushed, pulled back equal to the index,
    the pulled chart renders exactly as the checkout's, and the written repository serves through Helm."""
    url = registry.url("round-trip")
    out = tmp_path / "repository"
    assert _script().main([url, "--plain-http", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = index_digests(yaml.safe_load(INDEX.read_text()))
    assert len(printed) == len(expected) + 1 and printed[-1].startswith(f"{len(expected)} chart(s) pushed")

    client = _logged_in(_client(tmp_path), registry)
    for (name, version), digest in sorted(expected.items()):
        assert client.tags(f"{url}/{name}") == [version]
        pulled = tmp_path / "pulled" / name
        pulled.mkdir(parents=True)
        client.pull(f"{url}/{name}", version=version, destination=pulled, plain_http=True)
        assert _sha256(pulled / f"{name}-{version}.tgz") == digest
        manifest = client.resolve(f"{url}/{name}:{version}")["digest"]
        assert f"published {url}/{name}:{version}  archive {digest}  manifest {manifest}" in printed
    client.close()

    untarred = tmp_path / "untarred"
    import helm_python

    helm_python.pull(
        f"{url}/rocm-vllm", client=_logged_in(_client(tmp_path), registry), untar=True, untar_dir=untarred,
        destination=tmp_path, plain_http=True,
    )  # fmt: skip
    assert _render(untarred / "rocm-vllm") == _render(CHARTS / "rocm-vllm")

    # The HTTP chart repository: index.yaml is Chart-index.yaml, loaded by Helm's repository code.
    assert (out / "index.yaml").read_text() == INDEX.read_text()
    assert (out / "artifacthub-repo.yml").is_file()
    with serving(out) as base_url:
        loaded = helm_python.repo_index(base_url)
        assert loaded["apiVersion"] == "v1"
        assert {(e["name"], e["version"]) for v in loaded["entries"].values() for e in v} == set(expected)
        fetched = tmp_path / "from-http"
        fetched.mkdir()
        helm_python.pull("rocm-vllm", repo_url=base_url, version="0.1.0", destination=fetched)
    assert _sha256(fetched / "rocm-vllm-0.1.0.tgz") == expected[("rocm-vllm", "0.1.0")]


def test_helm_repository_loader_rejects_what_is_not_an_index(tmp_path: Path) -> None:
    """Guards the loader check above: Helm's loader is strict (the old Chart-index.yaml failed it)."""
    import helm_python

    served = tmp_path / "served"
    served.mkdir()
    index = yaml.safe_load(INDEX.read_text())
    index["charts"] = []
    (served / "index.yaml").write_text(yaml.safe_dump(index))
    with (
        serving(served) as base_url,
        pytest.raises(helm_python.HelmRepoError, match='unknown field "charts"'),
    ):
        helm_python.repo_index(base_url)


def test_wrong_password_is_one_line_exit_1_and_no_index(
    registry: LocalRegistry,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(publish.USERNAME_ENV, USERNAME)
    monkeypatch.setenv(publish.PASSWORD_ENV, "not-the-password-42")
    out = tmp_path / "repository"
    assert _script().main([registry.url("bad-login"), "--plain-http", "--out", str(out)]) == 1
    line = _one_line_error(capsys)
    assert f"login to {registry.host} failed" in line and publish.PASSWORD_ENV in line
    assert "not-the-password-42" not in line
    assert not out.exists()


def test_no_credentials_for_a_registry_that_wants_them(
    registry: LocalRegistry,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(publish.USERNAME_ENV, raising=False)
    monkeypatch.delenv(publish.PASSWORD_ENV, raising=False)
    assert _script().main([registry.url("anonymous"), "--plain-http", "--out", str(tmp_path / "r")]) == 1
    line = _one_line_error(capsys)
    assert "push of rocm-vllm-0.1.0.tgz" in line and f"set {publish.USERNAME_ENV}" in line
    assert not (tmp_path / "r").exists()


def test_unreachable_registry_is_one_line_exit_1(
    credentials: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = f"127.0.0.1:{free_port()}"  # nothing listens there
    assert _script().main([f"oci://{host}/charts", "--plain-http", "--out", str(tmp_path / "r")]) == 1
    line = _one_line_error(capsys)
    assert "connection refused" in line and f"check that {host} is the registry's address" in line
    assert not (tmp_path / "r").exists()


def test_a_registry_that_never_answers_is_a_bounded_wait(
    credentials: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server on 127.0.0.1 that accepts connections and never says a word: each registry call gives up after
    ROCM_VLLM_REGISTRY_TIMEOUT with one line, exit 1, and nothing written."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv(publish.TIMEOUT_ENV, "1.5")
        started = time.monotonic()
        code = _script().main([f"oci://{host}/charts", "--plain-http", "--out", str(tmp_path / "r")])
        elapsed = time.monotonic() - started
    assert code == 1
    line = _one_line_error(capsys)
    assert f"{host} did not answer within 1.5 s" in line and publish.TIMEOUT_ENV in line
    assert elapsed < 20
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("raw", ["0", "-3", "soon", "7200"])
def test_a_timeout_that_is_not_seconds_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(publish.TIMEOUT_ENV, raw)
    with pytest.raises(publish.PublishError, match=publish.TIMEOUT_ENV):
        Registry.from_environment("oci://127.0.0.1:5000/charts", plain_http=True)


def test_https_against_a_plain_http_registry_says_plain_http(
    registry: LocalRegistry, credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _script().main([registry.url("tls")]) == 1
    assert "pass --plain-http" in _one_line_error(capsys)


def test_digest_mismatch_after_push_is_exit_1_and_no_index(
    registry: LocalRegistry,
    credentials: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another publisher overwrites the tag between our push and our pull: the pull-back catches it."""
    other_charts = tmp_path / "other"
    shutil.copytree(CHARTS, other_charts)
    chart_yaml = other_charts / "rocm-vllm" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("description: Serve", "description: Tampered", 1))
    impostor = package_charts(other_charts, tmp_path / "impostor")[other_charts / "rocm-vllm"]
    real_push = publish.push_chart

    def push_then_overwrite(client: Any, archive: Path, target: Registry) -> None:
        real_push(client, archive, target)
        if archive.name == impostor.name:
            real_push(client, impostor, target)

    monkeypatch.setattr(publish, "push_chart", push_then_overwrite)
    out = tmp_path / "repository"
    assert _script().main([registry.url("overwritten"), "--plain-http", "--out", str(out)]) == 1
    line = _one_line_error(capsys)
    assert f"holds {_sha256(impostor)}, not the pushed" in line and "publish again" in line
    assert not out.exists()


def test_missing_chart_version_in_the_index_pushes_nothing(
    registry: LocalRegistry, credentials: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import helm_python

    charts = tmp_path / "charts"
    shutil.copytree(CHARTS, charts)
    chart_yaml = charts / "rocm-vllm-cache" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("description: Fill", "description: Refill", 1))
    index = tmp_path / "index.yaml"
    data = yaml.safe_load(INDEX.read_text())
    del data["entries"]["rocm-vllm"]
    index.write_text(yaml.safe_dump(data))
    url = registry.url("missing")
    args = [url, "--plain-http", "--charts-dir", str(charts), "--index", str(index)]
    assert _script().main(args) == 1
    line = _one_line_error(capsys)
    assert "has no entry for rocm-vllm 0.1.0" in line and "run `rocm-vllm index" in line

    data = yaml.safe_load(INDEX.read_text())  # every entry, but the cache chart changed since it was indexed
    index.write_text(yaml.safe_dump(data))
    assert _script().main(args) == 1
    assert "rocm-vllm-cache 0.1.0 has digest" in _one_line_error(capsys)

    client = _logged_in(_client(tmp_path), registry)
    with pytest.raises(helm_python.HelmError):
        client.tags(f"{url}/rocm-vllm-cache")  # checked before any push: nothing reached the registry
    client.close()


def test_oci_manifest_digest_is_reproducible_across_packagings(
    registry: LocalRegistry, tmp_path: Path
) -> None:
    """Two packagings at different times of day and file times give the same archive and, pushed, the same
    OCI manifest; an archive dated by the clock (what Helm does by default) would not."""
    charts = tmp_path / "charts"
    shutil.copytree(CHARTS, charts)
    digests: list[tuple[str, str]] = []
    client = _logged_in(_client(tmp_path), registry)
    for attempt, when in enumerate((1_700_000_000, 1_800_000_000)):
        for directory, _, files in os.walk(charts):
            for name in files:
                os.utime(Path(directory) / name, (when, when))
        archive = package_charts(charts, tmp_path / f"packaging-{attempt}")[charts / "rocm-vllm-cache"]
        assert archive.stat().st_mtime == ARCHIVE_MTIME
        client.push(archive, registry.url(f"reproducible-{attempt}"), plain_http=True)
        manifest = client.resolve(registry.url(f"reproducible-{attempt}/rocm-vllm-cache:0.1.0"))["digest"]
        digests.append((_sha256(archive), manifest))
        time.sleep(1.1)  # the next packaging runs a second later by the clock as well
    assert digests[0] == digests[1]

    clock_dated = tmp_path / "clock-dated.tgz"
    shutil.copyfile(tmp_path / "packaging-1" / "rocm-vllm-cache-0.1.0.tgz", clock_dated)
    renamed = tmp_path / "clock" / "rocm-vllm-cache-0.1.0.tgz"
    renamed.parent.mkdir()
    os.replace(clock_dated, renamed)  # a fresh copy carries the time of day
    client.push(renamed, registry.url("clock"), plain_http=True)
    assert client.resolve(registry.url("clock/rocm-vllm-cache:0.1.0"))["digest"] != digests[0][1]
    client.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://ghcr.io/x", "expected oci://HOST"),
        ("oci://", "expected oci://HOST"),
        ("oci://ghcr.io/x/charts:1.0", "without a tag or digest"),
    ],
)
def test_registry_url_must_be_an_oci_repository_root(url: str, message: str) -> None:
    with pytest.raises(publish.PublishError, match=message):
        parse_registry_url(url)


def test_half_given_credentials_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(publish.USERNAME_ENV, USERNAME)
    monkeypatch.delenv(publish.PASSWORD_ENV, raising=False)
    registry = Registry.from_environment("oci://127.0.0.1:1/charts", plain_http=True)
    with pytest.raises(publish.PublishError, match="set both"):
        publish_charts(CHARTS, INDEX, registry, out_dir=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_registry_errors_name_what_to_do() -> None:
    registry = Registry("oci://r.example/charts")
    assert "x509" in str(registry_error(registry, "push", RuntimeError("x509: unknown authority")))
    assert "TLS certificate" in str(registry_error(registry, "push", RuntimeError("x509: unknown authority")))
    other = str(registry_error(registry, "push", RuntimeError("boom\nsecond line")))
    assert other == "push: boom; check oci://r.example/charts and try again"
