"""The `vllm serve` argument lists inside rendered manifests, as the container would run them.

A container runs vLLM either directly (`command: [vllm, serve]`, `args: [...]`) or through a shell launch
script (`sh -c SCRIPT NAME ARG...`, as the chart's files/ray-*.sh are run, or a script file from a ConfigMap
the pod mounts) whose `vllm serve ...` line takes its arguments from `"$@"` and env vars. Both are read here:
Kubernetes' `$(VAR)` expansion of command/args, and the shell's `$VAR`/`${VAR}` expansion of script lines, from
the container's env. An env var whose value Kubernetes fills in at run time (downward API, Secrets, the
LeaderWorkerSet's LWS_*) gets a stand-in value (`RUNTIME_STANDIN`) so the argument list still parses: vLLM's
parser types the flag, not the pod.

Used by `make test-vllm` (every rendered `vllm serve` line through vLLM's real parser).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# A value that parses as an int and as a string: what a run-time env var (LWS_WORKER_INDEX, a pod IP) stands
# for when the argument list is checked offline.
RUNTIME_STANDIN = "1"
SHELLS = frozenset({"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env"})
# The LeaderWorkerSet controller injects these into every container of a group's pods (platform-facts.md,
# LeaderWorkerSet "Injected env"); they are not in the manifest, so `$(LWS_GROUP_SIZE)` resolves only at run time.
LWS_INJECTED = ("LWS_GROUP_SIZE", "LWS_LEADER_ADDRESS", "LWS_WORKER_INDEX")
_K8S_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_SHELL_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
# A command line that runs vLLM: `vllm serve ...` or `exec vllm serve ...` (a log line that mentions it is not)
_SERVE = re.compile(r"^\s*(?:exec\s+)?vllm\s+serve(?=\s|$)")


@dataclass(frozen=True)
class ServeCommand:
    """One `vllm serve` invocation: where it is (kind/name, pod role, container) and its arguments."""

    where: str
    image: str
    argv: tuple[str, ...]  # what follows `vllm serve` (the model first)


class ServeArgvError(ValueError):
    """A launch line that cannot be read (unbalanced quotes, a construct this reader does not follow)."""


def _pod_specs(obj: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        yield "", spec
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        yield "", (spec.get("template") or {}).get("spec") or {}
    elif kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        yield "", (job.get("template") or {}).get("spec") or {}
    elif kind == "LeaderWorkerSet":
        templates = spec.get("leaderWorkerTemplate") or {}
        for role in ("leaderTemplate", "workerTemplate"):
            if templates.get(role):
                yield role.removesuffix("Template"), templates[role].get("spec") or {}


def _env(container: Mapping[str, Any], injected: Iterable[str] = ()) -> dict[str, str]:
    env: dict[str, str] = dict.fromkeys(injected, RUNTIME_STANDIN)
    for entry in container.get("env") or ():
        name = str(entry.get("name"))
        env[name] = str(entry["value"]) if "value" in entry else RUNTIME_STANDIN
    return env


def _k8s_expand(token: str, env: Mapping[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion of command/args (an unknown variable stays as written, as in Kubernetes)."""
    return _K8S_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), token)


def _shell_expand(line: str, env: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env.get(name, RUNTIME_STANDIN)

    return _SHELL_VAR.sub(value, line)


def _logical_lines(script: str) -> list[str]:
    return script.replace("\\\n", " ").splitlines()


def serve_argvs_in_script(
    script: str, env: Mapping[str, str], positional: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """The argument list of every `vllm serve` line of a shell script, its env vars expanded and `"$@"` replaced
    by the script's arguments (`sh -c SCRIPT NAME ARG...`: `positional` is ARG...)."""
    found: list[tuple[str, ...]] = []
    for line in _logical_lines(script):
        if line.lstrip().startswith("#"):
            continue
        match = _SERVE.search(line)
        if match is None:
            continue
        rest = line[match.end() :]
        try:
            words = shlex.split(rest, comments=True)
        except ValueError as error:
            raise ServeArgvError(f"cannot read the vllm serve line {line.strip()!r}: {error}") from None
        # `"$@"`-style forwarding and operators end the command: stop at the first shell operator
        argv: list[str] = []
        for word in words:
            if word in ("&&", "||", ";", "|", "&"):
                break
            if word == "$@":
                argv.extend(positional)
            elif re.fullmatch(r"\$\{?[1-9]\}?", word):
                number = int(word.strip("${}"))
                argv.append(positional[number - 1] if number <= len(positional) else "")
            else:
                argv.append(_shell_expand(word, env) if "$" in word else word)
        found.append(tuple(argv))
    return found


def _config_map_files(objects: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    files: dict[str, str] = {}
    for obj in objects:
        if obj.get("kind") == "ConfigMap":
            for key, text in (obj.get("data") or {}).items():
                files[str(key)] = str(text)
    return files


def _container_argvs(
    container: Mapping[str, Any], scripts: Mapping[str, str], injected: Iterable[str] = ()
) -> list[tuple[str, ...]]:
    env = _env(container, injected)
    words = [
        _k8s_expand(str(w), env) for w in (*(container.get("command") or ()), *(container.get("args") or ()))
    ]
    if len(words) >= 2 and words[0].rsplit("/", 1)[-1] == "vllm" and words[1] == "serve":
        return [tuple(words[2:])]
    if words and words[0] in SHELLS:
        at = next((i for i, w in enumerate(words[:-1]) if w == "-c"), None)
        if at is not None:  # sh -c SCRIPT [NAME [ARG...]]: NAME is $0, the ARGs are "$@"
            return serve_argvs_in_script(words[at + 1], env, tuple(words[at + 3 :]))
        for word in words[1:]:  # `sh /scripts/launch.sh`: a script file from a ConfigMap
            name = word.rsplit("/", 1)[-1]
            if name in scripts:
                return serve_argvs_in_script(scripts[name], env)
    return []


def serve_commands(objects: Iterable[Mapping[str, Any]]) -> list[ServeCommand]:
    """Every `vllm serve` invocation in the rendered objects, in object order."""
    objects = list(objects)
    scripts = _config_map_files(objects)
    commands: list[ServeCommand] = []
    for obj in objects:
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        injected = LWS_INJECTED if obj.get("kind") == "LeaderWorkerSet" else ()
        for role, spec in _pod_specs(obj):
            for container in (*(spec.get("initContainers") or ()), *(spec.get("containers") or ())):
                for argv in _container_argvs(container, scripts, injected):
                    where = f"{name} {role + ' ' if role else ''}container {container.get('name')}"
                    commands.append(ServeCommand(where, str(container.get("image")), argv))
    return commands
