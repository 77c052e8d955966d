"""What a vLLM release accepts: its flags, the env vars it and its platform read, and its choices.

The lists are generated from the published vLLM wheel by scripts/extract_vllm_cli.py and committed under
rocm_vllm/data/, so checks never guess what a version supports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from rocm_vllm import VLLM_VERSION


@dataclass(frozen=True)
class VllmFacts:
    version: str
    flags: dict[str, str]  # "--max-model-len" -> "value" | "switch"
    env_names: frozenset[str]  # read by vLLM itself
    platform_env_names: frozenset[str]  # read by RCCL, HIP, PyTorch, Ray, Hugging Face
    platform_env_prefixes: tuple[str, ...]
    choices: dict[str, tuple[str, ...]]  # dtype / kvCacheDtype / quantization

    def env_is_known(self, name: str) -> bool:
        return (
            name in self.env_names
            or name in self.platform_env_names
            or any(name.startswith(prefix) for prefix in self.platform_env_prefixes)
        )


def release_key(release: str) -> tuple[int, ...]:
    """(major, minor, patch) of a version such as 0.29.0 or 0.23.1rc1: each part's leading digits, for ordering."""
    parts = [*release.split("."), "0", "0"][:3]
    return tuple(int(match.group()) if (match := re.match(r"\d+", part)) else 0 for part in parts)


def _data_text(name: str) -> str:
    return resources.files("rocm_vllm").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def _non_comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=4)
def load_vllm_facts(version: str = VLLM_VERSION) -> VllmFacts:
    flags: dict[str, str] = {}
    for line in _non_comment_lines(_data_text(f"vllm-{version}-flags.txt")):
        name, _, arity = line.partition("\t")
        flags[name.strip()] = arity.strip() or "value"
    env_names = frozenset(_non_comment_lines(_data_text(f"vllm-{version}-env.txt")))
    platform: dict[str, Any] = yaml.safe_load(_data_text("platform-env.yaml")) or {}
    platform_names: set[str] = set()
    for component in (platform.get("components") or {}).values():
        platform_names.update(component.get("names") or ())
    prefixes = tuple(
        sorted(str(p) if isinstance(p, str) else str(p.get("prefix")) for p in platform.get("prefixes") or ())
    )
    choices_raw: dict[str, Any] = yaml.safe_load(_data_text(f"vllm-{version}-choices.yaml"))
    choices = {key: tuple(str(v) for v in values) for key, values in choices_raw.items()}
    return VllmFacts(version, flags, env_names, frozenset(platform_names), prefixes, choices)


@dataclass(frozen=True)
class ImageVersion:
    repository: str
    tag: str
    vllm: str
    source: str
    # Python modules observed inside the image (e.g. mori for the MoRI all-to-all); None: nobody recorded them.
    modules: frozenset[str] | None = None


@dataclass(frozen=True)
class ImageTable:
    default: str
    images: tuple[ImageVersion, ...]

    @property
    def versions(self) -> tuple[str, ...]:
        """Every release that has extracted lists, oldest first."""
        found = {self.default, *(image.vllm for image in self.images)}
        return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


@lru_cache(maxsize=1)
def image_table() -> ImageTable:
    raw: dict[str, Any] = yaml.safe_load(_data_text("vllm-images.yaml"))
    images = tuple(
        ImageVersion(
            str(i["repository"]),
            str(i["tag"]),
            str(i["vllm"]),
            " ".join(str(i["source"]).split()),
            None if i.get("modules") is None else frozenset(str(m) for m in i["modules"]),
        )
        for i in raw["images"]
    )
    return ImageTable(str(raw["default"]), images)


def known_versions() -> tuple[str, ...]:
    return image_table().versions
