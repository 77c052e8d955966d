"""rocm_vllm.helm: the engine options take effect, errors map to the package's classes, outputs are stable."""

from __future__ import annotations

import json
import stat
import textwrap
from pathlib import Path

import pytest

from rocm_vllm import helm
from rocm_vllm.errors import HelmEngineError, InvalidInputError


def _write_chart(root: Path, templates: dict[str, str], schema: str | None = None) -> Path:
    chart = root / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("tag: x\nboom: false\n")
    if schema is not None:
        (chart / "values.schema.json").write_text(schema)
    for name, text in templates.items():
        path = chart / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return chart


CAPABILITIES = """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: caps
    data:
      kube: {{ .Capabilities.KubeVersion.Version | quote }}
      lws: {{ .Capabilities.APIVersions.Has "leaderworkerset.x-k8s.io/v1" | quote }}
      lwsKind: {{ .Capabilities.APIVersions.Has "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet" | quote }}
      release: {{ .Release.Name }}/{{ .Release.Namespace }}
    """

SCHEMA = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "tag": {"type": "string", "minLength": 1, "description": "A pinned tag."},
            "boom": {"type": "boolean"},
        },
    }
)
FAIL_TEMPLATE = '{{- if .Values.boom }}{{ fail "ERROR: boom is true; set boom to false." }}{{ end }}\n'


@pytest.fixture
def probe_chart(tmp_path: Path) -> Path:
    return _write_chart(
        tmp_path,
        {
            "caps.yaml": CAPABILITIES,
            "fail.yaml": FAIL_TEMPLATE,
            "empty.yaml": "{{- if false }}\nkind: Nothing\n{{- end }}\n",
            "NOTES.txt": "Installed {{ .Release.Name }}.\n",
            "tests/hook.yaml": """\
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hook
                  annotations:
                    helm.sh/hook: test
                spec:
                  containers: [{name: c, image: "busybox:1.36"}]
                """,
        },
        schema=SCHEMA,
    )


def _data(rendered: dict[str, str]) -> dict[str, str]:
    (obj,) = [o for o in helm.split_manifests(rendered) if o["kind"] == "ConfigMap"]
    data: dict[str, str] = obj["data"]
    return data


def test_kube_version_and_api_versions_take_effect(probe_chart: Path) -> None:
    default = _data(helm.render_chart(probe_chart, {}))
    assert default["lws"] == "false"
    assert default["kube"] != "v1.29.0"

    custom = _data(
        helm.render_chart(
            probe_chart,
            {},
            kube_version="1.29.0",
            api_versions=helm.CRD_API_VERSIONS,
            release_name="demo",
            namespace="serving",
        )
    )
    assert custom == {"kube": "v1.29.0", "lws": "true", "lwsKind": "true", "release": "demo/serving"}


def test_crd_api_versions_lists_group_version_and_kind() -> None:
    for kind in ("LeaderWorkerSet", "ServiceMonitor", "PodMonitor", "ScaledObject", "HTTPRoute"):
        (with_kind,) = [v for v in helm.CRD_API_VERSIONS if v.endswith(f"/{kind}")]
        assert with_kind.rsplit("/", 1)[0] in helm.CRD_API_VERSIONS


def test_render_drops_empty_templates_notes_and_optionally_hooks(probe_chart: Path) -> None:
    rendered = helm.render_chart(probe_chart, {})
    assert sorted(rendered) == ["probe/templates/caps.yaml", "probe/templates/tests/hook.yaml"]
    assert all(text.endswith("\n") and not text.startswith("\n") for text in rendered.values())

    no_hooks = helm.render_chart(probe_chart, {}, include_hooks=False)
    assert sorted(no_hooks) == ["probe/templates/caps.yaml"]

    with_notes = helm.render_chart(probe_chart, {}, release_name="r1", include_notes=True)
    assert with_notes["probe/templates/NOTES.txt"] == "Installed r1.\n"


def test_schema_violation_maps_to_invalid_input_with_key_and_description(probe_chart: Path) -> None:
    with pytest.raises(InvalidInputError) as info:
        helm.render_chart(probe_chart, {"tag": "", "tagg": "x"})
    message = str(info.value)
    assert "- tag: minLength" in message
    assert "A pinned tag." in message
    assert "'tagg' not allowed" in message


def test_fail_maps_to_invalid_input_with_the_charts_message(probe_chart: Path) -> None:
    with pytest.raises(InvalidInputError) as info:
        helm.render_chart(probe_chart, {"boom": True})
    assert str(info.value) == "ERROR: boom is true; set boom to false."


def test_template_bug_maps_to_engine_error(tmp_path: Path) -> None:
    chart = _write_chart(tmp_path, {"bug.yaml": "{{ .Values.missing.deeper.value }}\n"})
    with pytest.raises(HelmEngineError):
        helm.render_chart(chart, {})


def test_split_manifests_is_sorted_and_skips_empty_documents() -> None:
    rendered = {
        "c/templates/b.yaml": "kind: Service\nmetadata: {name: b}\n---\n# only a comment\n",
        "c/templates/a.yaml": (
            "kind: Service\nmetadata: {name: a}\n---\nkind: Deployment\nmetadata: {name: z}\n"
        ),
        "c/templates/NOTES.txt": "not yaml: [",
    }
    objects = helm.split_manifests(rendered)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Deployment", "z"),
        ("Service", "a"),
        ("Service", "b"),
    ]


def test_lint_reports_errors_and_is_quiet_when_clean(probe_chart: Path, tmp_path: Path) -> None:
    clean = helm.lint_chart(probe_chart, kube_version="1.33.0")
    assert [f for f in clean if f.severity in ("error", "warning")] == []

    broken = _write_chart(tmp_path / "broken", {"bad.yaml": "kind: [unclosed\n"})
    findings = helm.lint_chart(broken, kube_version="1.33.0")
    assert findings and findings[0].severity == "error"
    assert "bad.yaml" in str(findings[0])


def _as_helm_template_output(rendered: dict[str, str]) -> str:
    out = []
    for path, text in rendered.items():
        for doc in text.split("\n---\n"):
            out.append(f"---\n# Source: {path}\n{doc.strip()}\n")
    return "".join(out)


def test_helm_template_output_parses_to_the_engines_shape(probe_chart: Path) -> None:
    rendered = helm.render_chart(probe_chart, {}, api_versions=helm.CRD_API_VERSIONS)
    assert helm.parse_helm_template_output(_as_helm_template_output(rendered)) == rendered


def test_render_with_binary_passes_versions_and_parses_output(probe_chart: Path, tmp_path: Path) -> None:
    rendered = helm.render_chart(probe_chart, {}, kube_version="1.30.0", api_versions=helm.CRD_API_VERSIONS)
    canned = tmp_path / "out.yaml"
    canned.write_text(_as_helm_template_output(rendered))
    args_file = tmp_path / "args"
    fake = tmp_path / "helm"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {args_file}\ncat {canned}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    result = helm.render_chart_with_binary(
        fake, probe_chart, {"tag": "y"}, kube_version="1.30.0", api_versions=("leaderworkerset.x-k8s.io/v1",)
    )
    assert result == rendered
    args = args_file.read_text().splitlines()
    assert args[:3] == ["template", "rocm-vllm", str(probe_chart)]
    assert args[args.index("--kube-version") + 1] == "v1.30.0"
    assert args[args.index("--api-versions") + 1] == "leaderworkerset.x-k8s.io/v1"


def test_render_with_binary_maps_fail_messages(probe_chart: Path, tmp_path: Path) -> None:
    fake = tmp_path / "helm"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'Error: execution error at (probe/templates/fail.yaml:1:4): ERROR: boom' >&2\n"
        "exit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(InvalidInputError, match=r"^ERROR: boom$"):
        helm.render_chart_with_binary(fake, probe_chart, {})
