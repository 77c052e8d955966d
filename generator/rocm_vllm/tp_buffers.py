"""GPU memory tensor parallelism adds to what vLLM 0.23.0's profile run keeps on ROCm, before the KV cache is sized.

vLLM sizes the KV cache from what its profile run leaves (gpu_worker.determine_available_memory); memory taken
before the worker's start snapshot does not count, memory taken during the profile run does.  Since vLLM 0.11
(PR #25359) the snapshot is taken after the distributed environment is set up, so vLLM's own RCCL communicator
and its 8 MiB custom all-reduce buffers are outside the budget.  Two things are created inside it when the
tensor-parallel size is above 1 (research notes: docs/research/issue-12-facts.md section 2.4):

- **torch's RCCL communicator for the tensor-parallel group.**  Logits are all-gathered over the group on ROCm
  (vllm/model_executor/layers/logits_processor.py:75-87) through torch.distributed
  (base_device_communicator.py:184-207), and the first all-gather is the profile run's sampler warm-up, so
  torch creates the group's communicator there.  RCCL connects every ring and tree channel at communicator
  init on AMD GPUs (no cuMem: rocmwrap.cc `ncclCuMemEnable` returns 0), each connection taking 8 MiB of
  uncached device memory per GPU: LL 256 KiB + LL128 448 KiB + Simple 4 MiB of receive buffers rounded up to
  2 MiB, plus a 2 MiB send buffer (ROCm/rccl src/init.cc computeBuffSizes, src/transport/p2p.cc).  Channels:
  32 at 2 ranks on gfx942 (init.cc: "NCCL_MIN_NCHANNELS=32"), 24 at 4 ranks (ring and tree connections),
  and at 8 ranks the 28 rings of the 8 x MI300X topology model doubled to 56, with the tree's reverse
  connections and MSCCL's eager connections (77 pairs in RCCL 2.21.5's 8-rank algorithm files) on top.
  These counts are arithmetic on RCCL's source, not a measured figure; MI355X is taken to be the same.
- **AITER's custom all-reduce, when `VLLM_ROCM_USE_AITER=1`.**  With AITER on and tensor parallelism above 1,
  vLLM's -O2 default turns on the all-reduce + RMSNorm fusion pass (config/vllm.py:129-145, 248), which builds
  `aiter.dist.device_communicators.custom_all_reduce.CustomAllreduce` without a size limit
  (_aiter_ops.py:1596-1606) on the first torch.compile trace, inside the profile run.  From aiter v0.1.12 its
  default `max_size` is 1 GiB: a 2 x 1 GiB uncached metadata buffer plus a 1 GiB input pool and 8 MiB of rank
  data (ROCm/aiter aiter/dist/device_communicators/custom_all_reduce.py @ e4048607, lines 772, 910, 1043-1063);
  vLLM 0.23.0 targets that API (it tests for the pool, allreduce_rms_fusion.py:1201-1215).  No compilation
  (--enforce-eager, -O0, TORCH_COMPILE_DISABLE=1) or -O1 leaves the pass, and the buffers, out; so does a GPU
  AITER does not support: `rocm_aiter_ops.is_enabled()` is false off MI300-class archs (`on_mi3xx`, gfx942 and
  gfx950; _aiter_ops.py:76-96, 1461-1464), whatever the environment says.  The logs of 0.21 and 0.22 show the
  same (calibration points A1, A4).  From 0.29.0 vLLM owns the instance instead: the tensor-parallel communicator
  builds it with a 128 MiB buffer when the distributed environment starts, before the snapshot
  (distributed/device_communicators/aiter_custom_all_reduce.py, cuda_communicator.py:66 in the 0.29.0 wheel),
  so it no longer comes out of the KV cache; a release between the two is taken to behave like 0.23.0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rocm_vllm import VLLM_VERSION
from rocm_vllm.vllm_argv import OPTIMIZATION_LEVEL, Option
from rocm_vllm.vllm_facts import release_key

MIB = 2**20
RCCL_CONNECTION_BYTES = 8 * MIB
# (channel, peer) connections one GPU makes when the tensor-parallel group's communicator is created.
RCCL_CONNECTIONS_BY_RANKS = {
    2: 32,  # 32 channels, one peer (ring and tree share it)
    4: 48,  # 24 channels, ring and tree
    8: 56 * 2 + 77,  # 56 ring channels, the tree's reverse connections, MSCCL's 8-rank algorithms
}
AITER_ALLREDUCE_BYTES = 3 * 2**30 + 8 * MIB
AITER_ARCHS = frozenset({"gfx942", "gfx950"})
AITER_ALLREDUCE_OUTSIDE_BUDGET_FROM = (0, 29, 0)
COMPILATION_CONFIG = frozenset({"--compilation-config", "-cc"})


def rccl_communicator_bytes(tensor: int) -> int:
    """Device memory torch's RCCL communicator for a tensor-parallel group of `tensor` ranks takes per GPU:
    the connection count of the next tabled group size (past 8 ranks, 8's)."""
    if tensor <= 1:
        return 0
    ranks = next((size for size in sorted(RCCL_CONNECTIONS_BY_RANKS) if size >= tensor), 8)
    return RCCL_CONNECTIONS_BY_RANKS[ranks] * RCCL_CONNECTION_BYTES


def communication_bytes(tensor: int, *, aiter_allreduce: bool, arch: str, release: str = VLLM_VERSION) -> int:
    """Per-GPU memory tensor parallelism adds to the profile run's reserve (0 at tensor 1); AITER's buffers
    only on the archs AITER runs on, and only in releases that build them inside the profile run."""
    if tensor <= 1:
        return 0
    in_budget = release_key(release) < AITER_ALLREDUCE_OUTSIDE_BUDGET_FROM
    aiter = AITER_ALLREDUCE_BYTES if aiter_allreduce and arch in AITER_ARCHS and in_budget else 0
    return rccl_communicator_bytes(tensor) + aiter


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true"}


# The fusion pass runs only in vLLM's own compile mode (3, VLLM_COMPILE), the default from -O1 up.
NOT_VLLM_COMPILE = frozenset({"0", "1", "2", "none", "stock_torch_compile", "dynamo_trace_once"})


def _compilation_settings(option: Option) -> dict[str, str]:
    """One --compilation-config option's settings that matter here, by dotted key (`mode`,
    `pass_config.fuse_allreduce_rms`), lower-cased: from `-cc.key=value` or from the JSON object."""
    if option.dotted:
        key, _, value = option.written.partition(".")[2].partition("=")
        return {key: (value or (option.values[0] if option.values else "")).strip().lower()}
    try:
        parsed = json.loads(option.values[0]) if option.values else {}
    except json.JSONDecodeError:
        return {}
    if not isinstance(parsed, dict):
        return {"mode": str(parsed).strip().lower()}  # `-cc 0`: the mode alone
    passes = parsed.get("pass_config")
    settings = {"mode": str(parsed.get("mode", parsed.get("level", ""))).strip().lower()}
    if isinstance(passes, dict) and "fuse_allreduce_rms" in passes:
        settings["pass_config.fuse_allreduce_rms"] = str(passes["fuse_allreduce_rms"]).strip().lower()
    return settings


def _compilation_turned_off(option: Option) -> bool:
    """Whether one --compilation-config option switches vLLM's compilation or the all-reduce fusion off."""
    settings = _compilation_settings(option)
    mode = settings.get("mode", settings.get("level", ""))
    return mode in NOT_VLLM_COMPILE or settings.get("pass_config.fuse_allreduce_rms") in {"false", "0"}


def aiter_allreduce_fusion(env: Iterable[tuple[str, str]], options: Iterable[Option]) -> bool:
    """Whether vLLM 0.23.0 builds AITER's custom all-reduce in the profile run: AITER on and torch.compile at
    -O2 or -O3 (the default) with the fusion pass left on.  The tensor-parallel size is the caller's test."""
    variables = dict(env)
    if not _truthy(variables.get("VLLM_ROCM_USE_AITER", "")):
        return False
    if variables.get("TORCH_COMPILE_DISABLE", "").strip() == "1":
        return False
    eager, level, turned_off = False, "2", False
    for option in options:  # argparse keeps the last of a repeated option
        if option.name in {"--enforce-eager", "--no-enforce-eager"}:
            eager = option.name == "--enforce-eager"
        elif option.name == OPTIMIZATION_LEVEL and option.values:
            level = option.values[0]
        elif option.name in COMPILATION_CONFIG:
            turned_off = turned_off or _compilation_turned_off(option)
    return not eager and level not in {"0", "1"} and not turned_off
