"""scripts/scan_charts.py without the scanners: LeaderWorkerSet templates become Deployments, exceptions match by
scanner, check, component and container, and every exception carries a reason."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import yaml

from script_loading import script_module

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    return script_module("scan_charts")


SCAN = _load()


def test_leader_and_worker_templates_are_scanned_as_deployments() -> None:
    chart = REPO / "charts" / "rocm-vllm"
    values = {"multiNode": {"nodesPerReplica": 2}}
    (lws,) = [o for o in SCAN.rendered_objects(chart, values) if o["kind"] == "LeaderWorkerSet"]
    leader, worker = SCAN.as_scannable(lws)
    assert [leader["kind"], worker["kind"]] == ["Deployment", "Deployment"]
    assert leader["metadata"]["name"].endswith("-leader") and worker["metadata"]["name"].endswith("-worker")
    templates = lws["spec"]["leaderWorkerTemplate"]
    assert leader["spec"]["template"] == templates["leaderTemplate"]
    assert worker["spec"]["template"] == templates["workerTemplate"]
    assert SCAN.pod_component(leader) == "server"


def test_every_chart_scenario_and_recipe_render_is_scanned() -> None:
    names = {name for name, _, _ in SCAN.scenarios()}
    for chart in ("rocm-vllm", "rocm-vllm-stack", "rocm-vllm-cache"):
        for path in (REPO / "charts" / chart / "ci").glob("*-values.yaml"):
            assert f"{chart}/ci/{path.name}" in names
    assert {f"values/{p.name}" for p in (REPO / "values").glob("*.yaml")} <= names


def test_exceptions_match_scanner_check_component_and_container() -> None:
    target = SCAN.Target("s", "Deployment", "d", "server")
    entry = {"scanner": "trivy", "id": "KSV-0014", "component": "server", "container": "vllm", "reason": "r"}
    assert SCAN.excepted(SCAN.Finding("trivy", "KSV-0014", target, "vllm", ""), [entry]) is entry
    assert SCAN.excepted(SCAN.Finding("trivy", "KSV-0014", target, "download-model", ""), [entry]) is None
    assert SCAN.excepted(SCAN.Finding("checkov", "KSV-0014", target, "vllm", ""), [entry]) is None
    router = SCAN.Target("s", "Deployment", "r", "router")
    assert SCAN.excepted(SCAN.Finding("trivy", "KSV-0014", router, "vllm", ""), [entry]) is None


def test_every_exception_has_a_one_line_reason() -> None:
    entries = yaml.safe_load((REPO / "ci" / "scan-exceptions.yaml").read_text(encoding="utf-8"))["exceptions"]
    assert entries
    for entry in entries:
        assert entry["scanner"] in {"checkov", "trivy"}
        assert entry["reason"].strip() and "\n" not in entry["reason"]
    keys = [(e["scanner"], e["id"], e["component"], e.get("container")) for e in entries]
    assert len(keys) == len(set(keys)), "duplicate exception"
