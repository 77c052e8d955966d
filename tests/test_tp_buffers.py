"""What tensor parallelism adds to the profile run's reserve: torch's RCCL communicator for the group, and AITER's
custom all-reduce when the recipe's env and flags make vLLM 0.23.0 build it."""

from __future__ import annotations

import pytest

from rocm_vllm.tp_buffers import (
    AITER_ALLREDUCE_BYTES,
    aiter_allreduce_fusion,
    communication_bytes,
    rccl_communicator_bytes,
)
from rocm_vllm.validate import default_context
from rocm_vllm.vllm_argv import read_argv

MIB = 2**20


def test_rccl_communicator_is_eight_mib_per_connection_of_the_group_size() -> None:
    assert rccl_communicator_bytes(1) == 0
    assert rccl_communicator_bytes(2) == 32 * 8 * MIB  # 32 channels, one peer
    assert rccl_communicator_bytes(4) == 48 * 8 * MIB
    assert rccl_communicator_bytes(8) == (56 * 2 + 77) * 8 * MIB  # ring, tree, MSCCL
    assert rccl_communicator_bytes(3) == rccl_communicator_bytes(4)  # the next tabled size
    assert rccl_communicator_bytes(16) == rccl_communicator_bytes(8)  # past 8 ranks, 8's


def test_aiter_all_reduce_is_three_gib_on_mi300_class_gpus_only() -> None:
    assert AITER_ALLREDUCE_BYTES == 2 * 2**30 + 2**30 + 8 * MIB  # 2 x 1 GiB metadata, 1 GiB input, rank data
    rccl = rccl_communicator_bytes(2)
    assert communication_bytes(2, aiter_allreduce=True, arch="gfx942") == rccl + AITER_ALLREDUCE_BYTES
    assert communication_bytes(2, aiter_allreduce=True, arch="gfx950") == rccl + AITER_ALLREDUCE_BYTES
    assert communication_bytes(2, aiter_allreduce=True, arch="gfx90a") == rccl  # AITER does not run there
    assert communication_bytes(2, aiter_allreduce=False, arch="gfx942") == rccl
    assert communication_bytes(1, aiter_allreduce=True, arch="gfx942") == 0  # nothing to all-reduce


def test_from_vllm_0_29_aiter_all_reduce_is_allocated_before_the_kv_budget_is_measured() -> None:
    """0.29.0 builds its own 128 MiB AITER instance when the communicator starts, before the start snapshot."""
    rccl = rccl_communicator_bytes(8)
    aiter = rccl + AITER_ALLREDUCE_BYTES
    assert communication_bytes(8, aiter_allreduce=True, arch="gfx942", release="0.22.0") == aiter
    assert communication_bytes(8, aiter_allreduce=True, arch="gfx942", release="0.23.0") == aiter
    assert communication_bytes(8, aiter_allreduce=True, arch="gfx942", release="0.29.0") == rccl


def _fusion(args: list[str], env: dict[str, str] | None = None) -> bool:
    environment = {"VLLM_ROCM_USE_AITER": "1", **(env or {})}
    options = read_argv(args, default_context().flags()).options
    return aiter_allreduce_fusion(environment.items(), options)


@pytest.mark.parametrize(
    ("args", "env", "built"),
    [
        ([], {}, True),
        ([], {"VLLM_ROCM_USE_AITER": "True"}, True),
        ([], {"VLLM_ROCM_USE_AITER": "0"}, False),
        ([], {"VLLM_ROCM_USE_AITER": "yes"}, False),  # vLLM reads only "1" and "true"
        (["--enforce-eager"], {}, False),
        (["--enforce-eager", "--no-enforce-eager"], {}, True),  # the last one wins
        (["-O1"], {}, False),
        (["-O", "0"], {}, False),
        (["--optimization-level=3"], {}, True),
        (["-cc.mode=0"], {}, False),
        (["--compilation-config.pass_config.fuse_allreduce_rms", "false"], {}, False),
        (["--compilation-config", '{"pass_config": {"fuse_allreduce_rms": false}}'], {}, False),
        (["--compilation-config", '{"mode": 3}'], {}, True),
        ([], {"TORCH_COMPILE_DISABLE": "1"}, False),
    ],
)
def test_aiter_all_reduce_is_built_only_with_aiter_on_and_the_fusion_pass_compiled(
    args: list[str], env: dict[str, str], built: bool
) -> None:
    assert _fusion(args, env) is built


def test_without_aiter_in_the_env_nothing_is_built() -> None:
    assert not aiter_allreduce_fusion((), ())
