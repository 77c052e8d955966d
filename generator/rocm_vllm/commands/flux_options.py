"""Options shared by `helmrelease` and `stack helmrelease`: where Flux finds the chart, and how often it reconciles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rocm_vllm.flux import SOURCE_KINDS

F = Callable[..., Any]
# Options that change the HelmRelease, in the order the stamp lists them.
_STAMPED = (
    "namespace",
    "release_name",
    "source_kind",
    "source_name",
    "source_namespace",
    "source_url",
    "no_source",
    "chart",
    "chart_version",
    "interval",
)


def flux_options(chart_name: str, subject: str) -> Callable[[F], F]:
    """Add the HelmRelease options for a release of `chart_name` built from a `subject` (recipe, stack)."""
    git_path = f"./charts/{chart_name}"

    def decorate(command: F) -> F:
        options = [
            click.option(
                "--namespace", default="default", show_default=True, help="Namespace of the HelmRelease."
            ),
            click.option(
                "--release-name", help=f"HelmRelease and Helm release name.  [default: the {subject}'s name]"
            ),
            click.option(
                "--source-kind",
                type=click.Choice(SOURCE_KINDS),
                default="OCIRepository",
                show_default=True,
                help="Kind of the Flux source serving the chart.",
            ),
            click.option(
                "--source-name", default=chart_name, show_default=True, help="Name of the Flux source object."
            ),
            click.option(
                "--source-namespace", help="Namespace of the source.  [default: the HelmRelease's namespace]"
            ),
            click.option(
                "--source-url",
                help="URL of the source.  [default: the published chart, "
                f"oci://…/charts/{chart_name} (OCIRepository) or oci://…/charts (HelmRepository, type oci); "
                "required for GitRepository]",
            ),
            click.option(
                "--no-source",
                is_flag=True,
                help="Write the HelmRelease alone (the source object already exists, shared by several releases).",
            ),
            click.option(
                "--chart",
                help=f"Chart name in a HelmRepository, or its path in a GitRepository.  [default: {chart_name}, "
                f"{git_path} for GitRepository]",
            ),
            click.option(
                "--chart-version",
                help="Chart version or semver range: the OCIRepository's ref (a tag for an exact version, semver for "
                "a range) or the HelmRepository chart's version; not for GitRepository.  [default: the chart "
                "version this rocm-vllm ships]",
            ),
            click.option(
                "--interval", default="10m", show_default=True, help="How often Flux reconciles the release."
            ),
            click.option(
                "-o",
                "--output",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Write the HelmRelease to this file (atomically) instead of stdout.",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@dataclass(frozen=True)
class FluxRequest:
    namespace: str
    release_name: str | None
    source_kind: str
    source_name: str
    source_namespace: str | None
    source_url: str | None
    no_source: bool
    chart: str | None
    chart_version: str | None
    interval: str
    output: Path | None

    @classmethod
    def pop_from(cls, kwargs: dict[str, Any]) -> FluxRequest:
        return cls(**{name: kwargs.pop(name) for name in cls.__dataclass_fields__})

    def source(self, chart_name: str, chart: Path) -> Any:
        """The ChartSource: HelmRepository releases pin this checkout's chart version unless told otherwise."""
        from rocm_vllm.flux import ChartSource, chart_version

        version = self.chart_version
        if self.source_kind == "HelmRepository" and version is None:
            version = chart_version(chart)
        default_chart = f"./charts/{chart_name}" if self.source_kind == "GitRepository" else chart_name
        return ChartSource(
            kind=self.source_kind,
            name=self.source_name,
            namespace=self.source_namespace,
            chart=self.chart or default_chart,
            version=version,
            url=self.source_url,
        )

    def source_object(self, chart_name: str, chart: Path, stamp: str) -> dict[str, Any] | None:
        """The source object to render beside the HelmRelease, or None with --no-source."""
        from rocm_vllm.errors import UsageError
        from rocm_vllm.flux import chart_version, source_object

        if self.no_source:
            if self.source_url is not None:
                raise UsageError("--source-url describes the source object, which --no-source leaves out")
            if self.source_kind == "OCIRepository" and self.chart_version is not None:
                raise UsageError(
                    "with --no-source an OCIRepository's version is its spec.ref: set it there, not --chart-version"
                )
            return None
        return source_object(
            self.source(chart_name, chart),
            chart_name=chart_name,
            chart_version=chart_version(chart),
            namespace=self.namespace,
            interval=self.interval,
            stamp=stamp,
        )

    def stamp(self, words: list[str], source_path: str) -> str:
        """Two comment lines: the command (with the options given on the command line) and where to edit."""
        context = click.get_current_context()
        command = [*words, source_path]
        for name in _STAMPED:
            value = context.params.get(name)
            if (
                value is not None
                and context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
            ):
                flag = f"--{name.replace('_', '-')}"
                command += [flag] if isinstance(value, bool) else [flag, str(value)]
        from rocm_vllm.stamp import stamp

        return stamp(command, source=source_path)
