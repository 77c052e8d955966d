"""Read a `vllm serve` argument list the way vLLM's own parser does, against the extracted option table.

vLLM's `FlexibleArgumentParser` (vllm/utils/argparse_utils.py, 0.23.0 and 0.29.0 alike) rewrites the
arguments before argparse sees them, and argparse then resolves what is left:

- `--max_model_len`: underscores become dashes in the name before the first `.` (long options only);
- `--name=value` and `-tp=8`: a value after `=`; a two-letter short option also takes it attached (`-q…`);
- `-O3`, `-O=3`, `-O 3` (only 0-3 as a separate token), `-Odecode`: `--optimization-level <value>`;
- `--compilation-config.mode=3`, `-cc.pass_config.fuse_rope_kvcache=True`, `--x.key value`, `--x.key+ a,b`:
  dotted keys of an option that takes a JSON object, folded into one JSON object;
- argparse resolves a unique prefix of an option (`--max-model` is `--max-model-len`); an ambiguous one
  is an error;
- switches take no value (`--enable-prefix-caching=true` is refused), value options need one, list
  options take one or more.

`read_argv` returns each option the tokens resolve to, or one problem per wrong token, so a check can give
exactly one message per wrong flag (a chart-owned flag is one finding, its value is consumed with it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

OPTIMIZATION_LEVEL = "--optimization-level"
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")
SEPARATE_O_LEVELS = frozenset({"0", "1", "2", "3"})


@dataclass(frozen=True)
class Option:
    """One option a token resolves to: its canonical spelling, where it was written, and its value tokens."""

    index: int  # the token the option was written in
    written: str  # the token itself
    name: str  # the registered option string it resolves to (`--max-model-len`, `-tp`)
    values: tuple[str, ...]  # value tokens (or the inline value); empty for switches
    dotted: bool = False  # given key by key (`-cc.mode=3`)
    abbreviation: bool = False  # a unique prefix argparse expands


@dataclass(frozen=True)
class Problem:
    index: int
    message: str


@dataclass(frozen=True)
class ReadArgv:
    options: tuple[Option, ...]
    problems: tuple[Problem, ...]


def last_flag_value(args: Sequence[str], flag: str) -> str | None:
    """The last value given to `flag` in `args` (`--flag v` or `--flag=v`), as argparse keeps it; None when absent."""
    found = None
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith(flag + "="):
            found = arg.partition("=")[2]
    return found


def _looks_like_flag(token: str) -> bool:
    """argparse's test: a token starting with `-` is an option unless it is a negative number."""
    return token.startswith("-") and token != "-" and not _NEGATIVE_NUMBER.match(token)


def normalize_long(name: str) -> str:
    """vLLM's rewrite of `--a_b.c_d`: underscores to dashes before the first `.`; single-dash names stay."""
    if not name.startswith("--"):
        return name
    base, dot, rest = name.partition(".")
    return base.replace("_", "-") + dot + rest


def resolve_option(name: str, flags: dict[str, str]) -> tuple[str | None, list[str]]:
    """The registered option `name` means (exact or a unique prefix), and the candidates when ambiguous."""
    if name in flags:
        return name, []
    long_form = name.startswith("--")
    candidates = sorted(
        option
        for option in flags
        if option.startswith(name) and option.startswith("--") == long_form and len(name) > 1
    )
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates


class _Reader:
    def __init__(self, tokens: tuple[str, ...] | list[str], flags: dict[str, str]) -> None:
        self.tokens = list(tokens)
        self.flags = flags
        self.options: list[Option] = []
        self.problems: list[Problem] = []

    def problem(self, index: int, message: str) -> None:
        self.problems.append(Problem(index, message))

    def read(self) -> ReadArgv:
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if not _looks_like_flag(token):
                self.problem(
                    index,
                    f"{token!r} is not a flag and follows no flag that takes a value; "
                    "write flags as --name value or --name=value",
                )
                index += 1
                continue
            index = self.read_flag(index, token)
        return ReadArgv(tuple(self.options), tuple(self.problems))

    def read_flag(self, index: int, token: str) -> int:
        if token.startswith("-O") and not token.startswith("--"):
            return self.read_optimization_level(index, token)
        name, has_value, inline = token.partition("=")
        name = normalize_long(name)
        if "." in name:
            return self.read_dotted(index, token, name, has_value == "=", inline)
        resolved, candidates = resolve_option(name, self.flags)
        attached = None
        if resolved is None and not name.startswith("--") and len(name) > 2 and not has_value:
            # argparse: a two-letter short option takes a value attached to it (`-qfp8`)
            short, rest = name[:2], name[2:]
            if self.flags.get(short) in ("value", "json", "optional", "list"):
                resolved, candidates, attached = short, [], rest
        if resolved is None:
            return self.unknown(index, token, name, candidates)
        arity = self.flags[resolved]
        abbreviation = resolved != name and attached is None
        if attached is not None:
            return self.record(index, token, resolved, (attached,), abbreviation=False, consumed=0)
        if arity == "switch":
            if has_value:
                self.problem(
                    index, f"{resolved} is a switch and takes no value; use {resolved} or its --no- form"
                )
                return index + 1
            return self.record(index, token, resolved, (), abbreviation=abbreviation)
        if has_value:
            return self.record(index, token, resolved, (inline,), abbreviation=abbreviation, consumed=0)
        following = self.following_values(index)
        if arity == "optional":
            return self.record(index, token, resolved, tuple(following[:1]), abbreviation=abbreviation)
        if not following:
            self.problem(index, f"{resolved} needs a value")
            return index + 1
        taken = following if arity == "list" else following[:1]
        return self.record(index, token, resolved, tuple(taken), abbreviation=abbreviation)

    def following_values(self, index: int) -> list[str]:
        values = []
        for token in self.tokens[index + 1 :]:
            if _looks_like_flag(token):
                break
            values.append(token)
        return values

    def record(
        self,
        index: int,
        token: str,
        name: str,
        values: tuple[str, ...],
        *,
        abbreviation: bool,
        dotted: bool = False,
        consumed: int | None = None,
    ) -> int:
        self.options.append(Option(index, token, name, values, dotted, abbreviation))
        return index + 1 + (len(values) if consumed is None else consumed)

    def unknown(self, index: int, token: str, name: str, candidates: list[str]) -> int:
        if candidates:
            shown = ", ".join(candidates[:6]) + (", ..." if len(candidates) > 6 else "")
            self.problem(index, f"{name} is ambiguous: it could be {shown}; write the option in full")
        else:
            self.problem(index, f"no flag {name}")
        # the unknown flag's value (if it looks like one) is not a second problem
        following = self.following_values(index)
        return index + 1 + (1 if following and "=" not in token else 0)

    def read_optimization_level(self, index: int, token: str) -> int:
        level = token[2:]
        if level.startswith("="):
            level = level[1:]
        if level:
            return self.record(index, token, OPTIMIZATION_LEVEL, (level,), abbreviation=False, consumed=0)
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if following in SEPARATE_O_LEVELS:
            return self.record(index, token, OPTIMIZATION_LEVEL, (following,), abbreviation=False)
        self.problem(index, "-O takes its level attached (-O3, -O=3) or as a separate 0, 1, 2 or 3 (-O 3)")
        return index + 1 + (1 if following is not None and not _looks_like_flag(following) else 0)

    def read_dotted(self, index: int, token: str, name: str, has_value: bool, inline: str) -> int:
        base, _, key = name.partition(".")
        resolved, candidates = resolve_option(base, self.flags)
        if resolved is None:
            return self.unknown(index, token, base, candidates)
        if self.flags[resolved] != "json":
            self.problem(
                index,
                f"{resolved} does not take a JSON object, so it has no keys to set ({token.split('=')[0]})",
            )
            return index + 1 + (0 if has_value else 1)
        if not key or key.startswith(".") or key.endswith(".") or ".." in key:
            self.problem(index, f"{token.split('=')[0]}: a dotted key needs a name after each '.'")
            return index + 1
        if has_value:
            return self.record(
                index, token, resolved, (inline,), abbreviation=resolved != base, dotted=True, consumed=0
            )
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if following is None:
            self.problem(index, f"{token} needs a value (write {token}=VALUE or {token} VALUE)")
            return index + 1
        return self.record(index, token, resolved, (following,), abbreviation=resolved != base, dotted=True)


def read_argv(tokens: tuple[str, ...] | list[str], flags: dict[str, str]) -> ReadArgv:
    """Each option the tokens give, and one problem per token vLLM's parser would refuse."""
    return _Reader(tokens, flags).read()
