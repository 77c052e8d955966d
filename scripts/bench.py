#!/usr/bin/env python3
"""Benchmarks for the generator (`make bench`): CLI start-up, catalog validate+generate against a bare Helm
render of the same values, how the cost grows with 100 and 1,000 synthetic recipes, and a stack of N models
(charts/rocm-vllm-stack, one render) against N single-model releases of charts/rocm-vllm (N renders).

Figures are medians of repeated runs on this machine; ratios are what to compare across machines.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_startup(repeat: int) -> tuple[float, float]:
    cli = Path(sys.executable).with_name("rocm-vllm")

    def run(*argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True)

    bare = median_seconds(lambda: run(sys.executable, "-c", "pass"), repeat)
    version = median_seconds(lambda: run(str(cli), "--version"), repeat)
    return version, bare


def bench_catalog(repeat: int) -> tuple[float, float, int]:
    import yaml

    from rocm_vllm import helm
    from rocm_vllm.generate import plan_generation
    from rocm_vllm.validate import default_context

    context = default_context()
    recipes = REPO / "recipes"
    with tempfile.TemporaryDirectory() as out:
        result = plan_generation([recipes], Path(out), context)
        assert result.ok, "the recipe catalog must be valid"
        values = [yaml.safe_load(text) for text in result.outputs.values()]
        generate = median_seconds(lambda: plan_generation([recipes], Path(out), context), repeat)
    chart = REPO / "charts" / "rocm-vllm"

    def render_all() -> None:
        for item in values:
            helm.render_chart(chart, item, api_versions=helm.CRD_API_VERSIONS)

    render_all()  # load the chart once, as generate's first run did
    render = median_seconds(render_all, repeat)
    return generate, render, len(values)


def synthetic_recipes(directory: Path, count: int) -> None:
    """`count` distinct valid recipes: the catalog's recipes renamed and with varied context lengths."""
    sources = sorted((REPO / "recipes").glob("*.yaml"))
    for index in range(count):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        name = f"synthetic-{index:05d}"
        text = text.replace(f"name: {source.stem}", f"name: {name}")
        text = text.replace("maxModelLen: ", f"maxModelLen: {1024 + index % 7} #", 1)
        (directory / f"{name}.yaml").write_text(text, encoding="utf-8")


def bench_scaling(counts: list[int]) -> list[tuple[int, float]]:
    from rocm_vllm.generate import apply_generation, plan_generation
    from rocm_vllm.validate import default_context

    context = default_context()
    rows = []
    for count in counts:
        work = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            synthetic_recipes(work, count)
            start = time.perf_counter()
            result = plan_generation([work], work / "values", context)
            assert result.ok, [f.format() for f in result.findings[:3]]
            apply_generation(result)
            rows.append((count, time.perf_counter() - start))
        finally:
            shutil.rmtree(work)
    return rows


def bench_stack(repeat: int, count: int) -> tuple[float, float]:
    """Seconds per model: one render of a stack of `count` models (the catalog's values, cycled) vs `count` renders
    of charts/rocm-vllm with the same values and names. Both through Helm's engine, charts loaded beforehand."""
    import yaml

    from rocm_vllm import helm
    from rocm_vllm.generate import plan_generation
    from rocm_vllm.validate import default_context

    with tempfile.TemporaryDirectory() as out:
        result = plan_generation([REPO / "recipes"], Path(out), default_context())
        catalog = [yaml.safe_load(text) for _, text in sorted(result.outputs.items())]
    models = {}
    for index in range(count):
        values = dict(catalog[index % len(catalog)])
        values["model"] = {**values["model"], "servedModelName": f"model-{index}"}
        models[f"m{index}"] = values
    stack_values = {"models": models, "cache": {"mode": "none"}}
    singles = [
        {**values, "fullnameOverride": f"bench-{key}", "nameOverride": key, "test": {"enabled": False}}
        for key, values in models.items()
    ]
    stack_chart, single_chart = REPO / "charts" / "rocm-vllm-stack", REPO / "charts" / "rocm-vllm"

    def render_stack() -> None:
        helm.render_chart(stack_chart, stack_values, release_name="bench", api_versions=helm.CRD_API_VERSIONS)

    def render_singles() -> None:
        for values in singles:
            helm.render_chart(single_chart, values, release_name="bench", api_versions=helm.CRD_API_VERSIONS)

    render_stack()
    render_singles()
    return median_seconds(render_stack, repeat) / count, median_seconds(render_singles, repeat) / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--counts", default="100,1000")
    args = parser.parse_args(argv)
    version, bare = bench_startup(args.repeat)
    print(
        f"rocm-vllm --version: {version * 1000:.0f} ms; python -c pass: {bare * 1000:.0f} ms; "
        f"ratio {version / bare:.2f}"
    )
    generate, render, count = bench_catalog(max(3, args.repeat // 2))
    print(
        f"catalog ({count} recipes) validate+generate: {generate * 1000:.0f} ms; bare Helm render of the "
        f"same values: {render * 1000:.0f} ms; ratio {generate / render:.2f}"
    )
    for models in (3, 25):
        stack, singles = bench_stack(max(3, args.repeat // 2), models)
        print(
            f"stack of {models} models: {stack * 1000:.1f} ms per model in one render; {models} single-model "
            f"releases: {singles * 1000:.1f} ms per model; ratio {stack / singles:.2f}"
        )
    rows = bench_scaling([int(c) for c in args.counts.split(",")])
    base_count, base_time = rows[0]
    for count, seconds in rows:
        per = seconds / count * 1000
        growth = (seconds / base_time) / (count / base_count)
        print(
            f"{count:>5} synthetic recipes: {seconds:.2f} s ({per:.2f} ms per recipe; "
            f"cost per recipe vs {base_count}: x{growth:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
