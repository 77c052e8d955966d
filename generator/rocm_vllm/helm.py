"""Helm's engine, in process: render and lint charts without a helm binary.

Wraps helm-python-sdk (Helm v4's Go SDK through ctypes). Its public ``Chart.render`` cannot set the
Kubernetes version or extra API versions, so rendering goes through the native call behind it
(private API of helm-python-sdk 0.2.2, pinned exactly; tests/test_helm.py proves the options take effect).
``helm_python`` is imported inside the functions: the CLI must not pay for it at ``--help``.

An external ``helm`` binary can be used instead (``render_chart_with_binary``); both return the same
``{template path: normalized YAML text}`` mapping.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rocm_vllm.errors import HelmEngineError, InvalidInputError, UsageError

# API versions of the custom resources the chart can render. The chart tests `.Capabilities.APIVersions.Has`
# for LeaderWorkerSet; pass these to render offline as if the CRDs were installed
# (Helm matches exactly, so both group/version and group/version/Kind are listed).
CRD_API_VERSIONS: tuple[str, ...] = (
    "leaderworkerset.x-k8s.io/v1",
    "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet",
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
    "keda.sh/v1alpha1",
    "keda.sh/v1alpha1/ScaledObject",
    "gateway.networking.k8s.io/v1",
    "gateway.networking.k8s.io/v1/HTTPRoute",
    "inference.networking.k8s.io/v1",
    "inference.networking.k8s.io/v1/InferencePool",
)

_NOTES_SUFFIX = "NOTES.txt"
_HOOK_ANNOTATION = "helm.sh/hook"
_DOC_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
_FAIL_MESSAGE = re.compile(r"execution error at \([^)]*\):\s*(?P<message>.*)", re.DOTALL)
_SOURCE_LINE = re.compile(r"^# Source: (?P<path>.+)$")

_chart_cache: dict[Path, Any] = {}
_prepared_dirs: dict[
    Path, Path
] = {}  # chart dir -> the directory to load (a scratch copy with dependencies built)


@dataclass(frozen=True)
class LintFinding:
    """One `helm lint` message."""

    severity: str  # "error", "warning", "info" or "unknown"
    path: str
    message: str

    def __str__(self) -> str:
        return f"[{self.severity.upper()}] {self.path}: {self.message}"


_SEVERITIES = {0: "unknown", 1: "info", 2: "warning", 3: "error"}


def _local_dependencies(chart_dir: Path) -> bool:
    """True when Chart.yaml declares a `file://` dependency (a sibling chart in this repository)."""
    chart_yaml = chart_dir / "Chart.yaml"
    if not chart_yaml.is_file():
        return False
    data = yaml.load(chart_yaml.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    return any(
        str((dep or {}).get("repository", "")).startswith("file://") for dep in data.get("dependencies") or []
    )


def prepared_chart_dir(chart_dir: Path | str) -> Path:
    """The chart directory to load: `chart_dir` itself, or, for a chart with `file://` dependencies (the stack chart),
    a scratch copy of its charts/ directory with the dependencies freshly built from the sibling charts.

    Building into a copy keeps the repository clean and never renders stale vendored archives; it happens once per
    chart and process (users running helm directly run `helm dependency build charts/rocm-vllm-stack`).
    """
    import helm_python

    key = Path(chart_dir).resolve()
    prepared = _prepared_dirs.get(key)
    if prepared is not None:
        return prepared
    if not _local_dependencies(key):
        _prepared_dirs[key] = key
        return key
    scratch = tempfile.mkdtemp(prefix="rocm-vllm-deps-")
    atexit.register(shutil.rmtree, scratch, True)
    copy_root = Path(scratch) / key.parent.name
    shutil.copytree(key.parent, copy_root, ignore=shutil.ignore_patterns("charts", ".git"), symlinks=False)
    prepared = copy_root / key.name
    try:
        helm_python.dependency_build(prepared)
    except helm_python.HelmError as err:
        raise HelmEngineError(f"cannot build the dependencies of {chart_dir}: {_error_text(err)}") from err
    _prepared_dirs[key] = prepared
    return prepared


def _load_chart(chart_dir: Path) -> Any:
    """Loaded charts are immutable in the SDK: keep one per resolved path."""
    import helm_python

    key = chart_dir.resolve()
    chart = _chart_cache.get(key)
    if chart is None:
        try:
            chart = helm_python.Chart.load(prepared_chart_dir(key))
        except helm_python.HelmError as err:
            raise UsageError(f"{chart_dir}: not a loadable Helm chart: {err}") from err
        _chart_cache[key] = chart
    return chart


def clear_chart_cache() -> None:
    """Forget loaded charts (for callers that edit a chart between renders)."""
    for chart in _chart_cache.values():
        with contextlib.suppress(Exception):
            chart.close()
    _chart_cache.clear()
    _prepared_dirs.clear()


def render_chart(
    chart_dir: Path | str,
    values: Mapping[str, Any],
    *,
    release_name: str = "rocm-vllm",
    namespace: str = "default",
    kube_version: str | None = None,
    api_versions: Sequence[str] = (),
    include_hooks: bool = True,
    include_notes: bool = False,
) -> dict[str, str]:
    """Render a chart offline; return ``{template path: YAML}`` like ``helm template`` prints it.

    Empty templates are dropped and each document is stripped, so the result equals
    ``render_chart_with_binary``'s. ``NOTES.txt`` is left out unless ``include_notes``; documents carrying
    a ``helm.sh/hook`` annotation (e.g. ``helm test`` pods) are left out unless ``include_hooks``.

    Raises InvalidInputError for values the chart rejects (schema violations, ``fail`` messages) and
    HelmEngineError for anything else the engine reports (a bug in the chart).
    """
    import helm_python
    from helm_python import _native

    chart = _load_chart(Path(chart_dir))
    opts: dict[str, Any] = {
        "name": release_name,
        "namespace": namespace,
        "is_install": True,
        "api_versions": list(api_versions),
    }
    if kube_version is not None:
        opts["kube_version"] = kube_version
    try:
        raw = _native.call_string("helm_render", chart._raw(), json.dumps(dict(values)), json.dumps(opts))
    except helm_python.HelmValuesError as err:
        raise InvalidInputError(_values_error_message(Path(chart_dir), _error_text(err))) from err
    except helm_python.HelmRenderError as err:
        raise _map_render_error(err) from err
    except helm_python.HelmError as err:
        raise HelmEngineError(f"helm engine failed on {chart_dir}: {_error_text(err)}") from err
    rendered: dict[str, str] = json.loads(raw)
    result: dict[str, str] = {}
    for path in sorted(rendered):
        text = rendered[path]
        if path.endswith(_NOTES_SUFFIX):
            if include_notes and text.strip():
                result[path] = text.strip() + "\n"
            continue
        normalized = _normalize(text, include_hooks=include_hooks)
        if normalized:
            result[path] = normalized
    return result


_VIOLATION = re.compile(r"^(?P<indent>\s*)- at '(?P<pointer>[^']*)': (?P<message>.*)$")


def _values_error_message(chart_dir: Path, text: str) -> str:
    """Helm's schema violations, each followed by the dotted values key and its schema description.

    Helm reports ``- at '/image/tag': 'not' failed``; the key's description says what is allowed.
    """
    try:
        schema = json.loads((chart_dir / "values.schema.json").read_text())
    except (OSError, ValueError):
        schema = {}
    lines = [f"values rejected by {chart_dir}/values.schema.json:"]
    for line in text.splitlines():
        match = _VIOLATION.match(line)
        if not match:
            continue
        parts = [p for p in match.group("pointer").split("/") if p]
        key = ".".join(parts) or "(top level)"
        hint = _schema_description(schema, parts)
        lines.append(f"- {key}: {match.group('message')}" + (f" ({hint})" if hint else ""))
    if len(lines) == 1:
        lines.append(text)
    return "\n".join(lines)


def _schema_description(schema: Any, parts: list[str]) -> str:
    node = schema
    for part in parts:
        if not isinstance(node, dict):
            return ""
        props = node.get("properties") or {}
        if part in props:
            node = props[part]
        elif part.isdigit() and isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            return ""
    return str(node.get("description", "")) if isinstance(node, dict) else ""


def _error_text(err: BaseException) -> str:
    return str(err).strip()


def _map_render_error(err: BaseException) -> InvalidInputError | HelmEngineError:
    """A `fail`/`required` in the chart is the user's input problem; any other render error is a chart bug."""
    text = _error_text(err)
    match = _FAIL_MESSAGE.search(text)
    if match:
        return InvalidInputError(match.group("message").strip())
    return HelmEngineError(f"chart failed to render: {text}")


def _normalize(text: str, *, include_hooks: bool) -> str:
    docs = []
    for doc in _DOC_SEPARATOR.split(text):
        stripped = doc.strip()
        if not stripped or not _has_content(stripped):
            continue
        if not include_hooks and _is_hook(stripped):
            continue
        docs.append(stripped)
    return "\n---\n".join(docs) + "\n" if docs else ""


def _has_content(doc: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in doc.splitlines())


def _is_hook(doc: str) -> bool:
    if _HOOK_ANNOTATION not in doc:
        return False
    obj = yaml.load(doc, Loader=yaml.CSafeLoader)
    annotations = (obj or {}).get("metadata", {}).get("annotations") or {}
    return _HOOK_ANNOTATION in annotations


def split_manifests(rendered: Mapping[str, str]) -> list[dict[str, Any]]:
    """Parse rendered templates into objects, dropping empty documents, sorted by (kind, name, source)."""
    objects: list[tuple[tuple[str, str, str, int], dict[str, Any]]] = []
    for path, text in rendered.items():
        if path.endswith(_NOTES_SUFFIX):
            continue
        for index, obj in enumerate(yaml.load_all(text, Loader=yaml.CSafeLoader)):
            if not obj:
                continue
            if not isinstance(obj, dict):
                raise HelmEngineError(f"{path}: document {index} is not a mapping")
            name = str((obj.get("metadata") or {}).get("name", ""))
            objects.append(((str(obj.get("kind", "")), name, path, index), obj))
    return [obj for _, obj in sorted(objects, key=lambda item: item[0])]


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Go writes its log lines straight to file descriptor 2; park them in /dev/null."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def lint_chart(
    chart_dir: Path | str,
    values: Mapping[str, Any] | None = None,
    *,
    kube_version: str,
    strict: bool = True,
) -> list[LintFinding]:
    """`helm lint` the chart; return its findings (empty when clean), errors first.

    Lint does not report `fail`/`required` messages: render to test those.
    """
    import helm_python

    with _stderr_silenced():
        try:
            report = helm_python.lint(
                os.fspath(prepared_chart_dir(chart_dir)),
                dict(values) if values is not None else None,
                strict=strict,
                kube_version=_v_prefixed(kube_version),
                quiet=False,
            )
        except helm_python.HelmError as err:
            raise HelmEngineError(f"helm lint failed on {chart_dir}: {_error_text(err)}") from err
    findings = [
        LintFinding(
            severity=_SEVERITIES.get(int(msg.get("severity", 0)), "unknown"),
            path=str(msg.get("path", "")),
            message=str(msg.get("error", "")),
        )
        for msg in report.get("messages") or []
    ]
    known = {f.message for f in findings}
    findings += [
        LintFinding("error", str(chart_dir), str(e)) for e in report.get("errors") or [] if e not in known
    ]
    order = {"error": 0, "warning": 1, "info": 2, "unknown": 3}
    return sorted(findings, key=lambda f: (order[f.severity], f.path, f.message))


def _v_prefixed(version: str) -> str:
    return version if version.startswith("v") else f"v{version}"


def render_chart_with_binary(
    helm_binary: str | Path,
    chart_dir: Path | str,
    values: Mapping[str, Any],
    *,
    release_name: str = "rocm-vllm",
    namespace: str = "default",
    kube_version: str | None = None,
    api_versions: Sequence[str] = (),
    include_hooks: bool = True,
) -> dict[str, str]:
    """Render with an external ``helm template``; same result shape and normalization as ``render_chart``."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(dict(values), handle)
        values_file = handle.name
    cmd = [os.fspath(helm_binary), "template", release_name, os.fspath(prepared_chart_dir(chart_dir))]
    cmd += ["--namespace", namespace, "--values", values_file]
    if kube_version is not None:
        cmd += ["--kube-version", _v_prefixed(kube_version)]
    for api_version in api_versions:
        cmd += ["--api-versions", api_version]
    if not include_hooks:
        cmd.append("--no-hooks")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as err:
        raise UsageError(f"cannot run {helm_binary}: {err}") from err
    finally:
        os.unlink(values_file)
    if proc.returncode != 0:
        stderr = proc.stderr.strip()
        if "values don't meet the specifications of the schema" in stderr:
            raise InvalidInputError(f"values rejected by {chart_dir}/values.schema.json:\n{stderr}")
        raise _map_render_error(RuntimeError(stderr))
    return parse_helm_template_output(proc.stdout)


def parse_helm_template_output(stdout: str) -> dict[str, str]:
    """Split `helm template` output on its ``# Source:`` lines into ``{template path: YAML}``."""
    docs: dict[str, list[str]] = {}
    for doc in _DOC_SEPARATOR.split(stdout):
        lines = doc.strip().splitlines()
        if not lines:
            continue
        match = _SOURCE_LINE.match(lines[0])
        if not match:
            continue
        body = "\n".join(lines[1:]).strip()
        if body and _has_content(body):
            docs.setdefault(match.group("path"), []).append(body)
    return {path: "\n---\n".join(docs[path]) + "\n" for path in sorted(docs)}
