"""The image must be pinned, and carry the vLLM version whose flags and env vars the checks use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.vllm_facts import image_table

CHECK = "image"
FLOATING_TAGS = frozenset({"latest", "nightly", "main", "dev", "stable", "edge", "master"})
# rocm/vllm:..._vllm_0.23.0, vllm/vllm-openai-rocm:v0.23.0, rocm/vllm-dev:..._vllm_0.23.0_...
VLLM_IN_TAG = re.compile(r"(?:vllm[_-]?|^v)(\d+\.\d+\.\d+)")


@dataclass(frozen=True)
class ImageRelease:
    """The vLLM release a recipe's image carries, and what to say about how it was found."""

    version: str | None  # None: cannot be told or has no lists; checks then use the default release
    message: str | None = None
    severity: Severity = Severity.ERROR


def image_release(repository: str | None, tag: str | None) -> ImageRelease:
    """The image -> vLLM table first (data/vllm-images.yaml), then the version the tag names."""
    table = image_table()
    if tag is None:
        return ImageRelease(table.default)
    if tag.lower() in FLOATING_TAGS or tag.lower().startswith(("latest-", "nightly-")):
        return ImageRelease(
            None,
            f"tag {tag!r} moves over time; pin a published release tag (see the chart's "
            "values.yaml for the pinned one)",
        )
    repo = repository or "rocm/vllm"
    listed = next((i for i in table.images if i.tag == tag and i.repository == repo), None)
    if listed is not None:
        return ImageRelease(listed.vllm)
    match = VLLM_IN_TAG.search(tag)
    known = ", ".join(table.versions)
    if match is None:
        return ImageRelease(
            None,
            f"cannot tell which vLLM version tag {tag!r} carries; use a tag naming it "
            f"(for example ..._vllm_{table.default}); flags are known for vLLM {known}",
        )
    version = match.group(1)
    if version not in table.versions:
        return ImageRelease(
            None,
            f"tag {tag!r} carries vLLM {version}, but flags, env vars and choices are known only for "
            f"vLLM {known}; use an image with one of those",
        )
    return ImageRelease(
        version,
        f"{repo}:{tag} is not in the image table (rocm_vllm/data/vllm-images.yaml); checked against "
        f"vLLM {version}, the version its tag names",
        Severity.WARNING,
    )


def check_image(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r = resolved.recipe
    release = image_release(r.image_repository, r.image_tag)
    if release.message is None:
        return []
    return [finding_at(r.document, ("image", "tag"), CHECK, release.message, severity=release.severity)]
