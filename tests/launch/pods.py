"""Run the chart's rendered Ray launch scripts for real: a LeaderWorkerSet group as processes on two "hosts".

Each pod runs in a network namespace of its own (the two joined by a veth pair) and in fresh UTS, PID and mount
namespaces, with a private /tmp and /dev/shm and an /etc/hosts that resolves the leader's LWS address. Its
environment is exactly the container's env from the rendered manifest, plus what Kubernetes and LeaderWorkerSet
add (PATH, HOME, HOSTNAME, LWS_*) and the test's GPU emulation (RAY_OVERRIDE_RESOURCES). Only `vllm` is replaced,
by a stub that records what the Ray cluster looked like when it started. Killing a pod kills its PID namespace,
so no Ray process outlives its pod.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_vllm import helm

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "rocm-vllm"
# The leader's DNS name as LeaderWorkerSet builds it (<lws>-<group>.<subdomain>.<namespace>).
LEADER_ADDRESS = "rocm-vllm-lws-0.rocm-vllm-lws.default"
SUBNET = "10.251.{octet}.{host}"
POD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion of command and args: `$$` is a literal `$`, `$(NAME)` of a defined
    variable is its value, anything else is kept as written."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            following = text[i + 1]
            if following == "$":
                out.append("$")
                i += 2
                continue
            if following == "(":
                close = text.find(")", i + 2)
                if close != -1:
                    name = text[i + 2 : close]
                    out.append(env[name] if name in env else text[i : close + 1])
                    i = close + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def render_group(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The leader's and the worker's vllm container from charts/rocm-vllm rendered with `values`."""
    objects = helm.split_manifests(helm.render_chart(CHART_DIR, values, api_versions=helm.CRD_API_VERSIONS))
    (lws,) = [o for o in objects if o["kind"] == "LeaderWorkerSet"]
    template = lws["spec"]["leaderWorkerTemplate"]
    containers = []
    for role in ("leaderTemplate", "workerTemplate"):
        (vllm,) = [c for c in template[role]["spec"]["containers"] if c["name"] == "vllm"]
        containers.append(vllm)
    return containers[0], containers[1]


def startup_budget_seconds(container: Mapping[str, Any]) -> int:
    """How long the container's startup probe lets it run before the kubelet restarts it."""
    probe = container["startupProbe"]
    return int(probe.get("initialDelaySeconds", 0)) + int(probe.get("periodSeconds", 10)) * int(
        probe.get("failureThreshold", 3)
    )


@dataclass
class Pod:
    """One running pod: its process (the PID namespace's parent) and its log file."""

    name: str
    netns: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None when still running after `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def wait_for_log(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            if self.process.poll() is not None:
                return text in self.log()
            time.sleep(0.5)
        return False

    def kill(self) -> None:
        """SIGKILL the pod: unshare --kill-child takes the PID namespace, and every process in it, along."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


class Hosts:
    """Two network namespaces joined by a veth pair, a stub `vllm`, and the pods started in them."""

    def __init__(self, ray_bin: Path) -> None:
        self.ray_bin = ray_bin
        self.tag = uuid.uuid4().hex[:6]
        # Not under /tmp: each pod mounts a private tmpfs there.
        self.state = Path(tempfile.mkdtemp(prefix="rocm-vllm-launch-", dir="/var/tmp"))
        self.netns = {"leader": f"rvl-{self.tag}-l", "worker": f"rvl-{self.tag}-w"}
        octet = int(self.tag[:2], 16)
        self.ip = {
            "leader": SUBNET.format(octet=octet, host=1),
            "worker": SUBNET.format(octet=octet, host=2),
        }
        self.pods: list[Pod] = []
        self.vllm_record = self.state / "vllm-started.json"
        self._write_vllm_stub()

    # --- namespaces -------------------------------------------------------------------------------------

    def create(self) -> None:
        veth = {"leader": f"rvl{self.tag}l", "worker": f"rvl{self.tag}w"}
        for ns in self.netns.values():
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("link", "add", veth["leader"], "type", "veth", "peer", "name", veth["worker"])
        for role, ns in self.netns.items():
            _ip("link", "set", veth[role], "netns", ns)
            _ip("-n", ns, "addr", "add", f"{self.ip[role]}/24", "dev", veth[role])
            _ip("-n", ns, "link", "set", veth[role], "up")
            # A default route, as a pod has: Ray finds its node address by routing towards a public
            # address (a UDP connect, which sends nothing). Nothing is forwarded out of the pair.
            _ip("-n", ns, "route", "add", "default", "dev", veth[role])

    def stop_pods(self) -> None:
        for pod in self.pods:
            pod.kill()

    def destroy(self) -> None:
        """Kill every pod and anything else left in the namespaces, then remove them and the files."""
        self.stop_pods()
        for ns in self.netns.values():
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
            for pid in pids.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        shutil.rmtree(self.state, ignore_errors=True)

    def leftover_processes(self, grace: float = 10.0) -> list[str]:
        """PIDs still inside either network namespace `grace` seconds after every pod was killed (the kernel
        tears a PID namespace down asynchronously)."""
        deadline = time.monotonic() + grace
        while True:
            found: list[str] = []
            for ns in self.netns.values():
                out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
                found += out.stdout.split()
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    # --- pods -------------------------------------------------------------------------------------------

    def _write_vllm_stub(self) -> None:
        """`vllm` for the pods: connects to the Ray cluster as vLLM's Ray executor would, records its
        arguments, the live nodes and GPUs it found and the Ray jobs so far, then serves (sleeps) until its pod
        is killed."""
        stub_dir = self.state / "stub-bin"
        stub_dir.mkdir()
        stub = stub_dir / "vllm"
        stub.write_text(
            textwrap.dedent(
                f"""\
                #!{self.ray_bin / "python3"}
                import json, sys, time
                import ray
                from ray._private.state import jobs
                ray.init(address="auto", logging_level="ERROR", log_to_driver=False)
                alive = [n for n in ray.nodes() if n["Alive"]]
                record = {{
                    "argv": sys.argv[1:],
                    "alive_nodes": len(alive),
                    "gpus": sum(n["Resources"].get("GPU", 0) for n in alive),
                    # Every Ray driver the cluster has seen, this one included (the job table).
                    "ray_jobs": len(jobs()),
                }}
                ray.shutdown()
                with open({str(self.vllm_record)!r}, "w") as handle:
                    json.dump(record, handle)
                print("vllm stub: serving", flush=True)
                time.sleep(3600)
                """
            ),
            encoding="utf-8",
        )
        stub.chmod(0o755)
        self.stub_dir = stub_dir

    def vllm_started(self) -> dict[str, Any] | None:
        if not self.vllm_record.exists():
            return None
        data: dict[str, Any] = json.loads(self.vllm_record.read_text(encoding="utf-8"))
        return data

    def start(
        self,
        role: str,
        container: Mapping[str, Any],
        *,
        group_size: int,
        gpus: int,
    ) -> Pod:
        """Start the rendered `container` as the leader's or the worker's pod, with `gpus` emulated GPUs."""
        name = f"rocm-vllm-lws-0{'' if role == 'leader' else '-1'}"
        env: dict[str, str] = {
            # What the container runtime and the image provide.
            "PATH": f"{self.stub_dir}:{self.ray_bin}:{POD_PATH}",
            "HOME": "/tmp",
            "HOSTNAME": name,
            # What LeaderWorkerSet injects.
            "LWS_LEADER_ADDRESS": LEADER_ADDRESS,
            "LWS_GROUP_SIZE": str(group_size),
            "LWS_WORKER_INDEX": "0" if role == "leader" else "1",
        }
        for var in container.get("env", []):
            assert "valueFrom" not in var, f"the test values must not need Secrets: {var}"
            env[var["name"]] = expand(str(var.get("value", "")), env)
        # The test's stand-in for the GPU device plugin; Ray's own telemetry off.
        env["RAY_OVERRIDE_RESOURCES"] = json.dumps({"GPU": gpus})
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        argv = [expand(a, env) for a in [*container.get("command", []), *container.get("args", [])]]

        hosts = self.state / f"hosts-{role}"
        hosts.write_text(
            f"127.0.0.1 localhost\n{self.ip[role]} {name}\n{self.ip['leader']} {LEADER_ADDRESS}\n",
            encoding="utf-8",
        )
        # The pod's private /tmp would hide Ray's virtualenv when the checkout itself lives under /tmp (a CI clone
        # may): such folders are bound aside first, inside the pod's own mount namespace, and bound back after.
        kept = [path for path in (self.ray_bin.parent,) if path.resolve().is_relative_to("/tmp")]
        aside = [self.state / f"kept-{role}-{i}" for i in range(len(kept))]
        for folder in aside:
            folder.mkdir(exist_ok=True)
        set_aside = "".join(
            f"mount --bind {shlex.quote(str(path))} {shlex.quote(str(spot))} && "
            for path, spot in zip(kept, aside, strict=True)
        )
        bring_back = "".join(
            f" && mkdir -p {shlex.quote(str(path))} && mount --bind {shlex.quote(str(spot))} {shlex.quote(str(path))}"
            for path, spot in zip(kept, aside, strict=True)
        )
        setup = (
            f"{set_aside}mount -t tmpfs tmpfs /tmp{bring_back}"
            ' && mount -t tmpfs -o size=8g tmpfs /dev/shm && mount --bind "$0" /etc/hosts'
            ' && hostname "$1" && shift && exec env -i "$@"'
        )
        command = [
            *("ip", "netns", "exec", self.netns[role]),
            *("unshare", "--uts", "--pid", "--fork", "--mount-proc", "--kill-child"),
            *("/bin/sh", "-c", setup, str(hosts), name),
            *(f"{key}={value}" for key, value in env.items()),
            *argv,
        ]
        log_path = self.state / f"{role}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pod = Pod(name=name, netns=self.netns[role], process=process, log_path=log_path)
        self.pods.append(pod)
        return pod


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)
