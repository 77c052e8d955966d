"""Scale from zero that wakes: with KEDA and its HTTP add-on running, a model at zero replicas answers its first
request, held at the add-on's interceptor while a simulator pod starts, and goes back to zero without traffic.

Needs KEDA installed by ci/kind/run-e2e.sh, which happens only when ci/kind/versions.yaml records the checksums of
the KEDA and add-on release manifests (ROCM_VLLM_E2E_KEDA=1); otherwise the test skips and says so.
"""

from __future__ import annotations

import json
import os

import pytest

from .kube import Cluster, wait_until
from .release import SERVED_MODEL, Client, Release, values_files

pytestmark = pytest.mark.e2e

KEDA_ENV = "ROCM_VLLM_E2E_KEDA"
INTERCEPTOR_PORT = 8080  # keda.httpScaleFromZero.interceptor.port, the add-on's proxy port


def ready_replicas(release: Release) -> int:
    [deployment] = release.objects("deployment")
    return int(deployment["status"].get("readyReplicas") or 0)


def test_a_model_at_zero_answers_its_first_request(cluster: Cluster, namespace: str) -> None:
    if os.environ.get(KEDA_ENV) != "1":
        pytest.skip(
            "KEDA and its HTTP add-on are not installed (their sha256 is not recorded in ci/kind/versions.yaml)"
        )
    release = Release(cluster, "wake", namespace, values_files(None, "scale-from-zero"))
    release.install()
    [scaled] = release.objects("httpscaledobject")
    assert scaled["spec"]["replicas"]["min"] == 0

    # No traffic: the add-on scales the Deployment to zero after scaledownPeriod (60 s).
    wait_until(
        "the Deployment at zero replicas",
        lambda: True if not release.pods() else None,
        timeout_s=300,
        interval_s=10,
    )

    [wake] = [s for s in release.objects("service") if s["spec"].get("type") == "ExternalName"]
    client = Client(cluster, namespace).start()
    body = json.dumps({"model": SERVED_MODEL, "prompt": "hello", "max_tokens": 4})
    out = client.exec(
        "wget",
        "-q",
        "-T",
        "300",
        "-O",
        "-",
        "--header",
        "Content-Type: application/json",
        "--post-data",
        body,
        f"http://{wake['metadata']['name']}.{namespace}.svc:{INTERCEPTOR_PORT}/v1/completions",
        timeout_s=330,
    )
    assert json.loads(out)["model"] == SERVED_MODEL  # the held request was answered by the woken pod
    assert ready_replicas(release) >= 1
