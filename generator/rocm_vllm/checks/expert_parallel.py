"""Expert parallelism and data parallel: the all-to-all backend must run on the GPU (and be in the image), the
routed experts must split the way vLLM 0.23.0 accepts, and EPLB must have what it needs.

Sources: vLLM 0.23.0 wheel (docs/research/issues-13-15-facts.md sections a and b): `All2AllBackend`
(vllm/config/parallel.py:40-52), pplx/naive rewritten to allgather_reducescatter (config/parallel.py:433-439),
MoriAll2AllManager asserting the module `mori` and gfx942/gfx950 (distributed/device_communicators/all2all.py),
EPLB rules (config/parallel.py:459-480), even expert split with EPLB (model_executor/layers/fused_moe/layer.py:
201-206), uneven split without it (fused_moe/expert_map_manager.py:67-76).
"""

from __future__ import annotations

from functools import lru_cache

from rocm_vllm.checks import CheckContext, Resolved
from rocm_vllm.findings import Finding, Severity, finding_at
from rocm_vllm.vllm_facts import ImageVersion, image_table

CHECK = "expert-parallel"
MORI_BACKENDS = frozenset({"mori_high_throughput", "mori_low_latency"})
MORI_ARCHS = frozenset({"gfx942", "gfx950"})  # "mori currently only support arch gfx942 and gfx950"
REMOVED_BACKENDS = frozenset({"pplx", "naive"})
# DeepEP, FlashInfer and NIXL-EP kernels: CUDA packages with no ROCm path in vLLM 0.23.0.
CUDA_ONLY_PREFIXES = ("deepep_", "flashinfer_", "nixl_ep")


@lru_cache(maxsize=1)
def _chart_image() -> tuple[str, str]:
    """The chart's pinned image (repository, tag): what a recipe without image.* runs."""
    import yaml

    from rocm_vllm.paths import chart_dir

    values = yaml.safe_load((chart_dir() / "values.yaml").read_text(encoding="utf-8"))
    return str(values["image"]["repository"]), str(values["image"]["tag"])


def _image_row(repository: str | None, tag: str | None) -> tuple[str, ImageVersion | None]:
    default_repository, default_tag = _chart_image()
    repo, pinned = repository or default_repository, tag or default_tag
    row = next((i for i in image_table().images if i.repository == repo and i.tag == pinned), None)
    return f"{repo}:{pinned}", row


def check_all2all(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, gpu = resolved.recipe, resolved.gpu
    backend = r.all2all_backend
    if backend is None:
        return []
    where = ("parallelism", "all2allBackend")
    findings: list[Finding] = []
    if not r.expert:
        findings.append(
            finding_at(
                r.document,
                where,
                CHECK,
                f"all2allBackend {backend} only acts on expert-parallel MoE layers: set expert to true or remove it",
                Severity.WARNING,
            )
        )
    if backend in REMOVED_BACKENDS:
        findings.append(
            finding_at(
                r.document,
                where,
                CHECK,
                f"all2allBackend {backend} was removed: vLLM 0.23.0 accepts the name but silently runs "
                "allgather_reducescatter instead (vllm/config/parallel.py:433-439); write allgather_reducescatter, "
                "or mori_high_throughput / mori_low_latency on gfx942/gfx950",
            )
        )
    elif backend.startswith(CUDA_ONLY_PREFIXES):
        findings.append(
            finding_at(
                r.document,
                where,
                CHECK,
                f"all2allBackend {backend} runs CUDA-only kernels (DeepEP, FlashInfer or NIXL-EP), which vLLM 0.23.0 "
                "has no ROCm path for: use allgather_reducescatter (any AMD GPU) or mori_high_throughput / "
                "mori_low_latency (MI300X, MI325X, MI350X, MI355X)",
            )
        )
    elif backend in MORI_BACKENDS:
        if gpu is not None and gpu.arch not in MORI_ARCHS:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    CHECK,
                    f"all2allBackend {backend} needs AMD MoRI kernels, which vLLM 0.23.0 runs only on gfx942/gfx950 "
                    f'("mori currently only support arch gfx942 and gfx950"); {r.gpu} is {gpu.arch}: use '
                    "allgather_reducescatter",
                )
            )
        image, row = _image_row(r.image_repository, r.image_tag)
        if row is None or row.modules is None:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    CHECK,
                    f"all2allBackend {backend} imports the Python module mori; whether {image} carries it is not "
                    "recorded (rocm_vllm/data/vllm-images.yaml lists no modules for it): check with "
                    "`python3 -c 'import mori'` in the image, or vLLM stops with \"MoRI kernels not found\"",
                    Severity.WARNING,
                )
            )
        elif "mori" not in row.modules:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    CHECK,
                    f"all2allBackend {backend} imports the Python module mori, which {image} does not carry "
                    "(rocm_vllm/data/vllm-images.yaml): use an image with MoRI, or allgather_reducescatter",
                )
            )
    return findings


def check_experts(resolved: Resolved, context: CheckContext) -> list[Finding]:
    r, model = resolved.recipe, resolved.model
    findings: list[Finding] = []
    ep = r.expert_parallel_size
    redundant = r.redundant_experts
    if redundant is not None:
        where = ("parallelism", "redundantExperts")
        if not r.expert:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    CHECK,
                    'EPLB needs expert parallelism ("enable_expert_parallel must be True to use EPLB", '
                    "vllm/config/parallel.py:467): set expert to true or remove redundantExperts",
                )
            )
        elif ep <= 1:
            findings.append(
                finding_at(
                    r.document,
                    where,
                    CHECK,
                    "EPLB needs more than one expert-parallel rank (data x tensor > 1, vllm/config/parallel.py:469); "
                    "remove redundantExperts",
                )
            )
    if not r.expert or model is None or not model.is_moe or model.num_experts is None or ep <= 1:
        return findings
    experts = model.num_experts
    physical = experts + (redundant or 0)
    if physical % ep == 0:
        return findings
    nearest = (-experts) % ep
    if redundant is not None:
        findings.append(
            finding_at(
                r.document,
                ("parallelism", "redundantExperts"),
                CHECK,
                f"{experts} routed experts + {redundant} redundant = {physical} do not divide by the expert-parallel "
                f'size data x tensor = {r.data} x {r.tensor} = {ep}; vLLM refuses it with EPLB ("EPLB currently only '
                'supports even distribution of experts across ranks", fused_moe/layer.py:202): set redundantExperts '
                f"to {nearest} or {nearest + ep}, or an expert-parallel size that divides {physical}",
            )
        )
    else:
        findings.append(
            finding_at(
                r.document,
                ("parallelism", "data"),
                CHECK,
                f"{experts} routed experts do not divide by the expert-parallel size data x tensor = {r.data} x "
                f"{r.tensor} = {ep}: vLLM splits them unevenly (fused_moe/expert_map_manager.py:67-76) and the "
                f"busiest rank, holding {-(-experts // ep)}, sets the pace; choose a size that divides {experts}, or "
                f"turn on EPLB with redundantExperts {nearest}",
                Severity.WARNING,
            )
        )
    return findings
