"""`make test-vllm`: every rendered `vllm serve` line through vLLM's own parser.

Renders every recipe (recipes/), every chart ci scenario (charts/rocm-vllm/ci/*-values.yaml) and every stack
(stacks/) through the charts with the project's own CLI, reads each `vllm serve` argument list out of the
manifests (rocm_vllm.serve_argv: container command/args or the launch script), writes them to
OUT/argv.json, and runs scripts/vllm_parse_argv.py over them with the Python of a vLLM install (CPU platform
pinned). It first compares vllm-<version>-flags.txt with the real parser's options (names and arities).
Exit 1 names every list difference and every release and pod whose argument list vLLM refuses; a line
whose image carries another vLLM release than the installed one is skipped and listed.

Usage: python scripts/test_vllm.py --vllm-python .venv-vllm/bin/python [--out build/test-vllm]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]


def _render(argv: list[str], out: Path) -> list[dict[str, Any]]:
    """Objects from `rocm-vllm <argv> -o out` (in-process, the same code path as the command line)."""
    from rocm_vllm.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = main([*argv, "--output", str(out)])
    if status != 0:
        raise RuntimeError(f"rocm-vllm {' '.join(argv)} failed ({status}): {stderr.getvalue().strip()}")
    return [doc for doc in yaml.safe_load_all(out.read_text(encoding="utf-8")) if isinstance(doc, dict)]


def _scenario_objects(values_file: Path) -> list[dict[str, Any]]:
    from rocm_vllm import helm

    values = yaml.safe_load(values_file.read_text(encoding="utf-8")) or {}
    chart = values_file.parent.parent
    rendered = helm.render_chart(chart, values, api_versions=helm.CRD_API_VERSIONS)
    return helm.split_manifests(rendered)


def releases(work: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """(release description, rendered objects) for every recipe, chart ci scenario and stack."""
    found: list[tuple[str, list[dict[str, Any]]]] = []
    for recipe in sorted((REPO / "recipes").glob("*.yaml")):
        found.append(
            (f"recipe {recipe.stem}", _render(["render", str(recipe)], work / f"{recipe.stem}.yaml"))
        )
    for scenario in sorted((REPO / "charts" / "rocm-vllm" / "ci").glob("*-values.yaml")):
        found.append((f"chart scenario {scenario.name}", _scenario_objects(scenario)))
    for stack in sorted((REPO / "stacks").glob("*.yaml")):
        out = work / f"stack-{stack.stem}.yaml"
        found.append((f"stack {stack.stem}", _render(["stack", "render", str(stack)], out)))
    return found


def cases(work: Path, installed: str) -> tuple[list[dict[str, Any]], list[str]]:
    from rocm_vllm.checks.image import image_release
    from rocm_vllm.serve_argv import serve_commands

    parsed: list[dict[str, Any]] = []
    skipped: list[str] = []
    for release, objects in releases(work):
        commands = serve_commands(objects)
        if not commands:
            skipped.append(f"{release}: no vllm serve line found")
        for command in commands:
            name = f"{release}: {command.where}"
            repository, _, tag = command.image.rpartition(":")
            version = image_release(repository or None, tag or None).version
            if version != installed:
                skipped.append(f"{name}: image {command.image} carries vLLM {version}, not {installed}")
                continue
            parsed.append({"name": name, "image": command.image, "argv": list(command.argv)})
    return parsed, skipped


def compare_options(vllm_python: Path, version: str, out: Path) -> list[str]:
    """Differences between the extracted flags list of `version` and the real parser's options."""
    from rocm_vllm.vllm_facts import load_vllm_facts

    options_file = out / "options.json"
    subprocess.run(
        [str(vllm_python), str(REPO / "scripts" / "vllm_parse_argv.py"), "--options", str(options_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    real: dict[str, str] = json.loads(options_file.read_text(encoding="utf-8"))
    extracted = {
        name: ("value" if arity == "json" else arity)
        for name, arity in load_vllm_facts(version).flags.items()
    }
    problems = [
        f"{name}: vLLM has it, the extracted list lacks it" for name in sorted(set(real) - set(extracted))
    ]
    problems += [f"{name}: in the extracted list, not in vLLM" for name in sorted(set(extracted) - set(real))]
    problems += [
        f"{name}: extracted as {extracted[name]}, vLLM's parser has {real[name]}"
        for name in sorted(set(real) & set(extracted))
        if real[name] != extracted[name]
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vllm-python", type=Path, required=True, help="the Python of a vLLM install")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "test-vllm", help="default: %(default)s")
    args = parser.parse_args(argv)
    version = subprocess.run(
        [str(args.vllm_python), "-c", "import importlib.metadata as m; print(m.version('vllm'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "renders").mkdir(exist_ok=True)
    drift = compare_options(args.vllm_python, version, args.out)
    for line in drift:
        print(f"FLAGS LIST DRIFT (vllm-{version}-flags.txt against vLLM's parser): {line}")
    print(f"vLLM {version}'s parser and vllm-{version}-flags.txt: {len(drift)} difference(s)")
    found, skipped = cases(args.out / "renders", version)
    argv_file, results_file = args.out / "argv.json", args.out / "results.json"
    argv_file.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    for line in skipped:
        print(f"skipped: {line}")
    run = subprocess.run(
        [str(args.vllm_python), str(REPO / "scripts" / "vllm_parse_argv.py"), str(argv_file), str(results_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    if run.returncode not in (0, 1):
        print(f"error: vLLM's parser run failed ({run.returncode}):\n{run.stderr[-4000:]}", file=sys.stderr)
        return 2
    results = json.loads(results_file.read_text(encoding="utf-8"))
    refused = [r for r in results if not r["ok"]]
    for result in refused:
        print(f"REFUSED by vLLM {version}: {result['name']}: {result['error']}")
    print(f"vLLM {version} parsed {len(results)} vllm serve line(s): {len(results) - len(refused)} accepted, "
          f"{len(refused)} refused, {len(skipped)} skipped (argument lists: {argv_file})")  # fmt: skip
    return 1 if refused or drift or not results else 0


if __name__ == "__main__":
    sys.exit(main())
