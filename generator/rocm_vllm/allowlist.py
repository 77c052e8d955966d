"""A user's allow-list: env vars and `vllm serve` flags the built-in lists lack, each with the reason.

AMD's `rocm/vllm` images and forks read names upstream vLLM does not (and add flags); a team that knows
one can allow it without waiting for a release. The file is YAML, read with the hardened loader:

    env:
      - name: MY_KERNEL_KNOB
        reason: read by our patched aiter build (see runbook 12)
    flags:
      - name: --my-fork-flag
        arity: value          # value | switch | optional | list | json (as in vllm-<version>-flags.txt)
        reason: added by ROCm/vllm's fork

Every entry needs a non-empty `reason`: an allowed name nobody can explain is how dead settings pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.yamlio import LoadedDocument, load_error, load_mapping_file

ARITIES = ("value", "switch", "optional", "list", "json")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FLAG_NAME = re.compile(r"^--?[A-Za-z0-9][A-Za-z0-9-]*$")


@dataclass(frozen=True)
class AllowList:
    env: dict[str, str] = field(default_factory=dict)  # name -> reason
    flags: dict[str, str] = field(default_factory=dict)  # option -> arity
    flag_reasons: dict[str, str] = field(default_factory=dict)  # option -> reason

    def merged(self, other: AllowList) -> AllowList:
        return AllowList(
            {**self.env, **other.env},
            {**self.flags, **other.flags},
            {**self.flag_reasons, **other.flag_reasons},
        )


def _entries(document: LoadedDocument, key: str) -> list[tuple[int, dict[str, Any]]]:
    raw = document.data.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise load_error(
            document.path, document.line_of((key,)) or 1, f"{key} must be a list of entries", (key,)
        )
    entries = []
    for index, entry in enumerate(raw):
        parts = (key, index)
        line = document.line_of(parts) or 1
        if not isinstance(entry, dict):
            raise load_error(document.path, line, "each entry is a mapping with name and reason", parts)
        allowed = {"name", "reason", "arity"} if key == "flags" else {"name", "reason"}
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise load_error(
                document.path,
                line,
                f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}",
                parts,
            )
        for required in ("name", "reason"):
            value = entry.get(required)
            if not isinstance(value, str) or not value.strip():
                raise load_error(
                    document.path,
                    document.line_of((*parts, required)) or line,
                    f"{required} is required and must be a non-empty string",
                    (*parts, required),
                )
        entries.append((index, entry))
    return entries


def load_allow_file(path: Path) -> AllowList:
    """The allow-list in `path`; a malformed file is an InputFileError naming file, line and path."""
    document = load_mapping_file(path, "an allow-list file")
    unknown = sorted(set(document.data) - {"env", "flags"})
    if unknown:
        raise load_error(
            path, document.line_of((unknown[0],)) or 1, "allowed keys: env, flags", (unknown[0],)
        )
    env: dict[str, str] = {}
    for index, entry in _entries(document, "env"):
        name = entry["name"]
        if not ENV_NAME.match(name):
            where: tuple[str | int, ...] = ("env", index, "name")
            raise load_error(path, document.line_of(where) or 1, f"{name!r} is not an env var name", where)
        env[name] = entry["reason"].strip()
    flags: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for index, entry in _entries(document, "flags"):
        name, arity = entry["name"], entry.get("arity", "value")
        parts: tuple[str | int, ...] = ("flags", index)
        if not FLAG_NAME.match(name):
            raise load_error(
                path,
                document.line_of((*parts, "name")) or 1,
                f"{name!r} is not a flag (--name)",
                (*parts, "name"),
            )
        if arity not in ARITIES:
            raise load_error(
                path,
                document.line_of((*parts, "arity")) or 1,
                f"arity must be one of {', '.join(ARITIES)}",
                (*parts, "arity"),
            )
        flags[name] = arity
        reasons[name] = entry["reason"].strip()
    return AllowList(env, flags, reasons)


def load_allow_files(paths: tuple[Path, ...] | list[Path]) -> AllowList:
    result = AllowList()
    for path in paths:
        result = result.merged(load_allow_file(path))
    return result
