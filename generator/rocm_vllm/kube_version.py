"""The one default Kubernetes version every command renders and validates for, unless told otherwise."""

from __future__ import annotations

# Helm's engine renders for this version when none is given; objects are validated against the same one.
DEFAULT_KUBE_VERSION = "1.36.0"
