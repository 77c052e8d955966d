"""The one hardened loader for every file the CLI reads, and the deterministic dumper for generated files.

Recipes, stacks, values overrides, catalogs and node inventories are hand-written or recorded, so the
loader turns every kind of broken file (binary, not UTF-8, control bytes, empty, tabs, duplicate keys,
nesting too deep, an alias bomb, too big, a list where a mapping belongs) into an `InputFileError` whose
`problem` names the file, line and path, never a traceback.  JSON files go through the same loader (JSON
is YAML), so they get the same guarantees.  Locations are kept per JSON-path so every later check can
point at the exact line of the value it complains about.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm.errors import InputFileError, InputProblem

# A recipe is a few kilobytes; anything far larger is a mistake (or an attack on the loader).
MAX_FILE_BYTES = 1024 * 1024
# Recorded node lists (`kubectl get nodes -o json`) carry images and conditions: about 10-20 KB a node.
MAX_INVENTORY_BYTES = 16 * 1024 * 1024
# No file the CLI reads nests deeper than a dozen levels; Python's recursion limit is far above this.
MAX_DEPTH = 64
# Aliases share nodes when parsed but are copied into plain data: bound what the copies add (a "billion laughs"
# file of a few hundred bytes would otherwise expand to billions of values). Values written out are bounded by
# the file size instead.
MAX_ALIAS_VALUES = 10_000

PathPart = str | int
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
# YAML and JSON allow tab, newline and carriage return (and NEL) among the C0/C1 controls, nothing else.
_CONTROL_CHARACTER = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x84\\x86-\\x9f]")


def format_path(parts: tuple[PathPart, ...]) -> str:
    """`('parallelism', 'tensor')` -> `$.parallelism.tensor`; list indexes as `[0]`."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse_path(text: str) -> tuple[PathPart, ...]:
    """`$.vllm.extraArgs[0]` -> `('vllm', 'extraArgs', 0)`: the inverse of `format_path` (for keys without dots)."""
    return tuple(int(m.group(2)) if m.group(2) else m.group(1) for m in _PATH_PART.finditer(text[1:]))


def load_error(path: Path | str, line: int, message: str, parts: tuple[PathPart, ...] = ()) -> InputFileError:
    """The structured error every loader raises: file, line, JSON path and message as separate fields."""
    return InputFileError(InputProblem(file=str(path), line=line, path=format_path(parts), message=message))


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


class _Budget:
    """Counts values copied a second time out of the parsed tree (through an alias), so shared nodes cannot
    expand without bound."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.left = MAX_ALIAS_VALUES
        self.seen: set[int] = set()

    def spend(self, parts: tuple[PathPart, ...], line: int) -> None:
        self.left -= 1
        if self.left < 0:
            raise load_error(
                self.path,
                line,
                f"aliases repeat more than {MAX_ALIAS_VALUES} values (an alias copies its anchor's content); "
                "write the values out or use fewer aliases",
                parts,
            )


def _plain(
    node: Any,
    parts: tuple[PathPart, ...],
    lines: dict[tuple[PathPart, ...], int],
    budget: _Budget,
    aliased: bool = False,
) -> Any:
    """Convert ruamel's commented containers into plain data, recording where each value sits."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, (CommentedMap, CommentedSeq)):
        # A container met again is an alias of it: everything copied below it counts against the budget.
        aliased = aliased or id(node) in budget.seen
        budget.seen.add(id(node))
    if aliased:
        budget.spend(parts, lines.get(parts, 0))
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_text = _text(str(key), budget.path, parts, lines.get(parts, 0))
            child = (*parts, key_text)
            with contextlib.suppress(KeyError, TypeError, AttributeError):
                lines[child] = node.lc.key(key)[0] + 1
            out[key_text] = _plain(value, child, lines, budget, aliased)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*parts, index)
            with contextlib.suppress(KeyError, TypeError, AttributeError):
                lines[child] = node.lc.item(index)[0] + 1
            items.append(_plain(value, child, lines, budget, aliased))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return _text(str(node), budget.path, parts, lines.get(parts, 0))
    # Timestamps, binary scalars, sets and the like: keep their text so the schema reports a type error.
    return str(node)


def _text(value: str, path: Path, parts: tuple[PathPart, ...], line: int) -> str:
    """A string as text every later step can print: `\\ud83d\\ude00` escapes (JSON's way to write one character
    as a UTF-16 surrogate pair) are joined; a lone surrogate is refused."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return value.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise load_error(
            path, line, "a \\u escape names a lone UTF-16 surrogate, which is not a character", parts
        ) from None


def load_yaml_text(text: str, path: Path) -> LoadedDocument:
    """Parse one YAML (or JSON) document from `text`; errors name the file and line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    try:
        documents = list(yaml.load_all(text))
    except DuplicateKeyError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise load_error(
            path, line, f"duplicate key: {error.problem}; each key may appear once in a mapping"
        ) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = (error.problem or error.context or "invalid YAML").strip()
        if "maximum depth" in problem:
            problem = f"nested deeper than {MAX_DEPTH} levels"
        hint = (
            " (YAML does not allow tabs for indentation: use spaces)"
            if "\\t" in problem or "tab" in problem.lower()
            else ""
        )
        raise load_error(path, line, f"invalid YAML: {problem}{hint}") from None
    except (YAMLError, ValueError, RecursionError, OverflowError, TypeError, AttributeError) as error:
        # Reader errors (control characters) and constructor failures on odd tags carry no usable mark.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise load_error(path, 1, f"invalid YAML: {reason}") from None
    if len(documents) > 1:
        raise load_error(path, 1, f"expected one YAML document, found {len(documents)}")
    lines: dict[tuple[PathPart, ...], int] = {(): 1}
    data = _plain(documents[0] if documents else None, (), lines, _Budget(path))
    return LoadedDocument(path=path, data=data, lines=lines)


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw:
        raise load_error(path, 1, "binary file (contains NUL bytes); expected a YAML or JSON text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise load_error(path, line, f"not valid UTF-8 text: {error.reason}") from None
    control = _CONTROL_CHARACTER.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        code = ord(control.group())
        raise load_error(path, line, f"control character U+{code:04X}; expected a YAML or JSON text file")
    return text.removeprefix("\ufeff")


def load_yaml_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    """Read and parse `path`, refusing binary, oversized and undecodable files with a clear message."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise load_error(path, 1, f"file is {size} bytes; the limit is {max_bytes}")
        raw = path.read_bytes()
    except OSError as error:
        raise load_error(path, 0, f"cannot read: {error.strerror or error}") from None
    return load_yaml_text(_decode(raw, path), path)


def load_mapping_file(path: Path, what: str, *, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    """`load_yaml_file` for files that must hold a mapping (`what` names the kind in the message); an empty
    file is an empty mapping."""
    document = load_yaml_file(path, max_bytes=max_bytes)
    if document.data is None:
        document.data = {}
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"the scalar {document.data!r}"[:80]
        raise load_error(path, 1, f"{what} must be a mapping of keys to values, got {kind}")
    return document


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
