"""rocm-vllm: recipes, Helm values and manifests for serving vLLM on AMD Instinct GPUs in Kubernetes."""

from __future__ import annotations

__version__ = "0.1.0"

# The vLLM release inside the pinned image: every flag and env var check uses this version's lists.
VLLM_VERSION = "0.23.0"
