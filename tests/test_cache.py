"""rocm_vllm.cache: the models a cache holds, the size estimate (checked by hand), values for both charts, and
that those values render through the charts as promised."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import helm
from rocm_vllm.cache import (
    CachedModel,
    cache_values_for,
    cached_models,
    check_release_name,
    claim_name,
    default_release_name,
    estimate_cache_size,
    helm_set_expression,
    main_chart_values_for_cache,
    render_cache_chart,
)
from rocm_vllm.errors import InvalidInputError, UsageError
from rocm_vllm.recipe import Recipe, recipe_from_document
from rocm_vllm.yamlio import LoadedDocument

CHARTS = Path(__file__).resolve().parents[1] / "charts"
LLAMA_8B = ("meta-llama/Llama-3.1-8B-Instruct", "0e9e39f249a16976918f6564b8830bc894c89659")
LLAMA_405B = ("meta-llama/Llama-3.1-405B-Instruct", "069992c75aed59df00ec06c17177e76c63296a26")
GPT_OSS_20B = ("openai/gpt-oss-20b", "6cee5e81ee83917806bbde320786a8fb61efebee")


def recipe(model: tuple[str, str], name: str = "r") -> Recipe:
    data = {
        "name": name,
        "goal": "throughput",
        "model": {"id": model[0], "revision": model[1]},
        "hardware": {"gpu": "MI300X", "gpusPerNode": 1},
        "precision": {"dtype": "auto"},
        "parallelism": {"tensor": 1},
        "serving": {"maxModelLen": 4096},
    }
    return recipe_from_document(LoadedDocument(path=Path(f"{name}.yaml"), data=data))


def test_models_are_deduplicated_and_sorted() -> None:
    recipes = [
        recipe(LLAMA_8B, "a"),
        recipe(GPT_OSS_20B, "b"),
        recipe(LLAMA_8B, "c"),
        recipe((LLAMA_8B[0], "main")),
    ]
    assert cached_models(recipes) == [
        CachedModel(*LLAMA_8B),
        CachedModel(LLAMA_8B[0], "main"),
        CachedModel(*GPT_OSS_20B),
    ]


def test_size_estimates_checked_by_hand() -> None:
    # Llama 3.1 8B: 8,030,261,248 bf16 parameters x 2 bytes x 1.2 = 19.27e9 bytes = 17.95 GiB -> 18Gi.
    assert math.ceil(8_030_261_248 * 2 * 1.2 / 2**30) == 18
    assert estimate_cache_size([CachedModel(*LLAMA_8B)]) == "18Gi"
    # Llama 3.1 405B: 405,853,388,800 x 2 x 1.2 = 974.0e9 bytes (974 GB) = 907.2 GiB -> 908Gi.
    assert estimate_cache_size([CachedModel(*LLAMA_405B)]) == "908Gi"
    # gpt-oss-20b stores only its experts in MXFP4 (4.25 bits): 24 layers x 32 experts x 3 x 2880 x 2880 =
    # 19,110,297,600 params x 0.53125 = 10,152,345,600 bytes; the other 21e9 - 19,110,297,600 params in BF16
    # = 3,779,404,800 bytes; x 1.2 = 16.72e9 bytes = 15.57 GiB -> 16Gi.
    assert math.ceil((19_110_297_600 * 0.53125 + (21e9 - 19_110_297_600) * 2) * 1.2 / 2**30) == 16
    assert estimate_cache_size([CachedModel(*GPT_OSS_20B)]) == "16Gi"
    # Several models add up before rounding: 17.95 + 15.57 = 33.52 GiB -> 34Gi.
    assert estimate_cache_size([CachedModel(*LLAMA_8B), CachedModel(*GPT_OSS_20B)]) == "34Gi"


def test_unknown_model_needs_an_explicit_size() -> None:
    with pytest.raises(InvalidInputError, match="not in the model catalog; pass --size"):
        cache_values_for([recipe(("someone/unknown", "main"))])
    values = cache_values_for([recipe(("someone/unknown", "main"))], size="50Gi")
    assert values["pvc"] == {"size": "50Gi"}


def test_values_for_a_new_claim() -> None:
    values = cache_values_for(
        [recipe(LLAMA_405B), recipe(LLAMA_8B)],
        storage_class="fast-rwx",
        pvc_name="llama",
        hf_token_secret="hf",
    )
    assert values == {
        "models": [
            {"id": LLAMA_405B[0], "revision": LLAMA_405B[1]},
            {"id": LLAMA_8B[0], "revision": LLAMA_8B[1]},
        ],
        "pvc": {"size": "926Gi", "name": "llama", "storageClassName": "fast-rwx"},
        "download": {"hfTokenSecret": {"name": "hf"}},
    }


def test_values_for_an_existing_claim() -> None:
    values = cache_values_for([recipe(LLAMA_8B)], existing_claim="shared")
    assert values["pvc"] == {"existingClaim": "shared"}
    with pytest.raises(UsageError, match="--size, --storage-class configure a new claim"):
        cache_values_for([recipe(LLAMA_8B)], existing_claim="shared", size="1Ti", storage_class="x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": "lots"}, "not a Kubernetes quantity"),
        ({"pvc_name": "Bad_Name"}, "--pvc-name"),
        ({"existing_claim": "-x"}, "--existing-claim"),
    ],
)
def test_bad_options_are_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        cache_values_for([recipe(LLAMA_8B)], **kwargs)
    with pytest.raises(UsageError, match="no recipes"):
        cache_values_for([])


def test_main_chart_overrides() -> None:
    assert main_chart_values_for_cache("stack-models") == {
        "cache": {
            "enabled": True,
            "existingClaim": "stack-models",
            "offline": True,
            "readOnly": True,
            "download": {"enabled": False},
        }
    }
    assert helm_set_expression(main_chart_values_for_cache("m")) == (
        "cache.enabled=true,cache.existingClaim=m,cache.offline=true,cache.readOnly=true,"
        "cache.download.enabled=false"
    )
    with pytest.raises(UsageError):
        main_chart_values_for_cache("")


def test_main_chart_serves_read_only_from_the_claim() -> None:
    from rocm_vllm.kube_schema import validate_objects

    values = {"model": {"id": LLAMA_8B[0], "revision": LLAMA_8B[1]}, **main_chart_values_for_cache("llama")}
    objects = helm.split_manifests(helm.render_chart(CHARTS / "rocm-vllm", values, kube_version="1.33.0"))
    assert validate_objects(objects, "1.33.0") == []
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "model-cache")
    assert volume["persistentVolumeClaim"] == {"claimName": "llama", "readOnly": True}


@pytest.mark.parametrize(
    ("values", "release", "claim"),
    [
        ({"pvc": {}}, "llama", "llama-rocm-vllm-cache"),
        ({"pvc": {}}, "my-rocm-vllm-cache", "my-rocm-vllm-cache"),
        ({"pvc": {"name": "models"}}, "llama", "models"),
        ({"pvc": {"existingClaim": "shared"}}, "llama", "shared"),
        ({"pvc": {}, "fullnameOverride": "short"}, "llama", "short"),
    ],
)
def test_claim_name_is_the_one_the_chart_renders(values: dict[str, Any], release: str, claim: str) -> None:
    assert claim_name({**cache_values_for([recipe(LLAMA_8B)], size="1Gi"), **values}, release) == claim


def test_render_validates_the_objects() -> None:
    values = cache_values_for([recipe(LLAMA_8B)])
    templates = render_cache_chart(values, release_name="llama-cache", kube_version="1.29.0")
    assert set(templates) == {
        "rocm-vllm-cache/templates/job.yaml",
        "rocm-vllm-cache/templates/pvc.yaml",
        "rocm-vllm-cache/templates/serviceaccount.yaml",
    }
    assert 'storage: "18Gi"' in templates["rocm-vllm-cache/templates/pvc.yaml"]


def test_release_names() -> None:
    assert default_release_name([recipe(LLAMA_8B)]) == "llama-3-1-8b-instruct-cache"
    assert (
        default_release_name([recipe(LLAMA_8B), recipe((LLAMA_8B[0], "main"))])
        == "llama-3-1-8b-instruct-cache"
    )
    assert default_release_name([recipe(LLAMA_8B), recipe(GPT_OSS_20B)]) == "model-cache"
    assert len(default_release_name([recipe(("o/" + "x" * 80, "main"))])) <= 53
    check_release_name("model-cache")
    for bad in ("Model", "x" * 54, "a_b", "-a"):
        with pytest.raises(UsageError):
            check_release_name(bad)


def lora_recipe(adapters: list[dict[str, Any]], name: str = "lora") -> Recipe:
    data = {
        "name": name,
        "goal": "throughput",
        "model": {"id": LLAMA_8B[0], "revision": LLAMA_8B[1]},
        "hardware": {"gpu": "MI300X", "gpusPerNode": 1},
        "precision": {"dtype": "auto"},
        "parallelism": {"tensor": 1},
        "serving": {"maxModelLen": 4096},
        "lora": {"adapters": adapters},
    }
    return recipe_from_document(LoadedDocument(path=Path(f"{name}.yaml"), data=data))


def test_lora_adapters_from_hugging_face_join_the_cache_after_the_models() -> None:
    """Each repo adapter at its pinned revision, once, after the models (path adapters are already in the
    cache). Size: 8,030,261,248 x 2 bytes for Llama 3.1 8B plus one rank-16 slot of its projections
    (83,886,080 bytes: rocm_vllm.capacity's LoRA term) per adapter, x 1.2 = 19.36 GB = 18.03 GiB -> 19Gi."""
    sql = {
        "name": "sql",
        "repo": "example-org/sql-lora",
        "revision": "1" * 40,
        "baseModel": LLAMA_8B[0],
        "rank": 16,
    }
    tone = {"name": "tone", "path": "adapters/tone", "baseModel": LLAMA_8B[0], "rank": 8}
    values = cache_values_for([lora_recipe([sql, tone]), lora_recipe([{**sql, "name": "sql2"}], "other")])
    assert values["models"] == [
        {"id": LLAMA_8B[0], "revision": LLAMA_8B[1]},
        {"id": "example-org/sql-lora", "revision": "1" * 40},
    ]
    assert math.ceil((8_030_261_248 * 2 + 83_886_080) * 1.2 / 2**30) == 19
    assert values["pvc"]["size"] == "19Gi"
    assert estimate_cache_size([CachedModel(*LLAMA_8B)]) == "18Gi"  # the model alone
