# The node-local cache tier (values nodeCache.*), run by `python3 -c` from the chart's templates.
# argv[1] "prefill" (the prefill DaemonSet's init container): put MODEL_ID at MODEL_REVISION into NODE_CACHE (the
# node's hostPath, laid out as a Hugging Face cache) from SOURCE "claim" (a copy of the shared claim mounted at
# SHARED_CACHE, filled by charts/rocm-vllm-cache) or "hub" (snapshot_download), then write the marker
# .rocm-vllm-cache/models--<org>--<name>/<revision>.complete, the layout charts/rocm-vllm-cache writes. A node whose
# marker exists is skipped.
# argv[1] "wait" (the vLLM pod's init container): wait until the node's marker exists, at most WAIT_TIMEOUT_SECONDS.
import json
import os
import shutil
import sys
import time
from pathlib import Path

mode = sys.argv[1]
cache = Path(os.environ["NODE_CACHE"])
repo_id, revision = os.environ["MODEL_ID"], os.environ["MODEL_REVISION"]
folder = "models--" + repo_id.replace("/", "--")
marker = cache / ".rocm-vllm-cache" / folder / (revision.replace("/", "--") + ".complete")

if mode == "wait":
    deadline = time.monotonic() + int(os.environ["WAIT_TIMEOUT_SECONDS"])
    while not marker.is_file():
        if time.monotonic() > deadline:
            sys.exit(f"{repo_id}@{revision} is not on this node's cache ({marker}); is the prefill DaemonSet running here?")
        print(f"waiting for the node's copy of {repo_id}@{revision} ({marker})", flush=True)
        time.sleep(15)
    print(f"{repo_id}@{revision} is on this node ({marker})", flush=True)
    sys.exit(0)

if marker.is_file():
    print(f"{repo_id}@{revision}: already on this node ({marker}), skipped", flush=True)
    sys.exit(0)
started = time.monotonic()
if os.environ["SOURCE"] == "claim":
    shared = Path(os.environ["SHARED_CACHE"])
    done = shared / ".rocm-vllm-cache" / folder / marker.name
    if not done.is_file():
        sys.exit(f"{repo_id}@{revision} is not complete in the shared claim ({done}): fill it first (charts/rocm-vllm-cache)")
    record = json.loads(done.read_text())
    source = shared / "hub" / folder
    partial = cache / "hub" / (folder + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    # symlinks=True keeps the snapshot's relative links into blobs/, as the Hugging Face layout needs.
    shutil.copytree(source, partial, symlinks=True)
    target = cache / "hub" / folder
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
else:
    os.environ["HF_HOME"] = str(cache)
    from huggingface_hub import snapshot_download

    path = snapshot_download(repo_id=repo_id, revision=revision)
    record = {"id": repo_id, "revision": revision, "commit": Path(path).name, "snapshot": os.path.relpath(path, cache)}
marker.parent.mkdir(parents=True, exist_ok=True)
pending = marker.with_suffix(".partial")
pending.write_text(json.dumps(record, sort_keys=True) + "\n")
pending.replace(marker)
print(f"{repo_id}@{revision}: on this node in {time.monotonic() - started:.0f} s ({marker})", flush=True)
