"""Values overrides (`-f FILE`, `--set EXPR`): loaded through the hardened loader, merged the way Helm merges them,
and remembered per value path, so every later finding can name the file and line (or the --set string) that
introduced the value it is about.

Each `-f` file is read twice on purpose: the hardened loader proves it is a sound, bounded mapping and keeps
its line numbers; Helm's own parser then gives the data Helm will see (YAML 1.1 booleans and all), so the
checks judge exactly what will be rendered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.errors import InvalidInputError, UsageError
from rocm_vllm.helm_values import merge_maps
from rocm_vllm.paths import display_path
from rocm_vllm.yamlio import MAX_DEPTH, LoadedDocument, PathPart, load_error, load_mapping_file


@dataclass(frozen=True)
class ValueSource:
    """Where an override came from: a values file and line, or a --set expression (line 0)."""

    file: str
    line: int = 0

    @classmethod
    def from_set(cls, expression: str) -> ValueSource:
        return cls(file=f"--set {expression}")

    @property
    def is_file(self) -> bool:
        return not self.file.startswith("--set ")

    def describe(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Overrides:
    """The overrides merged in order (later wins, Helm's coalescing), and the source of every path they set."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[tuple[PathPart, ...], ValueSource] = field(default_factory=dict)
    replaced: set[tuple[PathPart, ...]] = field(default_factory=set)  # paths set to a non-mapping (or null)

    def __bool__(self) -> bool:
        return bool(self.values)

    def add(self, data: dict[str, Any], source_of: Any) -> None:
        """Lay `data` over what is there; `source_of(parts)` gives the source of each path it sets."""
        for parts, value in _walk(data):
            if not isinstance(value, dict):
                # A scalar or list replaces the whole subtree: earlier sources below it no longer apply.
                for stale in [p for p in self.sources if len(p) > len(parts) and p[: len(parts)] == parts]:
                    del self.sources[stale]
                    self.replaced.discard(stale)
                self.replaced.add(parts)
            self.sources[parts] = source_of(parts)
        self.values = merge_maps(self.values, data)

    def source_for(self, parts: tuple[PathPart, ...]) -> tuple[tuple[PathPart, ...], ValueSource] | None:
        """The override that set `parts` (or its nearest ancestor); failing that, the first one below it
        (a deleted or replaced child explains a finding about its parent)."""
        for length in range(len(parts), 0, -1):
            prefix = parts[:length]
            if prefix in self.sources:
                return prefix, self.sources[prefix]
        below = sorted((p for p in self.sources if p[: len(parts)] == parts), key=lambda p: (len(p), str(p)))
        return (below[0], self.sources[below[0]]) if below else None

    def touches(self, parts: tuple[PathPart, ...]) -> bool:
        """Whether any override set `parts`, something below it, or replaced (or deleted) an ancestor of it."""
        return any(p[: len(parts)] == parts for p in self.sources) or any(
            parts[: len(p)] == p for p in self.replaced
        )

    def under(self, prefix: tuple[PathPart, ...]) -> Overrides:
        """The overrides below `prefix` (e.g. one stack model's `models.<key>`), re-rooted there."""
        node: Any = self.values
        for part in prefix:
            node = node.get(part) if isinstance(node, dict) else None
        sub = Overrides(values=node if isinstance(node, dict) else {})
        sub.sources = {p[len(prefix) :]: s for p, s in self.sources.items() if p[: len(prefix)] == prefix}
        sub.sources.pop((), None)
        sub.replaced = {p[len(prefix) :] for p in self.replaced if p[: len(prefix)] == prefix and p != prefix}
        return sub


def _walk(node: Any, parts: tuple[PathPart, ...] = ()) -> Iterator[tuple[tuple[PathPart, ...], Any]]:
    """Every (path, value) of a mapping, parents before children; lists are one value (Helm replaces them)."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = (*parts, str(key))
            yield child, value
            yield from _walk(value, child)


def _depth(node: Any) -> int:
    depth, level = 0, [node]
    while level:
        depth += 1
        if depth > MAX_DEPTH + 1:
            break
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())
        ]
    return depth


def _values_file(path: Path) -> tuple[LoadedDocument, dict[str, Any]]:
    """A `-f` file: the hardened loader's document (lines) and Helm's reading of it (data)."""
    import helm_python

    if not path.is_file():
        raise UsageError(f"{display_path(path)}: values file not found")
    document = load_mapping_file(path, "a values file")
    document.path = Path(display_path(path))
    try:
        data = helm_python.values_from_yaml(path.read_text(encoding="utf-8")) or {}
    except helm_python.HelmError as error:
        raise load_error(document.path, 1, f"Helm cannot read this values file: {error}") from None
    if not isinstance(data, dict):
        raise load_error(document.path, 1, "a values file must be a mapping of keys to values")
    return document, data


def _set_values(expression: str) -> dict[str, Any]:
    import helm_python

    try:
        data = helm_python.parse_set_string(expression)
    except helm_python.HelmError as error:
        raise UsageError(f"--set {expression!r}: {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--set {expression!r}: expected key=value")
    if _depth(data) > MAX_DEPTH:
        raise InvalidInputError(f"--set {expression}: nested deeper than {MAX_DEPTH} levels")
    return data


def load_overrides(value_files: Sequence[Path], set_expressions: Sequence[str]) -> Overrides:
    """`-f` files, then `--set` expressions, merged in order the way Helm coalesces them, with each path's source."""
    overrides = Overrides()
    for path in value_files:
        document, data = _values_file(path)
        shown = str(document.path)
        overrides.add(data, lambda parts, d=document, f=shown: ValueSource(f, d.line_of(parts) or 1))
    for expression in set_expressions:
        source = ValueSource.from_set(expression)
        overrides.add(_set_values(expression), lambda parts, s=source: s)
    return overrides
