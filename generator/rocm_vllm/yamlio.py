"""A hardened YAML loader that keeps line numbers, and the deterministic dumper for generated files.

Recipes are hand-written, so the loader must turn every kind of broken file (binary, empty, tabs,
duplicate keys, a list where a mapping belongs) into an `InvalidInputError` naming the file and
line, never a traceback.  Locations are kept per JSON-path so every later check can point at the
exact line of the value it complains about.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.errors import InvalidInputError

# A recipe is a few kilobytes; anything far larger is a mistake (or an attack on the loader).
MAX_FILE_BYTES = 1024 * 1024

PathPart = str | int


def format_path(parts: tuple[PathPart, ...]) -> str:
    """`('parallelism', 'tensor')` -> `$.parallelism.tensor`; list indexes as `[0]`."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass
class LoadedDocument:
    """Plain Python data (dict/list/str/int/float/bool/None) plus the 1-based line of every path."""

    path: Path
    data: Any
    lines: dict[tuple[PathPart, ...], int] = field(default_factory=dict)

    def line_of(self, parts: tuple[PathPart, ...]) -> int | None:
        """The line of the value at `parts`, or of its nearest ancestor that has one."""
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]


def _plain(node: Any, parts: tuple[PathPart, ...], lines: dict[tuple[PathPart, ...], int]) -> Any:
    """Convert ruamel's commented containers into plain data, recording where each value sits."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_text = str(key)
            child = (*parts, key_text)
            with contextlib.suppress(KeyError, TypeError):
                lines[child] = node.lc.key(key)[0] + 1
            out[key_text] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*parts, index)
            with contextlib.suppress(KeyError, TypeError):
                lines[child] = node.lc.item(index)[0] + 1
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    # Timestamps, binary scalars and the like: keep their text so the schema reports a type error.
    return str(node)


def load_yaml_text(text: str, path: Path) -> LoadedDocument:
    """Parse one YAML document from `text`; errors name the file and line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        documents = list(yaml.load_all(text))
    except DuplicateKeyError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise InvalidInputError(
            f"{path}:{line}: duplicate key: {error.problem}; each key may appear once in a mapping"
        ) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = (error.problem or error.context or "invalid YAML").strip()
        hint = (
            " (YAML does not allow tabs for indentation: use spaces)"
            if "\\t" in problem or "tab" in problem.lower()
            else ""
        )
        raise InvalidInputError(f"{path}:{line}: invalid YAML: {problem}{hint}") from None
    except (YAMLError, ValueError, RecursionError, OverflowError) as error:
        raise InvalidInputError(f"{path}:1: invalid YAML: {error}") from None
    if len(documents) > 1:
        raise InvalidInputError(f"{path}:1: expected one YAML document, found {len(documents)}")
    lines: dict[tuple[PathPart, ...], int] = {(): 1}
    data = _plain(documents[0] if documents else None, (), lines)
    return LoadedDocument(path=path, data=data, lines=lines)


def load_yaml_file(path: Path) -> LoadedDocument:
    """Read and parse `path`, refusing binary, oversized and undecodable files with a clear message."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInputError(f"{path}:1: file is {size} bytes; the limit is {MAX_FILE_BYTES}")
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"{path}: cannot read: {error.strerror or error}") from None
    if b"\x00" in raw:
        raise InvalidInputError(f"{path}:1: binary file (contains NUL bytes); expected a YAML text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInputError(f"{path}:{line}: not valid UTF-8 text: {error.reason}") from None
    return load_yaml_text(text.removeprefix("\ufeff"), path)


def dump_yaml(data: Any, *, header: str = "") -> str:
    """Deterministic YAML: mapping keys sorted, block style, no aliases; `header` lines become comments."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(
            self, data: Any
        ) -> bool:  # never emit &anchors: generated files are read by humans
            return True

    def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str_presenter)
    body = yaml.dump(
        data, Dumper=_Dumper, sort_keys=True, default_flow_style=False, width=120, allow_unicode=True
    )
    prefix = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return prefix + body


def iter_yaml_files(paths: list[Path]) -> Iterator[Path]:
    """Files named on the command line, and *.yaml/*.yml below named directories, in sorted order."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
        else:
            candidates = [path]
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def write_files_atomically(files: Mapping[Path, str]) -> None:
    """Write every file or none: all contents go to temp files first, then each is renamed into place."""
    staged: list[tuple[Path, str]] = []
    try:
        for target, content in sorted(files.items()):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with open(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(content)
            staged.append((target, temp_name))
    except OSError:
        for _, temp_name in staged:
            Path(temp_name).unlink(missing_ok=True)
        raise
    for target, temp_name in staged:
        os.replace(temp_name, target)
