#!/usr/bin/env python3
"""Extract the `vllm serve` CLI flags and the env vars vLLM reads, straight from a published wheel.

The generator rejects recipes that pass a vLLM flag or set an env var that the pinned vLLM does not
know. Importing vLLM to ask it needs torch and a GPU, so this script reads the Python sources out of
the wheel (a zip) and follows the argparse registration code with `ast` instead:

* `vllm serve` builds its parser in `ServeSubcommand.subparser_init` (vllm/entrypoints/cli/serve.py),
  which calls `make_arg_parser`, which calls `FrontendArgs.add_cli_args` and
  `AsyncEngineArgs.add_cli_args` (-> `EngineArgs.add_cli_args`). Those calls are followed.
* Each literal `add_argument("--x", "-y", ...)` contributes its option strings. Its arity comes from
  an explicit `action=`/`nargs=`, or from the config dataclass field whose `get_kwargs(...)` entry is
  splatted in (`**parallel_kwargs["tensor_parallel_size"]`), mirroring `_compute_kwargs` in
  vllm/engine/arg_utils.py: dataclass-typed -> value, `bool | str | None` -> optional value,
  any other `bool` -> BooleanOptionalAction (so `--no-x` exists too), anything else -> value.
* The frontend registers every dataclass field as `f"--{key.replace('_', '-')}"`; that loop is
  recognised and expanded over the class's fields (bases included).

Env vars are the keys of `environment_variables` in vllm/envs.py plus every literal name read via
`os.getenv`, `os.environ.get/setdefault`, `os.environ[...]` or `... in os.environ` anywhere in the
package, including names passed to small helper functions that read their parameter that way.

Unknown registration patterns raise an error instead of being skipped, so a vLLM refactor shows up
as a failed run rather than a silently shorter list.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_OUT_DIR = Path("generator/rocm_vllm/data")
SERVE_MODULE = "vllm.entrypoints.cli.serve"
SERVE_CLASS = "ServeSubcommand"
SERVE_METHOD = "subparser_init"
ENVS_MODULE = "vllm.envs"
ENVS_DICT = "environment_variables"
# Calls followed while walking the parser construction. Other calls (plugins, validation, platform
# hooks) do not register `vllm serve` options in the pinned version; see `check_platform_hooks`.
FOLLOWED_CALLS = frozenset({"make_arg_parser", "add_cli_args"})
SWITCH_ACTIONS = frozenset({"store_true", "store_false", "store_const", "append_const", "count", "version"})
NEGATABLE_ACTION = "BooleanOptionalAction"
DATACLASS_DECORATORS = frozenset({"dataclass", "config"})
BUILTIN_TYPES = frozenset(
    {"bool", "int", "float", "str", "bytes", "dict", "list", "tuple", "set", "frozenset", "None", "Any"}
)
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HELPER_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
# A module can only read the environment through `os.environ`/`os.getenv` (or `from os import environ`).
ENV_ACCESS_MARKERS = ("environ", "getenv")
# Options every argparse parser has; a recipe never needs them, so they are not listed.
ARGPARSE_BUILTINS = frozenset({"-h", "--help"})

VALUE, SWITCH, OPTIONAL = "value", "switch", "optional"
# A value that is a JSON object: vLLM's parser also takes it key by key (`--compilation-config.mode=3`,
# `-cc.mode=3`), folding the keys into one JSON object (FlexibleArgumentParser, utils/argparse_utils.py).
JSON = "json"
# One or more values (`nargs="+"`): `--served-model-name a b`.
LIST = "list"
COLLECTIONS = frozenset({"list", "tuple", "set"})


class ExtractionError(RuntimeError):
    """The wheel's sources do not match a registration pattern this script understands."""


# --------------------------------------------------------------------------------------------------
# Reading modules out of the wheel
# --------------------------------------------------------------------------------------------------


class WheelSources:
    """The `vllm/**.py` files of one wheel, parsed on demand and cached (parsing all ~2k is slow)."""

    def __init__(self, files: dict[str, str], version: str) -> None:
        self.files = files
        self.version = version
        self._trees: dict[str, ast.Module] = {}

    @classmethod
    def from_wheel(cls, wheel: Path) -> WheelSources:
        """Read the package sources and version without extracting or installing anything."""
        files: dict[str, str] = {}
        version = ""
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.startswith("vllm/") and name.endswith(".py"):
                    files[name] = zf.read(name).decode("utf-8")
                elif name.endswith(".dist-info/METADATA"):
                    version = _metadata_version(zf.read(name).decode("utf-8"))
        if not version:
            raise ExtractionError(f"{wheel}: no Version in the dist-info METADATA")
        return cls(files, version)

    def path_of(self, module: str) -> str | None:
        """Map a dotted module name to its file inside the wheel (module or package __init__)."""
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.files:
                return candidate
        return None

    def tree(self, module: str) -> ast.Module | None:
        """Parse a module once; None when the wheel does not contain it."""
        if module not in self._trees:
            path = self.path_of(module)
            if path is None:
                return None
            self._trees[module] = ast.parse(self.files[path], filename=path)
        return self._trees[module]

    def require_tree(self, module: str) -> ast.Module:
        """Parse a module the extraction cannot do without."""
        tree = self.tree(module)
        if tree is None:
            raise ExtractionError(f"module {module} is not in the wheel")
        return tree

    def modules(self, containing: Iterable[str] = ()) -> Iterator[tuple[str, ast.Module]]:
        """Modules of the package in a stable order; with `containing`, only files whose text has one
        of those substrings (parsing all ~2k files takes seconds, most never touch the environment)."""
        needles = tuple(containing)
        for path in sorted(self.files):
            if needles and not any(n in self.files[path] for n in needles):
                continue
            module = path[: -len(".py")].replace("/", ".").removesuffix(".__init__")
            tree = self.tree(module)
            if tree is not None:
                yield module, tree


def _metadata_version(metadata: str) -> str:
    """The `Version:` header of a wheel's METADATA file."""
    for line in metadata.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
        if not line.strip():
            break
    return ""


# --------------------------------------------------------------------------------------------------
# Name resolution across modules (enough for `from x import Y` chains and module-level aliases)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A top-level statement that defines a name, with the module it lives in."""

    module: str
    node: ast.stmt


def _top_level_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside `if TYPE_CHECKING:`/`try:` blocks too."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _top_level_statements(stmt.body)
            yield from _top_level_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _top_level_statements(stmt.body)
            for handler in stmt.handlers:
                yield from _top_level_statements(handler.body)
        else:
            yield stmt


def _import_base(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """Absolute module name that an (optionally relative) `from ... import` refers to."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    base = ".".join(parts[:keep])
    return f"{base}.{node.module}" if node.module else base


@dataclass(frozen=True)
class ClassRef:
    """A vLLM class definition and the module it lives in."""

    module: str
    node: ast.ClassDef

    @property
    def name(self) -> str:
        """The class name, for messages and cycle detection."""
        return self.node.name


def resolve(src: WheelSources, module: str, name: str, depth: int = 0) -> Definition | None:
    """Find where `name` (as seen from `module`) is defined, following `from ... import` chains."""
    tree = src.tree(module)
    if tree is None or depth > 20:
        return None
    is_package = (src.path_of(module) or "").endswith("__init__.py")
    found: Definition | None = None
    for stmt in _top_level_statements(tree.body):
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
            return Definition(module, stmt)
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            found = Definition(module, stmt)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            found = found or Definition(module, stmt)
        elif isinstance(stmt, ast.ImportFrom) and found is None:
            for alias in stmt.names:
                if (alias.asname or alias.name) == name:
                    base = _import_base(module, stmt, is_package)
                    target = resolve(src, base, alias.name, depth + 1)
                    if target is not None:
                        return target
    return found


def resolve_class(src: WheelSources, module: str, expr: ast.expr) -> ClassRef | None:
    """Resolve a `Name`/`pkg.Name` expression to the ClassDef it names, if it is vLLM's own."""
    name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else None
    if name is None:
        return None
    definition = resolve(src, module, name)
    if definition is not None and isinstance(definition.node, ast.ClassDef):
        return ClassRef(definition.module, definition.node)
    return None


def class_mro(src: WheelSources, cls: ClassRef) -> list[ClassRef]:
    """The class followed by its resolvable bases, depth first (vLLM uses single inheritance here)."""
    chain = [cls]
    for base in cls.node.bases:
        parent = resolve_class(src, cls.module, base)
        if parent is not None:
            chain.extend(c for c in class_mro(src, parent) if c not in chain)
    return chain


def find_method(src: WheelSources, cls: ClassRef, name: str) -> tuple[ClassRef, ast.FunctionDef] | None:
    """The method `name` as inherited by `cls`, with the class that defines it."""
    for owner in class_mro(src, cls):
        for stmt in owner.node.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
                return owner, stmt
    return None


# --------------------------------------------------------------------------------------------------
# Dataclass fields and how `_compute_kwargs` turns their types into argparse kwargs
# --------------------------------------------------------------------------------------------------


def _decorator_name(expr: ast.expr) -> str:
    """`dataclass`, `config`, `dataclasses.dataclass` or `config(...)` -> the bare name."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def is_dataclass_def(src: WheelSources, cls: ClassRef) -> bool:
    """Whether the class (or a base) is decorated as a (pydantic) dataclass, as `is_dataclass` sees it."""
    for owner in class_mro(src, cls):
        if any(_decorator_name(d) in DATACLASS_DECORATORS for d in owner.node.decorator_list):
            return True
    return False


def _is_pseudo_field(annotation: ast.expr) -> bool:
    """ClassVar/InitVar annotations are not returned by `dataclasses.fields`."""
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        return target.value.startswith(("ClassVar", "InitVar"))
    return _decorator_name(target) in {"ClassVar", "InitVar"}


def dataclass_fields(src: WheelSources, cls: ClassRef) -> dict[str, tuple[str, ast.expr]]:
    """Field name -> (module, annotation) for a dataclass, inherited fields included."""
    result: dict[str, tuple[str, ast.expr]] = {}
    for owner in reversed(class_mro(src, cls)):
        for stmt in owner.node.body:
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and not _is_pseudo_field(stmt.annotation)
            ):
                result[stmt.target.id] = (owner.module, stmt.annotation)
    return result


@dataclass(frozen=True)
class TypeLeaf:
    """One member of a flattened type hint: a builtin name, a vLLM class, or something opaque."""

    name: str
    is_dataclass: bool = False


def type_leaves(src: WheelSources, module: str, expr: ast.expr, depth: int = 0) -> list[TypeLeaf]:
    """Flatten Optional/Union/`|`/Annotated and type aliases like `get_type_hints` in arg_utils does."""
    if depth > 20:
        return [TypeLeaf("?")]
    if isinstance(expr, ast.Constant):
        if expr.value is None:
            return [TypeLeaf("None")]
        if isinstance(expr.value, str):
            return type_leaves(src, module, ast.parse(expr.value, mode="eval").body, depth + 1)
        return [TypeLeaf("?")]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        return type_leaves(src, module, expr.left, depth + 1) + type_leaves(
            src, module, expr.right, depth + 1
        )
    if isinstance(expr, ast.Subscript):
        return _subscript_leaves(src, module, expr, depth)
    if isinstance(expr, ast.Name | ast.Attribute):
        return _name_leaves(src, module, expr, depth)
    return [TypeLeaf("?")]


def _subscript_leaves(src: WheelSources, module: str, expr: ast.Subscript, depth: int) -> list[TypeLeaf]:
    """`Optional[X]`, `Union[X, Y]`, `Annotated[X, ...]` flatten; `list[X]` etc. stay one leaf."""
    head = _decorator_name(expr.value)
    items = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
    if head == "Optional":
        return [*type_leaves(src, module, items[0], depth + 1), TypeLeaf("None")]
    if head == "Union":
        return [leaf for item in items for leaf in type_leaves(src, module, item, depth + 1)]
    if head == "Annotated":
        return type_leaves(src, module, items[0], depth + 1)
    return [TypeLeaf(head or "?")]


def _name_leaves(
    src: WheelSources, module: str, expr: ast.Name | ast.Attribute, depth: int
) -> list[TypeLeaf]:
    """Builtins stay as they are; vLLM classes are leaves; module-level type aliases are expanded.

    Dotted names (`torch.dtype`) are opaque leaves: vLLM refers to its own config types by bare name.
    """
    if isinstance(expr, ast.Attribute) or expr.id in BUILTIN_TYPES:
        return [TypeLeaf(expr.attr if isinstance(expr, ast.Attribute) else expr.id)]
    name = expr.id
    definition = resolve(src, module, name)
    if definition is None:
        return [TypeLeaf(name)]
    node = definition.node
    if isinstance(node, ast.ClassDef):
        return [TypeLeaf(name, is_dataclass_def(src, ClassRef(definition.module, node)))]
    alias_value = _alias_value(node)
    if alias_value is not None:
        return type_leaves(src, definition.module, alias_value, depth + 1)
    return [TypeLeaf(name)]


def _alias_value(node: ast.stmt) -> ast.expr | None:
    """The right-hand side of `X = <type>` / `X: TypeAlias = <type>` when it looks like a type."""
    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
    if isinstance(value, ast.Subscript | ast.BinOp | ast.Name | ast.Attribute):
        return value
    return None


def field_arity(src: WheelSources, module: str, annotation: ast.expr) -> str:
    """Arity argparse gives a field registered through `get_kwargs` (see `_compute_kwargs`)."""
    leaves = type_leaves(src, module, annotation)
    names = {leaf.name for leaf in leaves}
    if any(leaf.is_dataclass for leaf in leaves):
        return JSON  # parsed with pydantic from JSON
    if names == {"bool", "str", "None"}:
        return OPTIONAL
    if "bool" in names:
        return NEGATABLE_ACTION
    if "Literal" in names:
        return VALUE
    if names & COLLECTIONS:
        return LIST  # collection_to_kwargs: nargs="+" (fixed-length tuples are not used by serve options)
    if names & {"int", "float"}:
        return VALUE
    if "dict" in names:
        return JSON  # json.loads, or union_dict_and_str (a JSON object or a plain string)
    return VALUE


# --------------------------------------------------------------------------------------------------
# Walking the parser construction
# --------------------------------------------------------------------------------------------------


@dataclass
class Option:
    """One registered argparse option: its spellings and whether it takes a value."""

    strings: list[str]
    arity: str
    origin: str

    def expanded(self) -> dict[str, str]:
        """Spellings -> `value|switch|optional`; BooleanOptionalAction adds `--no-` forms."""
        if self.arity != NEGATABLE_ACTION:
            return dict.fromkeys(self.strings, self.arity)
        result: dict[str, str] = {}
        for string in self.strings:
            result[string] = SWITCH
            if string.startswith("--"):
                result["--no-" + string[2:]] = SWITCH
        return result


@dataclass
class FunctionContext:
    """Where a registration function lives and which class `cls` means inside it."""

    module: str
    func: ast.FunctionDef
    cls: ClassRef | None
    assignments: dict[str, ast.expr] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in ast.walk(self.func):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                self.assignments.setdefault(node.targets[0].id, node.value)


def _action_arity(src: WheelSources, module: str, expr: ast.expr) -> str:
    """Classify an `action=` value: switch-like, negatable, or value-taking (store/append/custom)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return SWITCH if expr.value in SWITCH_ACTIONS else VALUE
    name = _decorator_name(expr)
    if name == NEGATABLE_ACTION:
        return NEGATABLE_ACTION
    custom = resolve_class(src, module, expr)
    if custom is not None and any(
        _decorator_name(base) == NEGATABLE_ACTION
        for owner in class_mro(src, custom)
        for base in owner.node.bases
    ):
        return NEGATABLE_ACTION
    return VALUE


def _literal_str(expr: ast.expr) -> str | None:
    """The value of a string constant expression."""
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


class ParserWalker:
    """Follows the `vllm serve` parser construction and records every option it registers."""

    def __init__(self, src: WheelSources) -> None:
        self.src = src
        self.options: list[Option] = []
        self._visited: set[tuple[str, str, str]] = set()

    def walk_method(self, cls: ClassRef, method: str) -> None:
        """Process `cls.method` (possibly inherited) with `cls` bound to `cls`."""
        found = find_method(self.src, cls, method)
        if found is None:
            raise ExtractionError(f"{cls.module}: {method} not found on {cls.name}")
        owner, func = found
        key = (cls.module, cls.name, method)
        if key in self._visited:
            return
        self._visited.add(key)
        self.walk_function(FunctionContext(owner.module, func, cls))

    def walk_function(self, ctx: FunctionContext) -> None:
        """Visit calls in source order: `add_argument` registers, followed calls recurse."""
        calls = [n for n in ast.walk(ctx.func) if isinstance(n, ast.Call)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "add_argument":
                self._register(ctx, call)
            elif isinstance(func, ast.Attribute) and func.attr in FOLLOWED_CALLS:
                self._follow_method(ctx, func)
            elif isinstance(func, ast.Name) and func.id in FOLLOWED_CALLS:
                self._follow_function(ctx, func.id)

    def _follow_method(self, ctx: FunctionContext, func: ast.Attribute) -> None:
        """`SomeArgs.add_cli_args(parser)` -> walk that class's (inherited) method."""
        if isinstance(func.value, ast.Name) and func.value.id == "cls" and ctx.cls is not None:
            target: ClassRef | None = ctx.cls
        else:
            target = resolve_class(self.src, ctx.module, func.value)
        if target is None:
            if isinstance(func.value, ast.Call) and _decorator_name(func.value.func) == "super":
                raise ExtractionError(f"{ctx.module}: super().{func.attr} chains are not supported")
            return  # e.g. `parser.add_cli_args` on a non-vLLM object: nothing registered here
        self.walk_method(target, func.attr)

    def _follow_function(self, ctx: FunctionContext, name: str) -> None:
        """`make_arg_parser(parser)` -> walk the module-level function it resolves to."""
        definition = resolve(self.src, ctx.module, name)
        if definition is None or not isinstance(definition.node, ast.FunctionDef):
            raise ExtractionError(f"{ctx.module}: cannot resolve {name}()")
        key = (definition.module, "", name)
        if key not in self._visited:
            self._visited.add(key)
            self.walk_function(FunctionContext(definition.module, definition.node, None))

    def _register(self, ctx: FunctionContext, call: ast.Call) -> None:
        """Record one `add_argument` call: literal option strings or the dataclass-field loop."""
        if any(isinstance(arg, ast.JoinedStr) for arg in call.args):
            self._register_field_loop(ctx, call)
            return
        strings = [s for s in (_literal_str(a) for a in call.args) if s is not None and s.startswith("-")]
        if not strings:
            if any(isinstance(a, ast.Starred) for a in call.args):
                raise ExtractionError(f"{ctx.module}:{call.lineno}: add_argument(*...) with no literal flag")
            return  # positional argument such as `model_tag`
        arity = self._explicit_arity(ctx, call.keywords)
        if arity is None:
            arity = self._splatted_arity(ctx, call)
        self.options.append(Option(strings, arity or VALUE, f"{ctx.module}:{call.lineno}"))

    def _explicit_arity(self, ctx: FunctionContext, keywords: Iterable[ast.keyword]) -> str | None:
        """Arity fixed by `action=` or `nargs=` keywords written at the call site."""
        for kw in keywords:
            if kw.arg == "action":
                return _action_arity(self.src, ctx.module, kw.value)
            if kw.arg == "nargs" and _literal_str(kw.value) == "?":
                return OPTIONAL
            if kw.arg == "nargs" and _literal_str(kw.value) in ("+", "*"):
                return LIST
        return None

    def _splatted_arity(self, ctx: FunctionContext, call: ast.Call) -> str | None:
        """Arity from a `**kwargs` argument: a `get_kwargs(Config)["field"]` entry or a dict around one."""
        for kw in call.keywords:
            if kw.arg is None:
                arity = self._kwargs_expr_arity(ctx, kw.value, 0)
                if arity is not None:
                    return arity
        return None

    def _kwargs_expr_arity(self, ctx: FunctionContext, expr: ast.expr, depth: int) -> str | None:
        """Evaluate just enough of a kwargs expression to learn its `action`/`nargs`."""
        if depth > 10:
            return None
        if isinstance(expr, ast.Dict):
            return self._dict_literal_arity(ctx, expr, depth)
        if isinstance(expr, ast.Name) and expr.id in ctx.assignments:
            return self._kwargs_expr_arity(ctx, ctx.assignments[expr.id], depth + 1)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            field_name = _literal_str(expr.slice)
            if field_name is None:
                raise ExtractionError(f"{ctx.module}:{expr.lineno}: non-literal kwargs key")
            return self._field_kwargs_arity(ctx, expr.value.id, field_name, expr.lineno)
        raise ExtractionError(f"{ctx.module}:{expr.lineno}: unsupported **kwargs expression")

    def _dict_literal_arity(self, ctx: FunctionContext, expr: ast.Dict, depth: int) -> str | None:
        """`{**x["f"], "default": None}`: an explicit "action"/"nargs" key wins over the splatted entry."""
        explicit = [
            ast.keyword(arg=_literal_str(k), value=v)
            for k, v in zip(expr.keys, expr.values, strict=True)
            if k
        ]
        arity = self._explicit_arity(ctx, explicit)
        if arity is not None:
            return arity
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                return self._kwargs_expr_arity(ctx, value, depth + 1)
        return None

    def _field_kwargs_arity(self, ctx: FunctionContext, var: str, field_name: str, lineno: int) -> str:
        """`var["field"]` where `var = get_kwargs(Config)`: the arity `_compute_kwargs` gives it."""
        override = _subscript_assignment(ctx.func, var, field_name, "action")
        type_override = _subscript_assignment(ctx.func, var, field_name, "type")
        arity = _overridden_arity(self.src, ctx.module, override, type_override)
        if arity is not None:
            return arity
        source = ctx.assignments.get(var)
        if not (
            isinstance(source, ast.Call) and _decorator_name(source.func) == "get_kwargs" and source.args
        ):
            raise ExtractionError(f"{ctx.module}:{lineno}: {var} is not assigned from get_kwargs(...)")
        cls = self._class_arg(ctx, source.args[0])
        fields = dataclass_fields(self.src, cls)
        if field_name not in fields:
            raise ExtractionError(f"{ctx.module}:{lineno}: {cls.name} has no field {field_name}")
        module, annotation = fields[field_name]
        return field_arity(self.src, module, annotation)

    def _class_arg(self, ctx: FunctionContext, expr: ast.expr) -> ClassRef:
        """Resolve the class handed to `get_kwargs` (`cls` means the class being walked)."""
        if isinstance(expr, ast.Name) and expr.id == "cls" and ctx.cls is not None:
            return ctx.cls
        cls = resolve_class(self.src, ctx.module, expr)
        if cls is None:
            raise ExtractionError(f"{ctx.module}:{expr.lineno}: cannot resolve get_kwargs argument")
        return cls

    def _register_field_loop(self, ctx: FunctionContext, call: ast.Call) -> None:
        """`for key, value in get_kwargs(cls).items(): add_argument(*flags, f"--{key...}", **value)`."""
        fstring = next(a for a in call.args if isinstance(a, ast.JoinedStr))
        if not _is_dashed_key_fstring(fstring):
            raise ExtractionError(f"{ctx.module}:{call.lineno}: unrecognised f-string option name")
        source = next(
            (
                n
                for n in ast.walk(ctx.func)
                if isinstance(n, ast.Call) and _decorator_name(n.func) == "get_kwargs" and n.args
            ),
            None,
        )
        if source is None:
            raise ExtractionError(f"{ctx.module}:{call.lineno}: field loop without get_kwargs(...)")
        cls = self._class_arg(ctx, source.args[0])
        methods = [
            stmt
            for owner in class_mro(self.src, cls)
            for stmt in owner.node.body
            if isinstance(stmt, ast.FunctionDef)
        ]
        for name, (module, annotation) in dataclass_fields(self.src, cls).items():
            strings = [*_field_aliases(methods, name), f"--{name.replace('_', '-')}"]
            override = next(
                (o for m in methods if (o := _subscript_assignment(m, None, name, "action"))), None
            )
            type_override = next(
                (o for m in methods if (o := _subscript_assignment(m, None, name, "type"))), None
            )
            arity = _overridden_arity(self.src, module, override, type_override) or field_arity(
                self.src, module, annotation
            )
            self.options.append(Option(strings, arity, f"{ctx.module}:{call.lineno}:{cls.name}"))


def _overridden_arity(
    src: WheelSources, module: str, action: ast.expr | None, type_: ast.expr | None
) -> str | None:
    """Arity set by `kwargs["f"]["action"] = ...` / `["type"] = json.loads`, or None to use the field's type.

    A custom value-taking action (LoRAParserAction) keeps the field's `nargs`, so only switch-like and
    negatable actions decide; `type = json.loads` (the CORS lists) makes the value one JSON document.
    """
    if action is not None:
        arity = _action_arity(src, module, action)
        if arity != VALUE or isinstance(action, ast.Constant):
            return arity
    if type_ is not None and isinstance(type_, ast.Attribute) and type_.attr == "loads":
        return JSON
    return None


def _is_dashed_key_fstring(node: ast.JoinedStr) -> bool:
    """True for exactly `f"--{key.replace('_', '-')}"` (the only loop form the names are derived by)."""
    if len(node.values) != 2 or _literal_str(node.values[0]) != "--":
        return False
    formatted = node.values[1]
    if not isinstance(formatted, ast.FormattedValue) or not isinstance(formatted.value, ast.Call):
        return False
    inner = formatted.value
    return (
        isinstance(inner.func, ast.Attribute)
        and inner.func.attr == "replace"
        and [_literal_str(a) for a in inner.args] == ["_", "-"]
    )


def _subscript_assignment(
    func: ast.FunctionDef, var: str | None, field_name: str, key: str
) -> ast.expr | None:
    """The value of `var["field"]["key"] = value` in `func` (any variable name when `var` is None)."""
    for node in ast.walk(func):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Subscript) and _literal_str(target.slice) == key):
            continue
        inner = target.value
        if (
            isinstance(inner, ast.Subscript)
            and _literal_str(inner.slice) == field_name
            and isinstance(inner.value, ast.Name)
            and (var is None or inner.value.id == var)
        ):
            return node.value
    return None


def _field_aliases(methods: Iterable[ast.FunctionDef], field_name: str) -> list[str]:
    """Extra spellings set via `kwargs["field"]["flags"] = ["-x"]` (popped into `*extra_flags`)."""
    for method in methods:
        value = _subscript_assignment(method, None, field_name, "flags")
        if isinstance(value, ast.List | ast.Tuple):
            return [s for s in (_literal_str(e) for e in value.elts) if s is not None]
    return []


def serve_options(src: WheelSources) -> dict[str, str]:
    """Every option string `vllm serve` accepts -> `value|switch|optional`."""
    src.require_tree(SERVE_MODULE)
    serve = resolve_class(src, SERVE_MODULE, ast.Name(SERVE_CLASS))
    if serve is None:
        raise ExtractionError(f"{SERVE_MODULE}.{SERVE_CLASS} not found")
    walker = ParserWalker(src)
    walker.walk_method(serve, SERVE_METHOD)
    result: dict[str, str] = {}
    for option in walker.options:
        for string, arity in option.expanded().items():
            if string in ARGPARSE_BUILTINS:
                continue
            if result.get(string, arity) != arity:
                raise ExtractionError(f"{string} registered twice with different arity ({option.origin})")
            result[string] = arity
    return result


def _add_argument_calls(node: ast.AST) -> list[ast.Call]:
    """Every `x.add_argument(...)` call under `node`."""
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add_argument"
    ]


def platform_hook_arguments(src: WheelSources) -> list[str]:
    """Platforms that register extra options in `pre_register_and_update` (none expected).

    `AsyncEngineArgs.add_cli_args` calls `current_platform.pre_register_and_update(parser)`; which
    platform runs is only known at run time, so such options are reported rather than listed.
    """
    found: list[str] = []
    for module, tree in src.modules(containing=["pre_register_and_update"]):
        if not module.startswith("vllm.platforms"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "pre_register_and_update":
                found.extend(f"{module}:{c.lineno}" for c in _add_argument_calls(node))
    return found


# --------------------------------------------------------------------------------------------------
# Environment variables
# --------------------------------------------------------------------------------------------------


def envs_dict_keys(src: WheelSources) -> set[str]:
    """Keys of `vllm.envs.environment_variables`, the registry behind `vllm.envs.X`."""
    tree = src.require_tree(ENVS_MODULE)
    for stmt in _top_level_statements(tree.body):
        if isinstance(stmt, ast.AnnAssign):
            target: ast.expr | None = stmt.target
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        else:
            continue
        value = stmt.value
        if isinstance(target, ast.Name) and target.id == ENVS_DICT and isinstance(value, ast.Dict):
            keys = {k for k in (_literal_str(k) for k in value.keys if k is not None) if k is not None}
            if keys:
                return keys
    raise ExtractionError(f"{ENVS_MODULE}.{ENVS_DICT} dict literal not found")


def _is_os_environ(expr: ast.expr) -> bool:
    """`os.environ` or a bare `environ` (from `from os import environ`)."""
    if isinstance(expr, ast.Attribute):
        return expr.attr == "environ" and isinstance(expr.value, ast.Name) and expr.value.id == "os"
    return isinstance(expr, ast.Name) and expr.id == "environ"


def _is_getenv(func: ast.expr) -> bool:
    """`os.getenv` or a bare `getenv` (from `from os import getenv`)."""
    if isinstance(func, ast.Attribute):
        return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
    return isinstance(func, ast.Name) and func.id == "getenv"


def env_read_key(node: ast.AST) -> ast.expr | None:
    """The key expression of an env *read*: getenv/get/setdefault, `environ[k]` loads, `k in environ`.

    Writes (`os.environ[k] = v`) and `pop` are not reads: a recipe setting such a name is overridden.
    `setdefault` counts because the user's value wins and is passed on to whatever reads it.
    """
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if _is_getenv(func):
            return node.args[0]
        if (
            isinstance(func, ast.Attribute)
            and func.attr in {"get", "setdefault"}
            and _is_os_environ(func.value)
        ):
            return node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_os_environ(node.value):
        return node.slice
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.In | ast.NotIn)
        and _is_os_environ(node.comparators[0])
    ):
        return node.left
    return None


def _module_string_constants(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level `NAME = "X"` and `NAMES = ("X", "Y")` constants, used as env keys by name."""
    constants: dict[str, list[str]] = {}
    for stmt in _top_level_statements(tree.body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            values = _literal_strings(stmt.value)
            if values:
                constants[stmt.targets[0].id] = values
    return constants


def _literal_strings(expr: ast.expr | None) -> list[str]:
    """A string constant or a literal list/tuple/set of them."""
    if expr is None:
        return []
    single = _literal_str(expr)
    if single is not None:
        return [single]
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        items = [_literal_str(e) for e in expr.elts]
        return [s for s in items if s is not None] if all(s is not None for s in items) else []
    return []


def _loop_bindings(tree: ast.AST, constants: dict[str, list[str]]) -> dict[str, list[str]]:
    """`for var in ("A", "B")` (or over a module constant): var -> the literal names it takes."""
    bindings: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
            values = _literal_strings(node.iter)
            if not values and isinstance(node.iter, ast.Name):
                values = constants.get(node.iter.id, [])
            if values:
                bindings.setdefault(node.target.id, []).extend(values)
    return bindings


def _key_names(key: ast.expr, names: dict[str, list[str]]) -> list[str]:
    """Literal env names a key expression stands for (string constant, or a known constant name)."""
    literal = _literal_str(key)
    if literal is not None:
        return [literal]
    if isinstance(key, ast.Name):
        return names.get(key.id, [])
    return []


def _overwrites_env(func: ast.FunctionDef, param: str) -> bool:
    """Whether the function unconditionally assigns `os.environ[param]` (a setter such as `set_env_var`,
    which only reads the old value to restore it, so the user's value never reaches anyone)."""
    for stmt in func.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        for target in targets:
            if (
                isinstance(target, ast.Subscript)
                and _is_os_environ(target.value)
                and isinstance(target.slice, ast.Name)
                and target.slice.id == param
            ):
                return True
    return False


def _env_reader_params(tree: ast.Module) -> dict[str, int]:
    """Functions that read the env var named by one of their parameters -> that parameter's index."""
    readers: dict[str, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        params = [a.arg for a in node.args.posonlyargs + node.args.args]
        if params[:1] in (["self"], ["cls"]):
            continue  # call sites omit the receiver, so positional indexes would not line up
        for inner in ast.walk(node):
            key = env_read_key(inner)
            if isinstance(key, ast.Name) and key.id in params and not _overwrites_env(node, key.id):
                readers[node.name] = params.index(key.id)
                break
    return readers


def _helper_calls(tree: ast.Module, readers: dict[str, int]) -> set[str]:
    """Literal names passed to env-reading helpers, e.g. `env_with_choices("VLLM_X", ...)`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _decorator_name(node.func)
        if name not in readers or isinstance(node.func, ast.Call):
            continue
        index = readers[name]
        arg = node.args[index] if len(node.args) > index else None
        value = _literal_str(arg) if arg is not None else None
        if value is not None and HELPER_ENV_NAME_RE.match(value):
            found.add(value)
    return found


def env_var_names(src: WheelSources) -> set[str]:
    """Every env var name the vLLM package reads by a literal (or literal-constant) name."""
    readers: dict[str, int] = {}
    names = set(envs_dict_keys(src))
    for _, tree in src.modules(containing=ENV_ACCESS_MARKERS):
        readers.update(_env_reader_params(tree))
        constants = _module_string_constants(tree)
        bindings = {**constants, **_loop_bindings(tree, constants)}
        for node in ast.walk(tree):
            key = env_read_key(node)
            if key is not None:
                names.update(n for n in _key_names(key, bindings) if ENV_NAME_RE.match(n))
    for _, tree in src.modules(containing=[f"{reader}(" for reader in readers]):
        names |= _helper_calls(tree, readers)
    return names


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """Hex sha256 of the wheel, recorded so a reviewer can tell which artifact the lists describe."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def header(version: str, wheel_name: str, sha256: str, what: str) -> list[str]:
    """Comment lines naming the generating command and the wheel; independent of how it was invoked."""
    return [
        f"# {what} (vLLM {version}).",
        f"# Generated by: python scripts/extract_vllm_cli.py --version {version}",
        f"# From wheel: {wheel_name} sha256={sha256}",
        "# Do not edit by hand; re-run the command above (--check verifies this file).",
    ]


FLAGS_NOTES = [
    "# Format: <option><TAB><arity>. arity: value = takes an argument; switch = takes none;",
    "#   optional = argument may be omitted (bare flag means true); list = one or more values;",
    "#   json = a JSON object, also given key by key (--compilation-config.mode=3, -cc.mode=3, key+ appends).",
    "#   Short aliases (-tp) are listed too.",
    "# vLLM also accepts underscores for dashes in the name part (--max_model_len), `--name=value`,",
    "#   -O<n> for --optimization-level, and argparse prefix abbreviations; -h/--help are not listed.",
]


def render_flags(options: dict[str, str], head: list[str]) -> str:
    """One `--name<TAB>arity` line per option string, sorted."""
    lines = [*head, *FLAGS_NOTES, *(f"{name}\t{options[name]}" for name in sorted(options))]
    return "\n".join(lines) + "\n"


def render_env(names: set[str], head: list[str]) -> str:
    """One env var name per line, sorted."""
    return "\n".join([*head, *sorted(names)]) + "\n"


# Typed settings the generator or the chart sets: (key in the choices file, module, Literal alias).
CHOICE_ALIASES = (
    ("distributedExecutorBackend", "vllm.config.parallel", "DistributedExecutorBackend"),
    ("dtype", "vllm.config.model", "ModelDType"),
    ("kvCacheDtype", "vllm.config.cache", "CacheDType"),
    ("quantization", "vllm.model_executor.layers.quantization", "QuantizationMethods"),
)


def literal_choices(src: WheelSources, module: str, alias: str) -> list[str]:
    """The strings of a module-level `Alias = Literal["a", "b", ...]`: the values vLLM's parser accepts."""
    tree = src.require_tree(module)
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if not any(isinstance(t, ast.Name) and t.id == alias for t in targets):
            continue
        value = node.value
        if isinstance(value, ast.Subscript) and _decorator_name(value.value) == "Literal":
            items = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
            strings = [
                item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)
            ]
            if strings:
                return sorted(set(strings))
    raise ExtractionError(f"{module}.{alias} is not a Literal of strings in this wheel")


def render_choices(src: WheelSources, head: list[str]) -> str:
    """YAML: each typed setting's accepted values, sorted, one flow list per key."""
    lines = [*head]
    for key, module, alias in CHOICE_ALIASES:
        lines.append(f"#   {key} <- {module} {alias}")
    for key, module, alias in CHOICE_ALIASES:
        lines.append(f"{key}: [{', '.join(literal_choices(src, module, alias))}]")
    return "\n".join(lines) + "\n"


def build_outputs(wheel: Path) -> dict[str, str]:
    """File name -> content for both lists extracted from `wheel`."""
    src = WheelSources.from_wheel(wheel)
    for location in platform_hook_arguments(src):
        print(f"warning: platform hook registers options at {location}; not listed", file=sys.stderr)
    sha = sha256_of(wheel)
    flags = render_flags(serve_options(src), header(src.version, wheel.name, sha, "`vllm serve` options"))
    env = render_env(
        env_var_names(src), header(src.version, wheel.name, sha, "Env var names the vllm package reads")
    )
    choices = render_choices(
        src, header(src.version, wheel.name, sha, "Values vLLM accepts for typed settings")
    )
    return {
        f"vllm-{src.version}-flags.txt": flags,
        f"vllm-{src.version}-env.txt": env,
        f"vllm-{src.version}-choices.yaml": choices,
    }


def download_wheel(version: str, dest: Path) -> Path:
    """`pip download --no-deps vllm==X` for the x86_64 manylinux wheel, so every host gets the same file."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--platform", "manylinux_2_28_x86_64", "--dest", str(dest), f"vllm=={version}",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    wheels = sorted(dest.glob("vllm-*.whl"))
    if len(wheels) != 1:
        raise ExtractionError(f"expected one vllm wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def check_outputs(outputs: dict[str, str], out_dir: Path) -> int:
    """Exit status for --check: 1 and a diff when a committed file differs from what would be written."""
    status = 0
    for name, content in sorted(outputs.items()):
        path = out_dir / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != content:
            status = 1
            diff = difflib.unified_diff(
                current.splitlines(keepends=True), content.splitlines(keepends=True), str(path), "expected"
            )
            sys.stderr.write(f"{path} is out of date:\n{''.join(list(diff)[:60])}")
    return status


def write_outputs(outputs: dict[str, str], out_dir: Path) -> None:
    """Write the lists, creating the data directory if needed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in sorted(outputs.items()):
        (out_dir / name).write_text(content, encoding="utf-8")
        entries = sum(1 for line in content.splitlines() if not line.startswith("#"))
        print(f"wrote {out_dir / name} ({entries} entries)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line: a wheel path or --version, plus --out-dir and --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("wheel", nargs="?", type=Path, help="path to a vllm-*.whl")
    source.add_argument("--version", help="download vllm==VERSION with pip into a temp dir")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="default: %(default)s")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files in --out-dir differ")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Extract both lists from the wheel and write or check them."""
    args = parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="vllm-wheel-") as tmp:
            wheel = args.wheel if args.wheel is not None else download_wheel(args.version, Path(tmp))
            outputs = build_outputs(wheel)
    except (ExtractionError, OSError, zipfile.BadZipFile, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        return check_outputs(outputs, args.out_dir)
    write_outputs(outputs, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
