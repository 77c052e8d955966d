"""The options every manifest-rendering command shares (`render`, `stack render`), and what they become:
a RenderOptions for the library and the stamp line naming the command that made the output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION

F = Callable[..., Any]


def render_options(command: F) -> F:
    """Add --release-name, --namespace, --kube-version, --api-versions, -f, --set, --helm-binary,
    --no-validate and -o to a command; read them back with `RenderRequest.pop_from(kwargs)`."""
    options = [
        click.option("--release-name", help="Helm release name (default: the recipe's or stack's name)."),
        click.option("--namespace", "-n", default="default", show_default=True),
        click.option(
            "--kube-version",
            help=f"Kubernetes version to render and validate for (default: Helm's, {DEFAULT_KUBE_VERSION}).",
        ),
        click.option(
            "--api-versions",
            multiple=True,
            help="Extra API versions the cluster serves (repeatable). Default: every custom resource API the "
            "charts use (LeaderWorkerSet, monitoring, KEDA, Gateway API, InferencePool), for offline rendering.",
        ),
        click.option(
            "-f",
            "--values",
            "value_files",
            multiple=True,
            type=click.Path(path_type=Path, dir_okay=False),
            help="Values file laid over the generated values (repeatable, in order); checked like recipe values, "
            "findings name its file and line.",
        ),
        click.option(
            "--set",
            "set_expressions",
            multiple=True,
            help="Helm --set override, e.g. replicaCount=2; checked like recipe values.",
        ),
        click.option(
            "--helm-binary",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Render with this helm executable instead of the embedded engine (same output).",
        ),
        click.option("--no-validate", is_flag=True, help="Skip schema validation of the rendered objects."),
        click.option(
            "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here, not stdout."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class RenderRequest:
    release_name: str | None
    namespace: str
    kube_version: str | None
    api_versions: tuple[str, ...]
    value_files: tuple[Path, ...]
    set_expressions: tuple[str, ...]
    helm_binary: Path | None
    no_validate: bool
    output: Path | None

    @classmethod
    def pop_from(cls, kwargs: dict[str, Any]) -> RenderRequest:
        return cls(**{name: kwargs.pop(name) for name in cls.__dataclass_fields__})

    def options(self, default_release: str) -> Any:
        from rocm_vllm.render import RenderOptions

        return RenderOptions(
            release_name=self.release_name or default_release,
            namespace=self.namespace,
            kube_version=self.kube_version or DEFAULT_KUBE_VERSION,
            api_versions=self.api_versions or None,
            value_files=self.value_files,
            set_expressions=self.set_expressions,
            helm_binary=self.helm_binary,
            validate=not self.no_validate,
        )

    def stamp(self, words: list[str]) -> str:
        """The stamp naming `words` and the options that change the output, paths as the user typed them."""
        from rocm_vllm.paths import display_path
        from rocm_vllm.stamp import stamp

        command = list(words)
        if self.release_name:
            command += ["--release-name", self.release_name]
        if self.namespace != "default":
            command += ["--namespace", self.namespace]
        if self.kube_version:
            command += ["--kube-version", self.kube_version]
        for path in self.value_files:
            command += ["-f", display_path(path)]
        for expression in self.set_expressions:
            command += ["--set", expression]
        return stamp(command)
