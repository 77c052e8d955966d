"""The image must be pinned, and carry the vLLM version whose flags and env vars the checks use."""

from __future__ import annotations

import re

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, finding_at

CHECK = "image"
FLOATING_TAGS = frozenset({"latest", "nightly", "main", "dev", "stable", "edge", "master"})
# rocm/vllm:..._vllm_0.23.0, vllm/vllm-openai-rocm:v0.23.0, rocm/vllm-dev:..._vllm_0.23.0_...
VLLM_IN_TAG = re.compile(r"(?:vllm[_-]?|^v)(\d+\.\d+\.\d+)")


def check_image(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r = resolved.recipe
    if r.image_tag is None:
        return []
    tag = r.image_tag
    if tag.lower() in FLOATING_TAGS or tag.lower().startswith(("latest-", "nightly-")):
        return [
            finding_at(
                r.document,
                ("image", "tag"),
                CHECK,
                f"tag {tag!r} moves over time; pin a published release tag (see the chart's "
                "values.yaml for the pinned one)",
            )
        ]
    match = VLLM_IN_TAG.search(tag)
    if match is None:
        return [
            finding_at(
                r.document,
                ("image", "tag"),
                CHECK,
                f"cannot tell which vLLM version tag {tag!r} carries; use a tag naming it "
                f"(for example ..._vllm_{context.vllm.version}) so flags can be checked",
            )
        ]
    if match.group(1) != context.vllm.version:
        return [
            finding_at(
                r.document,
                ("image", "tag"),
                CHECK,
                f"tag {tag!r} carries vLLM {match.group(1)}, but flags and env vars are checked "
                f"against vLLM {context.vllm.version}; use an image with vLLM {context.vllm.version}",
            )
        ]
    return []
