"""Validate rendered Kubernetes objects, offline, the way a strict API server would.

- Built-in kinds: the strict OpenAPI schemas kubernetes-validate bundles for each Kubernetes minor version
  (unknown fields are errors; an API removed in that version has no schema, so it is an error too).
- Custom resources: the ``openAPIV3Schema`` of the object's version in its CRD, made strict like the API
  server's field validation (``additionalProperties: false`` wherever the schema lists ``properties`` and does
  not preserve unknown fields); explicit ``null`` counts as absent. The object's ``metadata`` is checked against
  the same Kubernetes version's ObjectMeta. The schemas ship in the package (``data/crd-schemas/``, extracted
  from pinned upstream CRDs by ``scripts/extract_crd_schemas.py``); a folder of CRD files named by
  ``$ROCM_VLLM_CRD_DIR`` (or ``crd_dir``) adds kinds or replaces shipped ones, for clusters on other versions.
- A kind with neither a built-in schema nor a CRD is a problem, never skipped.

Validators are compiled once per (schema version, apiVersion, kind) and cached: kubernetes-validate's own
``validate`` re-reads its schema files on every call (about 10 ms against 0.3 ms cached).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from rocm_vllm.errors import UsageError

CRD_DIR_ENV = "ROCM_VLLM_CRD_DIR"
_K8S_ID = "https://kubernetes.io/api/"
_OBJECT_META_REF = "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

CrdKey = tuple[str, str, str]  # (group, version, kind)


def crd_override_dir() -> Path | None:
    """The folder of extra CRD files named by ``$ROCM_VLLM_CRD_DIR``, if any."""
    env = os.environ.get(CRD_DIR_ENV)
    return Path(env) if env else None


def shipped_crd_schemas_dir() -> Path:
    import importlib.resources

    return Path(str(importlib.resources.files("rocm_vllm") / "data" / "crd-schemas"))


def _parse_version(version: str) -> tuple[int, int]:
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$", version)
    if not match:
        raise UsageError(f"not a Kubernetes version: {version!r} (expected e.g. 1.33.0)")
    return int(match.group(1)), int(match.group(2))


@functools.cache
def _schema_root() -> Path:
    import importlib.resources

    root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return Path(str(root))


@functools.cache
def _bundled_versions() -> tuple[tuple[int, int], ...]:
    found = set()
    for entry in _schema_root().iterdir():
        match = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", entry.name)
        if match:
            found.add((int(match.group(1)), int(match.group(2))))
    return tuple(sorted(found))


def schema_version_for(kube_version: str) -> tuple[int, int]:
    """The bundled schema version used for a Kubernetes version: the newest one not newer than it."""
    wanted = _parse_version(kube_version)
    candidates = [v for v in _bundled_versions() if v <= wanted]
    if not candidates or wanted > _bundled_versions()[-1]:
        low, high = _bundled_versions()[0], _bundled_versions()[-1]
        raise UsageError(
            f"Kubernetes {kube_version}: kubernetes-validate bundles schemas for "
            f"{low[0]}.{low[1]} to {high[0]}.{high[1]} only"
        )
    return candidates[-1]


def _schema_dir(version: tuple[int, int]) -> Path:
    return _schema_root() / f"v{version[0]}.{version[1]}.0-local-strict"


@functools.cache
def _k8s_registry(version: tuple[int, int]) -> Any:
    from referencing import Registry, Resource

    definitions = json.loads((_schema_dir(version) / "_definitions.json").read_text())
    registry: Any = Registry()
    return Resource.from_contents(definitions) @ registry


def _schema_file_name(api_version: str, kind: str) -> str:
    # rbac.authorization.k8s.io/v1 -> rbac-v1, apps/v1 -> apps-v1, v1 -> v1 (kubernetes-validate's naming)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@functools.cache
def _builtin_validator(version: tuple[int, int], api_version: str, kind: str) -> Any | None:
    from jsonschema.validators import Draft202012Validator
    from referencing import Resource

    path = _schema_dir(version) / _schema_file_name(api_version, kind)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    schema.setdefault("$id", f"{_K8S_ID}{path.name}")
    registry = Resource.from_contents(schema) @ _k8s_registry(version)
    return Draft202012Validator(schema, registry=registry)


@functools.cache
def _object_meta_validator(version: tuple[int, int]) -> Any:
    from jsonschema.validators import Draft202012Validator

    schema = {"$id": f"{_K8S_ID}objectmeta.json", "$ref": _OBJECT_META_REF}
    return Draft202012Validator(schema, registry=_k8s_registry(version))


def _strict(schema: Any) -> Any:
    """Add ``additionalProperties: false`` where a CRD schema lists properties and keeps no unknown fields."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def shipped_crd_index() -> dict[CrdKey, dict[str, Any]]:
    """(group, version, kind) -> openAPIV3Schema, for every served version of every CRD shipped with the package."""
    index: dict[CrdKey, dict[str, Any]] = {}
    for path in sorted(shipped_crd_schemas_dir().glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        for version, schema in document["versions"].items():
            index[(document["group"], version, document["kind"])] = schema
    return index


@functools.cache
def _crd_dir_index(crd_dir: Path) -> dict[CrdKey, dict[str, Any]]:
    """(group, version, kind) -> openAPIV3Schema, for every served version of every CRD file in crd_dir."""
    index: dict[CrdKey, dict[str, Any]] = {}
    if not crd_dir.is_dir():
        raise UsageError(f"{crd_dir}: no such CRD folder (from {CRD_DIR_ENV} or --crd-dir)")
    for path in sorted(crd_dir.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        try:
            docs = list(yaml.load_all(path.read_text("utf-8"), Loader=yaml.CSafeLoader))
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            raise UsageError(f"{path}: not a CRD file: {str(error).splitlines()[0]}") from error
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec.get("versions", []):
                if not version.get("served", True):
                    continue
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema is not None:
                    index[(spec["group"], version["name"], spec["names"]["kind"])] = schema
    return index


@functools.cache
def _crd_validator(crd_dir: Path | None, group: str, version: str, kind: str) -> Any | None:
    from jsonschema.validators import Draft4Validator

    key = (group, version, kind)
    schema = (_crd_dir_index(crd_dir) if crd_dir is not None else {}).get(key) or shipped_crd_index().get(key)
    if schema is None:
        return None
    schema = _strict(schema)  # a new tree: the cached shipped schema stays as loaded
    # metadata is checked against ObjectMeta separately; the CRD only says "type: object". apiVersion and kind
    # are every object's, whether or not a CRD's schema lists them.
    properties = schema.setdefault("properties", {})
    properties["metadata"] = {"type": "object"}
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    return Draft4Validator(schema)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _error_path(error: Any) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _messages(validator: Any, instance: Any, prefix: str = "") -> list[str]:
    from jsonschema.exceptions import best_match

    messages = []
    for error in validator.iter_errors(instance):
        shown = best_match(error.context) if error.context else error
        path = _error_path(shown)
        if prefix:
            path = prefix if path == "(root)" else f"{prefix}.{path}"
        messages.append(f"{path}: {shown.message}")
    return sorted(set(messages))


def _object_label(obj: Mapping[str, Any]) -> str:
    name = (obj.get("metadata") or {}).get("name", "<unnamed>")
    return f"{obj.get('kind', '<no kind>')}/{name}"


def validate_objects(
    objects: Iterable[Mapping[str, Any]],
    kube_version: str,
    crd_dir: Path | None = None,
) -> list[str]:
    """Return every problem found, as ``"Kind/name: path: message"``; an empty list means all valid."""
    version = schema_version_for(kube_version)
    extra = crd_dir if crd_dir is not None else crd_override_dir()
    crds = extra.resolve() if extra is not None else None
    problems: list[str] = []
    for obj in objects:
        label = _object_label(obj)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            problems.append(f"{label}: (root): apiVersion and kind are required strings")
            continue
        validator = _builtin_validator(version, api_version, kind)
        if validator is not None:
            problems += [f"{label}: {msg}" for msg in _messages(validator, dict(obj))]
            continue
        group, _, group_version = api_version.rpartition("/")
        crd_validator = _crd_validator(crds, group, group_version, kind) if group else None
        if crd_validator is None:
            problems.append(
                f"{label}: (root): no schema for {api_version} {kind}: not a built-in API of Kubernetes "
                f"{version[0]}.{version[1]} and no CRD schema shipped for it"
                + (f" or in {crds}" if crds is not None else f" (set {CRD_DIR_ENV} to a folder of CRD files)")
            )
            continue
        instance = _drop_nulls(dict(obj))
        problems += [f"{label}: {msg}" for msg in _messages(crd_validator, instance)]
        meta_validator = _object_meta_validator(version)
        problems += [
            f"{label}: {msg}" for msg in _messages(meta_validator, instance.get("metadata") or {}, "metadata")
        ]
    return problems
