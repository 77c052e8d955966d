"""Node inventories: recorded files through the hardened loader, live cluster answers with a bounded wait; a
malformed, partial or slow answer is a one-line error naming its source (exit 1), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rocm_vllm.inventory as inventory
from rocm_vllm.cli import main
from rocm_vllm.errors import InputFileError, LiveSourceError

REPO = Path(__file__).resolve().parents[1]
NODES = REPO / "tests" / "fixtures" / "nodes"
RECORDED = json.loads((NODES / "one-mi300x-vf-4gpu.json").read_text())


class FakeApiClient:
    def sanitize_for_serialization(self, answer: Any) -> Any:
        return answer


class FakeCoreApi:
    """Stands in for kubernetes.client.CoreV1Api: answers with `answer`, or raises `error`."""

    def __init__(self, answer: Any = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, []  # type: list[dict[str, Any]]
        self.api_client = FakeApiClient()

    def list_node(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        return self.answer


@pytest.fixture
def fake_cluster(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(api: FakeCoreApi) -> FakeCoreApi:
        monkeypatch.setattr(inventory, "_core_api", lambda context: api)
        monkeypatch.setattr(inventory, "_resource_slice_apis", lambda api_client: [])  # a cluster without DRA
        return api

    monkeypatch.chdir(REPO)
    return install


def test_a_good_answer_is_asked_for_with_a_bounded_wait(fake_cluster: Any) -> None:
    api = fake_cluster(FakeCoreApi(RECORDED))
    assert inventory.nodes_from_cluster() == RECORDED["items"]
    assert api.calls == [{"_request_timeout": inventory.CLUSTER_TIMEOUT_SECONDS}]
    assert sum(inventory.CLUSTER_TIMEOUT_SECONDS) <= 30


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("<html>proxy error</html>", "expected a NodeList"),
        ({"kind": "NodeList"}, "expected a NodeList"),
        ({"items": [{"kind": "Node"}]}, "$.items[0].metadata: a node needs metadata.name"),
        ({"items": [{"metadata": {"name": "n", "labels": ["x"]}}]}, "metadata.labels must map"),
        (
            {"items": [{"metadata": {"name": "n"}, "status": {"allocatable": {"amd.com/gpu": [8]}}}]},
            "quantity",
        ),
        ({"items": [], "metadata": {"continue": "abc"}}, "the node list is partial"),
    ],
)
def test_malformed_or_partial_answers_name_the_cluster(
    fake_cluster: Any, capsys: pytest.CaptureFixture[str], answer: Any, expected: str
) -> None:
    fake_cluster(FakeCoreApi(answer))
    with pytest.raises(LiveSourceError, match="cluster \\(current kubeconfig context\\)") as caught:
        inventory.nodes_from_cluster()
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert main(["select", "deepseek-r1", "--from-cluster"]) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_slow_cluster_fails_in_bounded_time(fake_cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake_cluster(FakeCoreApi(error=TimeoutError("read timed out\n(after 15 s)")))
    assert main(["select", "deepseek-r1", "--from-cluster", "--context", "prod"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cluster unreachable: cluster (context prod) gave no node list within 20 s")
    assert "TimeoutError: read timed out (after 15 s)" in err and err.count("\n") == 1


def test_recorded_files_name_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "nodes.json"
    broken.write_text('{\n  "items": [\n    {"metadata": {"name": "a"}},\n    "not a node"\n  ]\n}\n')
    with pytest.raises(InputFileError) as caught:
        inventory.nodes_from_file(broken)
    assert (caught.value.problem.line, caught.value.problem.path) == (4, "$.items[1]")
    assert (
        main(["select", "deepseek-r1", "--nodes-file", str(broken), "--recipes-dir", str(REPO / "recipes")])
        == 1
    )
    assert f"{broken}:4: a node must be a mapping" in capsys.readouterr().err


def test_recorded_file_with_negative_gpus_is_left_out_with_a_note() -> None:
    from rocm_vllm.catalog import load_catalog

    node = {"metadata": {"name": "n", "labels": {}}, "status": {"allocatable": {"amd.com/gpu": "-8"}}}
    pools, notes = inventory.pools_from_nodes(inventory.checked_nodes([node], "test"), load_catalog())
    assert pools == [] and "negative" in notes[0]
