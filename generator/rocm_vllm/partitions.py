"""AMD Instinct compute/memory partition profiles: their spelling, the names Kubernetes sees them by, and what one
partition of a GPU is.

A profile is `<compute>_<memory>` in lower case (`cpx_nps4`), the way the ROCm device plugin names its "mixed"
resources (`amd.com/cpx_nps4`, from sysfs current_compute_partition/current_memory_partition lower-cased) and the
AMD DRA driver spells its `partitionProfile` attribute (`spx_nps1`). Sources: docs/research/issues-13-15-facts.md
sections o and p (k8s-device-plugin docs/user-guide/configuration.md; cmd/k8s-node-labeller/main.go;
k8s-gpu-dra-driver docs/driver-attributes.md; amdgpu-docs gpu-partitioning/mi300x/overview.rst).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROFILE_PATTERN = re.compile(r"^(spx|dpx|qpx|cpx)_nps[124]$")
# The node labeller's partition label: its code writes the first, its docs (and the GPU operator's) the second.
PARTITION_LABELS = ("amd.com/gpu.compute-memory-partition", "amd.com/compute-memory-partition")
WHOLE_GPU_RESOURCE = "amd.com/gpu"
# The "mixed" naming strategy's resources: amd.com/<compute>_<memory>.
MIXED_RESOURCE_PATTERN = re.compile(r"^amd\.com/((spx|dpx|qpx|cpx)_nps[124])$")
DRA_DRIVER = "gpu.amd.com"
DRA_WHOLE_GPU_TYPE = "amdgpu"
DRA_PARTITION_TYPE = "amdgpu-partition"
# A single-partition profile: one device per GPU, the whole GPU.
WHOLE_GPU_PROFILES = frozenset({"spx_nps1"})


@dataclass(frozen=True)
class PartitionMode:
    """One partition profile a GPU supports: `devices` partitions per GPU (each 1/devices of its memory and compute
    units); `confirmed` is false where the mode or its sizes come from arithmetic, not from AMD's documentation."""

    profile: str
    devices: int
    confirmed: bool


def partition_from_labels(labels: dict[str, str]) -> str | None:
    """The partition profile a node's labels name (either spelling of the node labeller's label), or None."""
    for key in PARTITION_LABELS:
        value = labels.get(key, "").strip().lower()
        if value:
            return value
    return None


def mixed_resource_profile(resource: str) -> str | None:
    """The profile of a "mixed" strategy resource name (amd.com/cpx_nps4 -> cpx_nps4), or None."""
    found = MIXED_RESOURCE_PATTERN.match(resource)
    return found.group(1) if found else None
