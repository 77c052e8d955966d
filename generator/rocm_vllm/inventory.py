"""A cluster's GPUs as node pools: from command-line flags, or from node objects (labels + allocatable).

Node objects come from a live cluster through the `kubernetes` client (imported only here, only when
asked) or from recorded JSON/YAML, which is how the tests exercise the same code without a cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rocm_vllm.catalog import Catalog
from rocm_vllm.errors import InvalidInputError

DEVICE_ID_LABEL = "amd.com/gpu.device-id"
PRODUCT_NAME_LABEL = "amd.com/gpu.product-name"


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
    """Group schedulable GPU nodes into pools; also return notes on nodes that were left out and why."""
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


def nodes_from_cluster(context: str | None = None) -> list[dict[str, Any]]:
    """Node objects of the current kubeconfig context; errors become InvalidInputError with the reason."""
    try:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException
    except ImportError:
        raise InvalidInputError(
            "--from-cluster needs the kubernetes client: pip install 'rocm-vllm[cluster]'"
        ) from None
    try:
        config.load_kube_config(context=context)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError, TypeError) as kube_error:
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        except ConfigException:
            raise InvalidInputError(f"cannot load a kubeconfig or in-cluster config: {kube_error}") from None
    try:
        api = client.CoreV1Api()
        node_list = api.list_node(_request_timeout=15)
        raw: list[dict[str, Any]] = api.api_client.sanitize_for_serialization(node_list).get("items", [])
        return raw
    except Exception as error:
        raise InvalidInputError(
            f"cluster unreachable: cannot list nodes: {type(error).__name__}: {error}"
        ) from None
