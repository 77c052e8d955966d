"""A Helm release of the chart on kind, and an in-cluster client to talk to it.

Values are layered in this order, later files winning: the scenario file (a chart `ci/*-values.yaml`, or
none), then ci/kind/values/stand-in.yaml (no GPUs, simulator instead of vLLM), then the kind scenario
overlay. The stand-in goes after the chart scenario so no scenario can turn GPU requests back on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kube import CHART_DIR, INSTANCE_LABEL, KIND_DIR, Cluster, load_manifest, wait_until

STAND_IN_VALUES = KIND_DIR / "values" / "stand-in.yaml"
SERVED_MODEL = "rocm-vllm-sim"
SERVING_PORT = 8000

INSTALL_TIMEOUT = "600s"
HELM_TEST_TIMEOUT = "300s"


def values_files(chart_scenario: Path | None, kind_overlay: str | None) -> list[Path]:
    files = [chart_scenario] if chart_scenario else []
    files.append(STAND_IN_VALUES)
    if kind_overlay:
        files.append(KIND_DIR / "values" / f"{kind_overlay}.yaml")
    return files


@dataclass
class Release:
    cluster: Cluster
    name: str
    namespace: str
    files: list[Path]
    extra_sets: list[str] = field(default_factory=list)

    @property
    def selector(self) -> str:
        return f"{INSTANCE_LABEL}={self.name}"

    def _value_args(self, sets: Sequence[str]) -> list[str]:
        args: list[str] = []
        for path in self.files:
            args += ["--values", str(path)]
        for item in [*self.extra_sets, *sets]:
            args += ["--set", item]
        return args

    def install(self) -> None:
        self.cluster.helm(
            "install",
            self.name,
            str(CHART_DIR),
            *self._value_args(()),
            "--wait",
            "--timeout",
            INSTALL_TIMEOUT,
            namespace=self.namespace,
        )

    def upgrade(self, *sets: str) -> None:
        self.cluster.helm(
            "upgrade",
            self.name,
            str(CHART_DIR),
            *self._value_args(sets),
            "--wait",
            "--timeout",
            INSTALL_TIMEOUT,
            namespace=self.namespace,
        )

    def helm_test(self) -> str:
        proc = self.cluster.helm(
            "test", self.name, "--timeout", HELM_TEST_TIMEOUT, "--logs", namespace=self.namespace
        )
        return proc.stdout

    def uninstall(self) -> None:
        self.cluster.helm("uninstall", self.name, "--wait", "--timeout", "300s", namespace=self.namespace)

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return self.cluster.items(kind, self.namespace, self.selector)

    def serving_service(self) -> dict[str, Any]:
        """The chart's client-facing Service (headless Services, e.g. for LWS DNS, and the ExternalName wake Service
        of keda.httpScaleFromZero are excluded)."""
        services = [
            s
            for s in self.objects("service")
            if s["spec"].get("clusterIP") != "None" and s["spec"].get("type") != "ExternalName"
        ]
        assert len(services) == 1, (
            f"expected one serving Service, found {[s['metadata']['name'] for s in services]}"
        )
        return services[0]

    def pods(self) -> list[dict[str, Any]]:
        return self.objects("pod")


class Client:
    """busybox Pod in the release's namespace: HTTP with wget, DNS with nslookup, all inside the cluster."""

    def __init__(self, cluster: Cluster, namespace: str, name: str = "e2e-client") -> None:
        self.cluster, self.namespace, self.name = cluster, namespace, name

    def start(self) -> Client:
        pod = load_manifest("client-pod.yaml")
        pod["metadata"]["name"] = self.name
        self.cluster.apply(pod, self.namespace)
        self.cluster.kubectl(
            "wait",
            f"pod/{self.name}",
            "--for=condition=Ready",
            "--timeout=180s",
            namespace=self.namespace,
            timeout_s=200,
        )
        return self

    def exec(self, *command: str, timeout_s: float = 30) -> str:
        return self.cluster.kubectl(
            "exec",
            self.name,
            "--",
            *command,
            namespace=self.namespace,
            timeout_s=timeout_s,
        ).stdout

    def http_get(self, url: str) -> str:
        return self.exec("wget", "-q", "-T", "10", "-O", "-", url)

    def served_models(self, host: str) -> list[str]:
        body = json.loads(self.http_get(f"http://{host}:{SERVING_PORT}/v1/models"))
        return [m["id"] for m in body["data"]]

    def resolves(self, name: str) -> bool:
        return (
            self.cluster.kubectl(
                "exec",
                self.name,
                "--",
                "nslookup",
                name,
                namespace=self.namespace,
                timeout_s=30,
                check=False,
            ).returncode
            == 0
        )


def wait_for_models(client: Client, host: str, timeout_s: float = 180) -> list[str]:
    return wait_until(
        f"/v1/models on {host}", lambda: client.served_models(host) or None, timeout_s=timeout_s
    )
