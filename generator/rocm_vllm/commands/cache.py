"""`rocm-vllm cache RECIPE...`: a claim and a download Job (charts/rocm-vllm-cache) that fill a model cache for
the recipes' models, rendered through Helm's engine and validated before anything is printed."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import (
    catalog_option,
    check_context,
    recipes_dir_option,
    write_output,
)
from rocm_vllm.kube_version import DEFAULT_KUBE_VERSION


@click.command("cache")
@click.argument("recipes", nargs=-1, required=True)
@click.option(
    "--release-name",
    help="Helm release name of the cache chart (default: <model>-cache for one model, else model-cache).",
)
@click.option("--namespace", "-n", default="default", show_default=True)
@click.option("--size", help="Claim size, e.g. 1Ti (default: the catalog's weight size x 1.2, in Gi).")
@click.option("--storage-class", default="", help="StorageClass of the new claim (default: the cluster's).")
@click.option("--existing-claim", default="", help="Fill this existing claim instead of creating one.")
@click.option("--pvc-name", default="", help="Name of the new claim (default: the release name).")
@click.option(
    "--hf-token-secret",
    default="",
    help="Secret whose key HF_TOKEN holds a Hugging Face token (gated models such as Llama).",
)
@click.option(
    "--kube-version",
    default=DEFAULT_KUBE_VERSION,
    show_default=True,
    help="Kubernetes version to render and validate for.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["manifests", "values"]),
    default="manifests",
    show_default=True,
    help="manifests: the rendered objects; values: the values for charts/rocm-vllm-cache.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here, not stdout."
)
@catalog_option
@recipes_dir_option
def cache(
    recipes: tuple[str, ...],
    release_name: str | None,
    namespace: str,
    size: str | None,
    storage_class: str,
    existing_claim: str,
    pvc_name: str,
    hf_token_secret: str,
    kube_version: str,
    output_format: str,
    output: Path | None,
    catalog_dirs: tuple[Path, ...],
    recipes_dir: Path,
) -> None:
    """Fill one model cache (a ReadWriteMany claim kept on uninstall) for the models of RECIPE... (files, or
    names from recipes/), and print how charts/rocm-vllm mounts it read-only."""
    from rocm_vllm.cache import (
        cache_values_for,
        check_release_name,
        claim_name,
        default_release_name,
        helm_set_expression,
        main_chart_values_for_cache,
        manifest_text,
        render_cache_chart,
    )
    from rocm_vllm.paths import display_path
    from rocm_vllm.stamp import stamp as build_stamp
    from rocm_vllm.validate import load_valid_recipe
    from rocm_vllm.yamlio import dump_yaml

    context = check_context(catalog_dirs)
    loaded = [load_valid_recipe(reference, context, recipes_dir) for reference in recipes]
    release = release_name or default_release_name(loaded)
    check_release_name(release)
    values = cache_values_for(
        loaded,
        size=size,
        storage_class=storage_class,
        existing_claim=existing_claim,
        pvc_name=pvc_name,
        hf_token_secret=hf_token_secret,
        catalog=context.catalog,
    )
    # Objects are named after the release alone (the claim too, unless --pvc-name): short, predictable names.
    values["fullnameOverride"] = release
    claim = claim_name(values, release)

    command = ["rocm-vllm", "cache", *(display_path(r.document.path) for r in loaded)]
    for option, value in (
        ("--release-name", release_name),
        ("--namespace", "" if namespace == "default" else namespace),
        ("--size", size),
        ("--storage-class", storage_class),
        ("--existing-claim", existing_claim),
        ("--pvc-name", pvc_name),
        ("--hf-token-secret", hf_token_secret),
        ("--kube-version", "" if kube_version == DEFAULT_KUBE_VERSION else kube_version),
        ("--format", "" if output_format == "manifests" else output_format),
    ):
        if value:
            command += [option, value]
    stamp = build_stamp(
        command,
        notes=[
            f"Serve from claim {claim} with charts/rocm-vllm (namespace {namespace}):",
            f"  --set {helm_set_expression(main_chart_values_for_cache(claim))}",
        ],
    )
    if output_format == "values":
        write_output(dump_yaml(values, header=stamp), output)
        return
    templates = render_cache_chart(
        values, release_name=release, namespace=namespace, kube_version=kube_version
    )
    write_output(manifest_text(templates, stamp), output)
