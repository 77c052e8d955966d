"""Prefill/decode pools on kind: both pools turn Available, the decode pods' sidecar answers on the serving port,
and a completion sent to the decode Service with x-prefiller-host-port naming a prefill pod runs its prefill leg on
that prefill pod (whose simulator counts a request finished "remote_decode") before the decode pod answers.

No Gateway implementation runs on kind, so the endpoint picker's part (choosing the pods and setting the header) is
not exercised here: the test sets the header the picker would.
"""

from __future__ import annotations

import json
import re

import pytest

from .kube import Cluster, CommandError, condition, wait_until
from .release import SERVED_MODEL, SERVING_PORT, Client, Release, values_files

pytestmark = pytest.mark.e2e

REMOTE_DECODE = re.compile(
    r'^vllm:request_success_total\{[^}]*finish_reason="remote_decode"[^}]*\} ([0-9.e+]+)$', re.M
)


def remote_decode_count(client: Client, pod_ip: str) -> float:
    metrics = client.http_get(f"http://{pod_ip}:{SERVING_PORT}/metrics")
    return sum(float(m) for m in REMOTE_DECODE.findall(metrics))


def test_a_request_runs_prefill_then_decode(cluster: Cluster, namespace: str) -> None:
    release = Release(cluster, "pd", namespace, values_files(None, "disaggregation"))
    release.install()
    deployments = {d["metadata"]["name"]: d for d in release.objects("deployment")}
    assert sorted(deployments) == ["pd-rocm-vllm-decode", "pd-rocm-vllm-prefill"]
    for deployment in deployments.values():
        available = condition(deployment, "Available")
        assert available and available["status"] == "True", deployment["status"]

    pods = {
        p["metadata"]["labels"]["llm-d.ai/role"]: p
        for p in release.pods()
        if "llm-d.ai/role" in p["metadata"]["labels"]
    }
    prefill_ip = pods["prefill"]["status"]["podIP"]
    client = Client(cluster, namespace).start()
    before = remote_decode_count(client, prefill_ip)

    body = json.dumps({"model": SERVED_MODEL, "prompt": "hello from kind", "max_tokens": 4})

    def complete() -> str | None:
        try:
            return client.exec(
                *("wget", "-q", "-T", "20", "-O", "-", "--header", "Content-Type: application/json"),
                *("--header", f"x-prefiller-host-port: {prefill_ip}:{SERVING_PORT}", "--post-data", body),
                f"http://pd-rocm-vllm-decode:{SERVING_PORT}/v1/completions",
            )
        except CommandError:
            return None

    answer = wait_until("a completion through the decode pool's sidecar", complete, timeout_s=120)
    assert json.loads(answer)["choices"][0]["finish_reason"] != "remote_decode"  # the decode pod answered
    assert remote_decode_count(client, prefill_ip) > before, "the prefill pod ran no prefill leg"
    release.helm_test()
    release.uninstall()
