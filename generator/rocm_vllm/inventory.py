"""A cluster's GPUs as node pools: from command-line flags, from node objects (labels + allocatable), or from DRA
ResourceSlices of the AMD DRA driver.

Partitioned GPUs are pools of partitions, never of whole GPUs: under the device plugin's "single" naming strategy a
partition is `amd.com/gpu` too, told apart only by the node labeller's partition label; under "mixed" it is
`amd.com/<compute>_<memory>`; a ResourceSlice device says it with its `type` and `partitionProfile` attributes.

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
from rocm_vllm.partitions import (
    DRA_DRIVER,
    DRA_PARTITION_TYPE,
    DRA_WHOLE_GPU_TYPE,
    WHOLE_GPU_PROFILES,
    mixed_resource_profile,
    partition_from_labels,
)
from rocm_vllm.yamlio import MAX_INVENTORY_BYTES, PathPart, format_path, load_error, load_yaml_file

DEVICE_ID_LABEL = "amd.com/gpu.device-id"
PRODUCT_NAME_LABEL = "amd.com/gpu.product-name"
# (connect, read) seconds for the API server: a slow or hung cluster fails in bounded time, not forever.
CLUSTER_TIMEOUT_SECONDS = (5, 15)


@dataclass(frozen=True, order=True)
class NodePool:
    """`nodes` nodes that each offer `gpus_per_node` allocatable devices of model `gpu`: whole GPUs, or partitions
    of profile `partition` (e.g. cpx_nps4) when it is set."""

    gpu: str
    gpus_per_node: int
    nodes: int
    partition: str = ""

    def describe(self) -> str:
        if self.partition:
            return f"{self.nodes} node(s) x {self.gpus_per_node} {self.gpu} {self.partition} partitions"
        return f"{self.nodes} node(s) x {self.gpus_per_node} {self.gpu}"


def whole_or_partition(profile: str | None) -> str:
    """A pool's partition field: "" for whole GPUs (no profile, or a one-partition profile such as spx_nps1)."""
    return "" if profile is None or profile in WHOLE_GPU_PROFILES else profile


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


def _device_resources(allocatable: dict[str, Any], labels: dict[str, str], resource: str) -> dict[str, str]:
    """The node's GPU resources -> the partition each counts ("" whole GPUs): `resource` (amd.com/gpu, whole GPUs
    unless the partition label names a partition profile) and every "mixed" strategy amd.com/<compute>_<memory>."""
    found = {}
    if allocatable.get(resource) not in (None, "0", 0):
        found[resource] = whole_or_partition(partition_from_labels(labels))
    for key in sorted(allocatable):
        profile = mixed_resource_profile(key)
        if profile is not None and allocatable[key] not in ("0", 0):
            found[key] = whole_or_partition(profile)
    return found


def pools_from_nodes(
    nodes: Iterable[dict[str, Any]],
    catalog: Catalog,
    resource: str = "amd.com/gpu",
    skip_nodes: frozenset[str] = frozenset(),
) -> tuple[list[NodePool], list[str]]:
    """Group schedulable GPU nodes (already shape-checked by `checked_nodes`) into pools, one per GPU model,
    partition profile and device count; also return notes on nodes that were left out and why. Nodes named in
    `skip_nodes` (their GPUs already counted from ResourceSlices) are left out silently."""
    counts: Counter[tuple[str, str, int]] = Counter()
    notes = []
    for node in nodes:
        metadata = node.get("metadata") or {}
        name = metadata.get("name", "?")
        labels = metadata.get("labels") or {}
        spec = node.get("spec") or {}
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        resources = _device_resources(allocatable, labels, resource)
        if not resources or name in skip_nodes:
            continue
        if spec.get("unschedulable"):
            notes.append(f"{name}: cordoned, left out")
            continue
        model = gpu_model_for_labels(labels, catalog)
        for key, partition in resources.items():
            raw = allocatable[key]
            try:
                devices = int(str(raw))
            except ValueError:
                notes.append(f"{name}: allocatable {key}={raw!r} is not a whole number, left out")
                continue
            if devices < 0:
                notes.append(f"{name}: allocatable {key}={raw!r} is negative, left out")
                continue
            if model is None:
                notes.append(
                    f"{name}: {devices} {key} but labels {DEVICE_ID_LABEL}={labels.get(DEVICE_ID_LABEL)!r} "
                    f"{PRODUCT_NAME_LABEL}={labels.get(PRODUCT_NAME_LABEL)!r} match no catalog GPU; left out"
                )
                continue
            if partition and catalog.gpus[model].partition_mode(partition) is None:
                notes.append(
                    f"{name}: {devices} {model} partitions in mode {partition}, which the GPU catalog does not "
                    f"list for {model}; left out"
                )
                continue
            counts[(model, partition, devices)] += 1
    pools = sorted(
        NodePool(gpu, per_node, count, partition) for (gpu, partition, per_node), count in counts.items()
    )
    return pools, notes


def _slice_attributes(device: dict[str, Any], driver: str) -> dict[str, Any]:
    """A ResourceSlice device's attributes by short name with their values unwrapped ({"string": "x"} -> "x"):
    resource.k8s.io/v1 and v1beta2 keep them on the device, v1beta1 under `basic`; the driver's own attributes
    may be written qualified (gpu.amd.com/type) or not (type)."""
    basic = device.get("basic")
    holder: dict[str, Any] = basic if isinstance(basic, dict) else device
    raw = holder.get("attributes") or {}
    out: dict[str, Any] = {}
    if not isinstance(raw, dict):
        return out
    for key, wrapped in raw.items():
        short = key.removeprefix(f"{driver}/")
        if isinstance(wrapped, dict) and len(wrapped) == 1:
            out[short] = next(iter(wrapped.values()))
    return out


def _gpu_model_for_attributes(attributes: dict[str, Any], catalog: Catalog) -> str | None:
    """The catalog GPU a DRA device's attributes name: deviceID (0x74a1) first, then productName."""
    device_id = str(attributes.get("deviceID", "")).lower().removeprefix("0x")
    product = str(attributes.get("productName", ""))
    return gpu_model_for_labels({DEVICE_ID_LABEL: device_id, PRODUCT_NAME_LABEL: product}, catalog)


def pools_from_resource_slices(
    slices: Iterable[dict[str, Any]], catalog: Catalog
) -> tuple[list[NodePool], list[str], frozenset[str]]:
    """Pools from the AMD DRA driver's ResourceSlices (driver gpu.amd.com): per node, devices of type amdgpu are
    whole GPUs and devices of type amdgpu-partition partitions of their partitionProfile. Also returns notes and
    the names of the nodes counted (their allocatable, if any, must not be counted again)."""
    per_node: dict[str, Counter[tuple[str, str]]] = {}
    notes = []
    for item in slices:
        spec = item.get("spec") if isinstance(item, dict) else None
        if not isinstance(spec, dict) or spec.get("driver") != DRA_DRIVER:
            continue
        node = spec.get("nodeName")
        devices = spec.get("devices") or []
        if not isinstance(node, str) or not node or not isinstance(devices, list):
            continue
        counter = per_node.setdefault(node, Counter())
        for device in devices:
            if not isinstance(device, dict):
                continue
            attributes = _slice_attributes(device, DRA_DRIVER)
            kind = attributes.get("type")
            if kind not in (DRA_WHOLE_GPU_TYPE, DRA_PARTITION_TYPE):
                continue
            model = _gpu_model_for_attributes(attributes, catalog)
            if model is None:
                notes.append(
                    f"{node}: DRA device {device.get('name', '?')!r} (deviceID {attributes.get('deviceID')!r}, "
                    f"productName {attributes.get('productName')!r}) matches no catalog GPU; left out"
                )
                continue
            profile = attributes.get("partitionProfile")
            partition = whole_or_partition(str(profile) if kind == DRA_PARTITION_TYPE and profile else None)
            if kind == DRA_PARTITION_TYPE and not partition:
                notes.append(
                    f"{node}: DRA partition device {device.get('name', '?')!r} has no partitionProfile"
                )
                continue
            counter[(model, partition)] += 1
    counts: Counter[tuple[str, str, int]] = Counter()
    for counter in per_node.values():
        for (model, partition), devices in counter.items():
            counts[(model, partition, devices)] += 1
    pools = sorted(
        NodePool(gpu, per_node_count, nodes, partition)
        for (gpu, partition, per_node_count), nodes in counts.items()
    )
    counted = frozenset(node for node, counter in per_node.items() if counter)
    return pools, notes, counted


def merge_pools(*groups: Iterable[NodePool]) -> list[NodePool]:
    """Pools of the same GPU, partition and size from several sources, added up."""
    counts: Counter[tuple[str, int, str]] = Counter()
    for group in groups:
        for pool in group:
            counts[(pool.gpu, pool.gpus_per_node, pool.partition)] += pool.nodes
    return sorted(NodePool(gpu, per, nodes, part) for (gpu, per, part), nodes in counts.items())


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
    """A CoreV1Api for the kubeconfig context (or the in-cluster config); InvalidInputError when neither loads.
    Its api_client also serves the other API groups (ResourceSlices)."""
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


# ResourceSlices: resource.k8s.io/v1 from Kubernetes 1.34, v1beta2 on 1.33, v1beta1 on 1.32 (newest first).
RESOURCE_SLICE_APIS = ("ResourceV1Api", "ResourceV1beta2Api", "ResourceV1beta1Api")


def checked_slices(
    data: Any, source: str, line_of: Callable[[tuple[PathPart, ...]], int | None] | None = None
) -> list[Any]:
    """The ResourceSlice objects of a list (`kubectl get resourceslices -o json`) or a bare list, each a mapping
    with a `spec` mapping; anything else is an InvalidInputError naming `source` (and the line, for a file)."""

    def fail(parts: tuple[PathPart, ...], message: str) -> InvalidInputError:
        if line_of is not None:
            return load_error(source, line_of(parts) or 1, message, parts)
        return LiveSourceError(f"{source}: {format_path(parts)}: {message}")

    prefix: tuple[PathPart, ...] = ()
    items = data
    if isinstance(data, dict):
        items, prefix = data.get("items"), ("items",)
    if not isinstance(items, list):
        raise fail(
            (), "expected a ResourceSliceList (`kubectl get resourceslices -o json`) with an items list"
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("spec"), dict):
            raise fail((*prefix, index), "a ResourceSlice must be a mapping with a spec mapping")
        devices = item["spec"].get("devices")
        if devices is not None and not isinstance(devices, list):
            raise fail((*prefix, index, "spec", "devices"), "spec.devices must be a list")
    return list(items)


def slices_from_file(path: Path) -> list[Any]:
    """Recorded ResourceSlice objects (JSON or YAML) through the hardened loader, shape-checked."""
    document = load_yaml_file(path, max_bytes=MAX_INVENTORY_BYTES)
    return checked_slices(document.data, str(path), document.line_of)


def _resource_slice_apis(api_client: Any) -> list[Any]:
    """The resource.k8s.io clients to ask for ResourceSlices, newest version first."""
    from kubernetes import client

    return [getattr(client, name)(api_client) for name in RESOURCE_SLICE_APIS]


def slices_from_cluster(context: str | None = None) -> list[Any]:
    """The cluster's ResourceSlices from the newest resource.k8s.io version it serves; [] when it serves none
    (no DRA: Kubernetes older than 1.32, or the API group off)."""
    source = f"cluster (context {context})" if context else "cluster (current kubeconfig context)"
    api_client = _core_api(context).api_client
    for api in _resource_slice_apis(api_client):
        try:
            answer = api.list_resource_slice(_request_timeout=CLUSTER_TIMEOUT_SECONDS)
        except Exception as error:
            if getattr(error, "status", None) == 404:  # kubernetes ApiException: this version is not served
                continue
            raise LiveSourceError(f"{source}: listing ResourceSlices failed: {_one_line(error)}") from None
        return checked_slices(api_client.sanitize_for_serialization(answer), source)
    return []
