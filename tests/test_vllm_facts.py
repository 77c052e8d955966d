"""Release ordering for the per-release tables (serve defaults, where AITER's all-reduce is allocated)."""

from __future__ import annotations

from rocm_vllm.vllm_facts import known_versions, release_key


def test_release_key_orders_versions_by_their_numbers() -> None:
    assert release_key("0.23.0") < release_key("0.23.1rc1") < release_key("0.29.0") < release_key("1")
    assert release_key("0.29.0") == (0, 29, 0)
    assert release_key("0.9.2.dev364+gb432b7a28") == (0, 9, 2)
    assert sorted(known_versions(), key=release_key) == ["0.23.0", "0.29.0"]
