"""A cluster's GPUs as node pools: from command-line flags, or from node objects (labels + allocatable).

Node objects come from a live cluster through the `kubernetes` client (imported only here, only when
asked) or from recorded JSON/YAML, which is how the tests exercise the same code without a cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocm_vllm.catalog import Catalog
from rocm_vllm.errors import InvalidInputError, LiveSourceError
from rocm_vllm.yamlio import MAX_INVENTORY_BYTES, PathPart, format_path, load_error, load_yaml_file

DEVICE_ID_LABEL = "amd.com/gpu.device-id"
PRODUCT_NAME_LABEL = "amd.com/gpu.product-name"
# (connect, read) seconds for the API server: a slow or hung cluster fails in bounded time, not forever.
CLUSTER_TIMEOUT_SECONDS = (5, 15)


@dataclass(frozen=True, order=True)
class NodePool:
    """`nodes` nodes that each offer `gpus_per_node` allocatable GPUs of model `gpu`."""

    gpu: str
    gpus_per_node: int
    nodes: int

    def describe(self) -> str:
        return f"{self.nodes} node(s) x {self.gpus_per_node} {self.gpu}"


def gpu_model_for_labels(labels: dict[str, str], catalog: Catalog) -> str | None:
    """The catalog GPU a node's labels name: by PCI device id first (stable across form factors), then by
    product name."""
    device_id = labels.get(DEVICE_ID_LABEL, "").lower()
    product = labels.get(PRODUCT_NAME_LABEL, "")
    for name, gpu in catalog.gpus.items():
        if device_id and device_id in gpu.device_ids:
            return name
    for name, gpu in catalog.gpus.items():
        if product and product in gpu.product_names:
            return name
    return None


def pools_from_nodes(
    nodes: Iterable[dict[str, Any]], catalog: Catalog, resource: str = "amd.com/gpu"
) -> tuple[list[NodePool], list[str]]:
    """Group schedulable GPU nodes (already shape-checked by `checked_nodes`) into pools; also return notes on
    nodes that were left out and why."""
    counts: Counter[tuple[str, int]] = Counter()
    notes = []
    for node in nodes:
        metadata = node.get("metadata") or {}
        name = metadata.get("name", "?")
        labels = metadata.get("labels") or {}
        spec = node.get("spec") or {}
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        raw = allocatable.get(resource)
        if raw in (None, "0", 0):
            continue
        if spec.get("unschedulable"):
            notes.append(f"{name}: cordoned, left out")
            continue
        try:
            gpus = int(str(raw))
        except ValueError:
            notes.append(f"{name}: allocatable {resource}={raw!r} is not a whole number, left out")
            continue
        if gpus < 0:
            notes.append(f"{name}: allocatable {resource}={raw!r} is negative, left out")
            continue
        model = gpu_model_for_labels(labels, catalog)
        if model is None:
            notes.append(
                f"{name}: {gpus} GPU(s) but labels {DEVICE_ID_LABEL}={labels.get(DEVICE_ID_LABEL)!r} "
                f"{PRODUCT_NAME_LABEL}={labels.get(PRODUCT_NAME_LABEL)!r} match no catalog GPU; left out"
            )
            continue
        counts[(model, gpus)] += 1
    pools = sorted(NodePool(gpu, per_node, count) for (gpu, per_node), count in counts.items())
    return pools, notes


def _node_problem(node: Any) -> tuple[tuple[PathPart, ...], str] | None:
    """What makes one node object unusable (relative path, reason), or None. Only the fields we read matter."""
    if not isinstance(node, dict):
        return (), "a node must be a mapping (a Node object)"
    metadata = node.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        return ("metadata",), "a node needs metadata.name (the answer is partial or not a Node)"
    labels = metadata.get("labels")
    if labels is not None and (
        not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values())
    ):
        return ("metadata", "labels"), "metadata.labels must map label names to strings"
    for field_path in (("spec",), ("status",), ("status", "allocatable")):
        value: Any = node
        for part in field_path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, dict):
            return field_path, f"{'.'.join(field_path)} must be a mapping"
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    for key, amount in allocatable.items():
        if not isinstance(amount, (str, int)) or isinstance(amount, bool):
            return ("status", "allocatable", key), f"status.allocatable.{key} must be a quantity string"
    return None


def checked_nodes(
    data: Any, source: str, line_of: Callable[[tuple[PathPart, ...]], int | None] | None = None
) -> list[Any]:
    """The node objects of a NodeList (`{"items": [...]}`) or a bare list, every one of the shape we read;
    anything else is an InvalidInputError naming `source` (and the line, for a file)."""

    def fail(parts: tuple[PathPart, ...], message: str) -> InvalidInputError:
        if line_of is not None:
            return load_error(source, line_of(parts) or 1, message, parts)
        return LiveSourceError(f"{source}: {format_path(parts)}: {message}")

    prefix: tuple[PathPart, ...]
    if isinstance(data, dict):
        if not isinstance(data.get("items"), list):
            raise fail((), "expected a NodeList (`kubectl get nodes -o json`) with an items list")
        items, prefix = data["items"], ("items",)
    elif isinstance(data, list):
        items, prefix = data, ()
    else:
        raise fail((), "expected a NodeList (`kubectl get nodes -o json`) or a list of nodes")
    for index, node in enumerate(items):
        problem = _node_problem(node)
        if problem is not None:
            parts, message = problem
            raise fail((*prefix, index, *parts), message)
    return list(items)


def nodes_from_file(path: Path) -> list[Any]:
    """Recorded node objects (JSON or YAML) through the hardened loader, shape-checked."""
    document = load_yaml_file(path, max_bytes=MAX_INVENTORY_BYTES)
    return checked_nodes(document.data, str(path), document.line_of)


def _core_api(context: str | None) -> Any:
    """A CoreV1Api for the kubeconfig context (or the in-cluster config); InvalidInputError when neither loads."""
    try:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException
    except ImportError:
        raise InvalidInputError(
            "--from-cluster needs the kubernetes client: pip install 'rocm-vllm[cluster]'"
        ) from None
    try:
        config.load_kube_config(context=context)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError, TypeError, ValueError) as kube_error:
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        except ConfigException:
            reason = _one_line(kube_error)
            raise LiveSourceError(f"cannot load a kubeconfig or in-cluster config: {reason}") from None
    configuration = client.Configuration.get_default_copy()
    configuration.retries = 0  # one bounded attempt: the timeouts below are the whole wait
    return client.CoreV1Api(client.ApiClient(configuration))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def nodes_from_cluster(context: str | None = None) -> list[Any]:
    """Node objects of the current kubeconfig context, asked with a bounded wait (connect and read timeouts);
    an unreachable, slow or malformed answer is a one-line LiveSourceError naming the cluster."""
    source = f"cluster (context {context})" if context else "cluster (current kubeconfig context)"
    wait = sum(CLUSTER_TIMEOUT_SECONDS)
    api = _core_api(context)
    try:
        node_list = api.list_node(_request_timeout=CLUSTER_TIMEOUT_SECONDS)
        raw = api.api_client.sanitize_for_serialization(node_list)
    except Exception as error:
        raise LiveSourceError(
            f"cluster unreachable: {source} gave no node list within {wait} s: {_one_line(error)}"
        ) from None
    if isinstance(raw, dict) and (raw.get("metadata") or {}).get("continue"):
        raise LiveSourceError(f"{source}: the node list is partial (a continue token came back); try again")
    return checked_nodes(raw, source)
