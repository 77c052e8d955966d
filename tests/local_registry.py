"""A real OCI registry (Debian's `docker-registry`, CNCF distribution) and a static HTTP server on 127.0.0.1,
started by the tests and stopped after them."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USERNAME = "publisher"
PASSWORD = "right-password"
# bcrypt (cost 4, the minimum) of PASSWORD, made once with Python's crypt module (METHOD_BLOWFISH): the
# registry's htpasswd backend takes bcrypt only, and a constant keeps the tests free of a bcrypt dependency.
PASSWORD_BCRYPT = "$2b$04$8o3SFlWtrdnIIWB7kPAk6ujYaIOBCX6XmpWgfaawaKQNdEbGUmcCq"
REGISTRY_BINARIES = ("docker-registry", "registry")  # Debian's name, then upstream's
NOT_INSTALLED = (
    "Debian's docker-registry is not installed (apt-get install docker-registry; .ci/run installs it)"
)


def free_port() -> int:
    """A TCP port nothing listens on at the moment (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def registry_binary() -> str | None:
    return next((found for name in REGISTRY_BINARIES if (found := shutil.which(name))), None)


@dataclass(frozen=True)
class LocalRegistry:
    host: str  # 127.0.0.1:PORT

    def url(self, path: str) -> str:
        return f"oci://{self.host}/{path}"


def _ready(host: str) -> bool:
    try:
        urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
    except urllib.error.HTTPError as error:
        return error.code == 401  # up, asking for the credentials it was configured with
    except OSError:
        return False
    return True


@contextlib.contextmanager
def running_registry(workdir: Path, binary: str) -> Iterator[LocalRegistry]:
    """Start the registry with plain HTTP, htpasswd auth (USERNAME/PASSWORD) and storage under `workdir`."""
    host = f"127.0.0.1:{free_port()}"
    (workdir / "htpasswd").write_text(f"{USERNAME}:{PASSWORD_BCRYPT}\n", encoding="utf-8")
    config = workdir / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {workdir / 'storage'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {host}\n"
        f"auth:\n  htpasswd:\n    realm: rocm-vllm-tests\n    path: {workdir / 'htpasswd'}\n",
        encoding="utf-8",
    )
    log = (workdir / "registry.log").open("wb")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not _ready(host):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"docker-registry did not start on {host}: {(workdir / 'registry.log').read_text()[-2000:]}"
                )
            time.sleep(0.05)
        yield LocalRegistry(host)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
