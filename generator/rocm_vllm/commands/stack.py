"""`rocm-vllm stack validate|generate|render|helmrelease`: several recipes behind one router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    findings_format_option,
    recipes_dir_option,
    stop_on_errors,
    write_or_check,
    write_output,
)
from rocm_vllm.commands.flux_options import FluxRequest, flux_options
from rocm_vllm.commands.render_options import RenderRequest, render_options

F = Callable[..., Any]


def stack_inputs(command: F) -> F:
    """Where stacks and their recipes come from and what they must fit on: --gpu/--gpus-per-node/--nodes
    (instead of the stack's own `inventory`), --stacks-dir, --recipes-dir, --catalog."""
    options = [
        click.option("--gpu", help="GPU model of the inventory, e.g. MI300X (with the two options below)."),
        click.option("--gpus-per-node", type=click.IntRange(1, 64), help="GPUs per node."),
        click.option("--nodes", type=click.IntRange(min=1), help="Nodes of the inventory."),
        click.option(
            "--stacks-dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path("stacks"),
            show_default=True,
            help="Where stacks named without a path are looked up.",
        ),
        recipes_dir_option,
        catalog_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class StackInputs:
    gpu: str | None
    gpus_per_node: int | None
    nodes: int | None
    stacks_dir: Path
    recipes_dir: Path
    catalog_dirs: tuple[Path, ...]

    @classmethod
    def pop_from(cls, kwargs: dict[str, Any]) -> StackInputs:
        return cls(**{name: kwargs.pop(name) for name in cls.__dataclass_fields__})

    def inventory(self) -> Any:
        """The inventory the flags give, or None to use each stack's own."""
        from rocm_vllm.errors import UsageError
        from rocm_vllm.inventory import NodePool

        given = [v is not None for v in (self.gpu, self.gpus_per_node, self.nodes)]
        if not any(given):
            return None
        if not all(given):
            raise UsageError("--gpu, --gpus-per-node and --nodes go together: give all three")
        assert self.gpu is not None and self.gpus_per_node is not None and self.nodes is not None
        return NodePool(self.gpu, self.gpus_per_node, self.nodes)

    def load_all(self, references: tuple[str, ...]) -> list[Any]:
        """Every named stack (default: all of --stacks-dir), each with all its findings."""
        from rocm_vllm.stack import load_stack

        context, inventory = check_context(self.catalog_dirs), self.inventory()
        return [
            load_stack(path, context, recipes_dir=self.recipes_dir, inventory=inventory)
            for path in _stack_files(references, self.stacks_dir)
        ]

    def load_valid(self, reference: str) -> Any:
        """One stack that passed every check, or InvalidInputError with its findings."""
        from rocm_vllm.stack import load_valid_stack

        return load_valid_stack(
            reference,
            check_context(self.catalog_dirs),
            stacks_dir=self.stacks_dir,
            recipes_dir=self.recipes_dir,
            inventory=self.inventory(),
        )


def _stack_files(references: tuple[str, ...], stacks_dir: Path) -> list[Path]:
    from rocm_vllm.errors import UsageError
    from rocm_vllm.paths import default_sources
    from rocm_vllm.stack import resolve_stack_path
    from rocm_vllm.yamlio import iter_yaml_files

    if not references:
        # ./stacks when it exists, else the example stacks shipped with the package.
        stacks_dir = default_sources(stacks_dir, "stacks")
        files = list(iter_yaml_files([stacks_dir]))
    else:
        files = []
        for reference in references:
            path = Path(reference)
            files += (
                list(iter_yaml_files([path]))
                if path.is_dir()
                else [resolve_stack_path(reference, stacks_dir)]
            )
    if not files:
        raise UsageError(f"no stack files (*.yaml) found in {stacks_dir}")
    return files


@click.group("stack")
def stack() -> None:
    """Stacks: several recipes served behind one OpenAI-compatible router (charts/rocm-vllm-stack)."""


@stack.command("validate")
@click.argument("stacks", nargs=-1)
@findings_format_option
@stack_inputs
def validate_command(stacks: tuple[str, ...], output_format: str, **inputs: Any) -> int:
    """Check stacks (files, names in --stacks-dir, default all of them): every model's recipe and overrides, the
    chart values, unique keys and served names, the router, and the GPUs against the inventory."""
    from rocm_vllm.errors import ExitCode
    from rocm_vllm.findings import has_errors, report_findings

    results = StackInputs.pop_from(inputs).load_all(stacks)
    findings = sorted({f for result in results for f in result.findings})
    report_findings(findings, len(results), output_format)
    return ExitCode.INVALID_INPUT if has_errors(findings) else ExitCode.OK


@stack.command("generate")
@click.argument("stacks", nargs=-1)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("values/stacks"),
    show_default=True,
    help="Directory for <stack>.yaml, the charts/rocm-vllm-stack values.",
)
@click.option(
    "--helmreleases",
    "helmreleases_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write one Flux HelmRelease per stack to DIR/<stack>.yaml.",
)
@click.option("--namespace", default="default", show_default=True, help="Namespace of the HelmReleases.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every file that would change.")
@stack_inputs
def generate_command(
    stacks: tuple[str, ...],
    out_dir: Path,
    helmreleases_dir: Path | None,
    namespace: str,
    check: bool,
    **inputs: Any,
) -> int:
    """Write each stack's values (and HelmRelease); a run with any invalid stack writes nothing."""
    from rocm_vllm.flux import (
        ChartSource,
        chart_version,
        helmrelease_document,
        source_document,
        source_object,
    )
    from rocm_vllm.paths import chart_dir, display_path
    from rocm_vllm.stack import GENERATE_COMMAND, STACK_CHART, stack_helmrelease, values_document
    from rocm_vllm.stamp import stamp as build_stamp

    results = StackInputs.pop_from(inputs).load_all(stacks)
    stop_on_errors(sorted({f for r in results for f in r.findings}), len(results), "stacks")
    outputs: dict[Path, str] = {}
    if helmreleases_dir is not None and results:
        # One source object for the whole directory: a copy in each stack's file would be a duplicate to Kustomize.
        source_stamp = build_stamp(
            [*GENERATE_COMMAND, "--helmreleases", display_path(helmreleases_dir)],
            notes=[
                f"Do not edit: the Flux source every HelmRelease in this directory installs charts/{STACK_CHART} "
                "from."
            ],
            quote=False,
        )
        shared = source_object(
            ChartSource(kind="OCIRepository", name=STACK_CHART, chart=STACK_CHART),
            chart_name=STACK_CHART,
            chart_version=chart_version(chart_dir(STACK_CHART)),
            namespace=namespace,
            stamp=source_stamp,
        )
        outputs[helmreleases_dir / f"{STACK_CHART}.source.yaml"] = source_document(shared, source_stamp)
    for result in results:
        outputs[out_dir / f"{result.name}.yaml"] = values_document(result, out_dir)
        if helmreleases_dir is not None:
            source = result.path.as_posix()
            stamp = build_stamp(
                [*GENERATE_COMMAND, source, "--helmreleases", display_path(helmreleases_dir)],
                source=source,
                quote=False,
            )
            obj = stack_helmrelease(
                result,
                namespace=namespace,
                source=ChartSource(kind="OCIRepository", name=STACK_CHART, chart=STACK_CHART),
                stamp=stamp,
            )
            outputs[helmreleases_dir / f"{result.name}.yaml"] = helmrelease_document(obj, stamp)
    return write_or_check(outputs, check=check, rerun="rocm-vllm stack generate")


@stack.command("render")
@click.argument("stack_ref", metavar="STACK")
@render_options
@stack_inputs
def render_command(stack_ref: str, **kwargs: Any) -> None:
    """Print the manifests of STACK (a file, or a name in --stacks-dir), rendered through charts/rocm-vllm-stack and
    validated against the Kubernetes and CRD schemas."""
    from rocm_vllm.paths import display_path
    from rocm_vllm.render import render_stack

    request = RenderRequest.pop_from(kwargs)
    inputs = StackInputs.pop_from(kwargs)
    result = inputs.load_valid(stack_ref)
    release = render_stack(result, request.options(result.name), check_context(inputs.catalog_dirs))
    stamp = request.stamp(["rocm-vllm", "stack", "render", display_path(result.path)])
    write_output(release.manifest_text(stamp=stamp), request.output)


@stack.command("helmrelease")
@click.argument("stack_ref", metavar="STACK")
@flux_options("rocm-vllm-stack", "stack")
@stack_inputs
def helmrelease_command(stack_ref: str, **kwargs: Any) -> None:
    """A Flux HelmRelease installing charts/rocm-vllm-stack with STACK's values inline, after the Flux source
    object it installs the chart from (by default an OCIRepository of the published chart)."""
    from rocm_vllm.flux import helmrelease_document
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.stack import STACK_CHART, stack_helmrelease

    request = FluxRequest.pop_from(kwargs)
    result = StackInputs.pop_from(kwargs).load_valid(stack_ref)
    stamp = request.stamp(["rocm-vllm", "stack", "helmrelease"], result.path.as_posix())
    source = request.source_object(STACK_CHART, chart_dir(STACK_CHART), stamp)
    obj = stack_helmrelease(
        result,
        namespace=request.namespace,
        source=request.source(STACK_CHART, chart_dir(STACK_CHART)),
        interval=request.interval,
        stamp=stamp,
        release_name=request.release_name,
    )
    write_output(helmrelease_document(obj, stamp, source), request.output)
