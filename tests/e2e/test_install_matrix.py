"""Every chart scenario (charts/rocm-vllm/ci/*-values.yaml) installs on kind and passes `helm test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .kube import CHART_DIR, Cluster
from .release import Release, values_files

SCENARIOS = sorted((CHART_DIR / "ci").glob("*-values.yaml"))

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name.removesuffix("-values.yaml") for p in SCENARIOS])
def test_scenario_installs_and_helm_test_passes(cluster: Cluster, namespace: str, scenario: Path) -> None:
    release = Release(cluster, "matrix", namespace, values_files(scenario, None))
    release.install()
    # The chart's test hook Pod queries the Service's /v1/models and fails unless the served model is listed.
    release.helm_test()
    release.uninstall()
