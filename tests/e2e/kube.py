"""Bounded wrappers around kubectl and helm for the kind e2e suite.

Every call names the suite's own kubeconfig explicitly and carries a timeout, so a test can neither reach a
cluster other than the kind one nor hang a CI job.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "rocm-vllm"
KIND_DIR = REPO_ROOT / "ci" / "kind"

# Per-command ceiling; waits that span many commands use `wait_until` with their own deadline.
COMMAND_TIMEOUT_S = 180
INSTANCE_LABEL = "app.kubernetes.io/instance"

T = TypeVar("T")


class CommandError(RuntimeError):
    """A kubectl or helm command exited non-zero."""

    def __init__(self, argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> None:
        self.returncode = proc.returncode
        self.stderr = proc.stderr
        super().__init__(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.strip() or proc.stdout.strip()}"
        )


def wait_until(what: str, probe: Callable[[], T | None], *, timeout_s: float, interval_s: float = 3.0) -> T:
    """Poll `probe` until it returns something other than None/False; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
            if result is not None and result is not False:
                return result
        except (CommandError, subprocess.TimeoutExpired, KeyError, IndexError) as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f"; last error: {last_error}" if last_error else ""
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}{detail}")
        time.sleep(interval_s)


@dataclass(frozen=True)
class Cluster:
    """The kind cluster created by ci/kind/run-e2e.sh, reached only through its own kubeconfig."""

    name: str
    kubeconfig: Path

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        timeout_s: float = COMMAND_TIMEOUT_S,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        proc = subprocess.run(
            list(argv),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
            cwd=REPO_ROOT,
            check=False,
        )
        if check and proc.returncode != 0:
            raise CommandError(argv, proc)
        return proc

    def kubectl(
        self, *args: str, namespace: str | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        argv = ["kubectl", f"--kubeconfig={self.kubeconfig}", "--request-timeout=60s"]
        if namespace:
            argv.append(f"--namespace={namespace}")
        return self.run([*argv, *args], **kwargs)

    def get(self, *args: str, namespace: str | None = None) -> Any:
        """`kubectl get ... -o json`, parsed."""
        return json.loads(self.kubectl("get", *args, "-o", "json", namespace=namespace).stdout)

    def items(self, kind: str, namespace: str, selector: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(kind, "-l", selector, namespace=namespace)["items"]
        return items

    def apply(self, obj: dict[str, Any], namespace: str) -> None:
        self.kubectl("apply", "-f", "-", namespace=namespace, stdin=json.dumps(obj))

    def helm(self, *args: str, namespace: str, timeout_s: float = 900) -> subprocess.CompletedProcess[str]:
        argv = ["helm", f"--kubeconfig={self.kubeconfig}", f"--namespace={namespace}", *args]
        return self.run(argv, timeout_s=timeout_s)


def load_manifest(name: str) -> dict[str, Any]:
    """A manifest from ci/kind/manifests (validated offline by tests/ci)."""
    obj: dict[str, Any] = yaml.safe_load((KIND_DIR / "manifests" / name).read_text(encoding="utf-8"))
    return obj


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The status condition of type `kind`, if present."""
    for cond in obj.get("status", {}).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None
