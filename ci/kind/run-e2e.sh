#!/usr/bin/env bash
# Run the chart's end-to-end suite (tests/e2e) on a throwaway kind cluster.
#
#   ci/kind/run-e2e.sh KUBERNETES_VERSION        e.g. ci/kind/run-e2e.sh 1.29   (see ci/kind/versions.yaml)
#
# Creates a cluster from ci/kind/cluster.yaml with the node image pinned for that version, installs the
# LeaderWorkerSet controller (and KEDA with its HTTP add-on when their checksums are pinned), runs `pytest -m e2e tests/e2e`, and deletes the cluster on every exit path.
# The cluster gets its own kubeconfig in a temporary directory: the user's ~/.kube/config is never read or
# written, so the suite cannot reach any cluster but this one.
#
# Environment: PYTHON (default: .venv/bin/python, else python3), E2E_CLUSTER_NAME, E2E_ARTIFACTS (a
# directory that receives `kind export logs` on failure), E2E_KEEP_CLUSTER=1 (debugging only: skip deletion).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO_ROOT
readonly KIND_DIR="${REPO_ROOT}/ci/kind"

log() { printf '[run-e2e] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 KUBERNETES_VERSION   (one of the versions in ci/kind/versions.yaml)" >&2
  exit 2
fi
readonly K8S_VERSION="$1"

if [[ -n "${PYTHON:-}" ]]; then
  py="${PYTHON}"
elif [[ -x "${REPO_ROOT}/.venv/bin/python" ]]; then
  py="${REPO_ROOT}/.venv/bin/python"
else
  py="python3"
fi
readonly py

pinned() { "${py}" "${KIND_DIR}/versions.py" "$@"; }

require_tools() {
  local missing=()
  local tool
  for tool in docker kind kubectl helm; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}"
  timeout 30 docker info >/dev/null 2>&1 || die "docker is installed but its engine is not reachable (docker info failed)"
}

require_tools
node_image="$(pinned "${K8S_VERSION}" nodeImage)" || die "no pinned node image for Kubernetes ${K8S_VERSION}"
wanted_kind="$(pinned "${K8S_VERSION}" kind)"
lws_manifests="$(pinned --top lws.manifests)"
readonly node_image wanted_kind lws_manifests

# kind only guarantees a node image with the release that built it; other releases are best effort.
have_kind="$(kind version | awk '{print $2}')"
if [[ "${have_kind}" != "${wanted_kind}" ]]; then
  log "warning: kind ${have_kind} in PATH, but ${node_image%@*} was published with kind ${wanted_kind}"
fi

minor="$("${py}" -c 'import sys; print(sys.argv[1].lstrip("v").split(".")[1])' "${K8S_VERSION}")"
readonly cluster="${E2E_CLUSTER_NAME:-rocm-vllm-e2e-1-${minor}}"
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/rocm-vllm-e2e.XXXXXX")"
readonly work_dir
export KUBECONFIG="${work_dir}/kubeconfig"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if ((status != 0)) && [[ -n "${E2E_ARTIFACTS:-}" ]]; then
    mkdir -p "${E2E_ARTIFACTS}"
    timeout 300 kind export logs "${E2E_ARTIFACTS}/kind-logs" --name "${cluster}" >/dev/null 2>&1 || true
  fi
  if [[ "${E2E_KEEP_CLUSTER:-0}" == 1 ]]; then
    log "keeping cluster ${cluster} (E2E_KEEP_CLUSTER=1); kubeconfig: ${KUBECONFIG}"
    exit "${status}"
  fi
  log "deleting cluster ${cluster}"
  timeout 300 kind delete cluster --name "${cluster}" >/dev/null 2>&1 || true
  if kind get clusters 2>/dev/null | grep -Fxq "${cluster}"; then
    log "ERROR: cluster ${cluster} is still present after deletion"
    status=1
  fi
  rm -rf "${work_dir}"
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if kind get clusters 2>/dev/null | grep -Fxq "${cluster}"; then
  die "a kind cluster named ${cluster} already exists; delete it or set E2E_CLUSTER_NAME"
fi

log "creating cluster ${cluster} with ${node_image}"
timeout 600 kind create cluster \
  --name "${cluster}" \
  --image "${node_image}" \
  --config "${KIND_DIR}/cluster.yaml" \
  --kubeconfig "${KUBECONFIG}" \
  --wait 300s

log "installing LeaderWorkerSet from ${lws_manifests}"
kubectl apply --server-side --request-timeout=120s -f "${lws_manifests}"
kubectl wait deployment/lws-controller-manager -n lws-system --for=condition=Available --timeout=300s

# The webhook serves a self-generated certificate a little after the Deployment turns Available.
deadline=$((SECONDS + 180))
until kubectl apply --dry-run=server --request-timeout=20s \
  -f "${KIND_DIR}/manifests/lws-webhook-probe.yaml" >/dev/null 2>&1; do
  ((SECONDS < deadline)) || die "LeaderWorkerSet webhooks did not answer within 180s"
  sleep 5
done

# CRDs only, pinned by commit and checksum, for scenarios that render ServiceMonitor, ScaledObject, HTTPRoute.
crd_count="$(pinned --len extraCrds)"
for ((i = 0; i < crd_count; i++)); do
  url="$(pinned --top "extraCrds.${i}.url")"
  sum="$(pinned --top "extraCrds.${i}.sha256")"
  file="${work_dir}/crd-${i}.yaml"
  curl --fail --silent --show-error --location --max-time 60 --retry 3 -o "${file}" "${url}"
  echo "${sum}  ${file}" | sha256sum --check --quiet || die "checksum mismatch for ${url}"
  kubectl apply --server-side --request-timeout=120s -f "${file}"
done

# KEDA and the HTTP add-on (scale from zero), from release manifests verified by the sha256 in versions.yaml.
# Without a recorded checksum nothing unverified is applied: the scale-from-zero test skips and says why.
keda_ready=0
keda_sum="$(pinned --top keda.sha256)"
addon_sum="$(pinned --top httpAddOn.sha256)"
if [[ "${keda_sum}" == None || "${addon_sum}" == None ]]; then
  log "not installing KEDA: keda.sha256 or httpAddOn.sha256 is not recorded in ci/kind/versions.yaml"
else
  for part in keda httpAddOn; do
    url="$(pinned --top "${part}.manifests")"
    sum="$(pinned --top "${part}.sha256")"
    file="${work_dir}/${part}.yaml"
    log "installing ${part} from ${url}"
    curl --fail --silent --show-error --location --max-time 120 --retry 3 -o "${file}" "${url}"
    echo "${sum}  ${file}" | sha256sum --check --quiet || die "checksum mismatch for ${url}"
    # --force-conflicts: KEDA's own ScaledObject CRD replaces the CRD-only copy applied above.
    kubectl apply --server-side --force-conflicts --request-timeout=120s -f "${file}"
  done
  kubectl wait deployment --all -n keda --for=condition=Available --timeout=300s
  keda_ready=1
fi

log "running tests/e2e on Kubernetes ${K8S_VERSION}"
cd "${REPO_ROOT}"
ROCM_VLLM_E2E=1 \
  ROCM_VLLM_E2E_KUBECONFIG="${KUBECONFIG}" \
  ROCM_VLLM_E2E_CLUSTER="${cluster}" \
  ROCM_VLLM_E2E_K8S_VERSION="${K8S_VERSION}" \
  ROCM_VLLM_E2E_KEDA="${keda_ready}" \
  "${py}" -m pytest tests/e2e -m e2e -v -rs
