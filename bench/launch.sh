#!/usr/bin/env bash
# Launcher benchmark (issue: the launcher), run by hand, not in CI:
#   (a) latency to the first byte of a trivial stdio server, direct vs `gatehouse run`, with
#       1,000 registered servers and a signed 10,000-entry hub policy in force;
#   (b) round-trip latency of 10,000 JSON-RPC pings through the proxy vs a direct pipe;
#   (c) throughput of 1 MiB messages;
#   (d) with BASELINE set, an older build against this one, launch by launch in turn.
# All side by side in one run on one machine. Results go to bench/RESULTS-launch.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
echo "work: $work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p gatehouse-cli --bin gatehouse
cargo build --release --locked -p gatehouse-hub --example sign_bundle
gatehouse="$root/target/release/gatehouse"
cc -O2 -o "$work/servers" bench/servers.c

export GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_MCP_CONFIG="$work/config.yaml" HOME="$work/home"
export GATEHOUSE_MANAGED_SETTINGS="$work/none.yaml"

# The benchmark servers as registry bundles, installed verified: a small one (the binary
# alone) and a 5 MB, 500-file one (the binary and 500 files of 10 KB) whose tree check
# before each spawn is what the second first-byte row measures.
python3 - "$work" <<'PY'
import hashlib, io, json, os, sys, tarfile
work = sys.argv[1]
binary = open(os.path.join(work, "servers"), "rb").read()
def bundle(name, extra):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for path, data, mode in [("servers", binary, 0o755)] + extra:
            info = tarfile.TarInfo(path); info.size = len(data); info.mode = mode; info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    open(os.path.join(work, name), "wb").write(data)
    return "sha256:" + hashlib.sha256(data).hexdigest()
small = bundle("small.tar.gz", [])
files = [(f"lib/part-{i:03}.js", os.urandom(10 * 1024), 0o644) for i in range(500)]
large = bundle("large.tar.gz", files)
json.dump({"small": small, "large": large}, open(os.path.join(work, "digests.json"), "w"))
for name, args in [("hello", ["hello"]), ("echo", ["echo"]), ("flood", ["flood", "256", "1048576"]),
                   ("hello-large", ["hello"])]:
    manifest = {"package": {"id": f"@bench/{name}", "version": "1.0.0"},
                "entrypoints": [{"command": "./servers", "args": args}]}
    json.dump(manifest, open(os.path.join(work, f"{name}.manifest.json"), "w"))
PY

# A bundle with 10,000 list entries over the org, area and server layers, and a catalog
# certifying the four installed servers' bundles.
python3 - "$work/payload.json" "$work/digests.json" <<'PY'
import datetime, json, sys
digests = json.load(open(sys.argv[2]))
# Issued now: a fixed date would age past max_offline_age and turn every launch into a warn.
issued = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
allow = [f"@bench/allowed-{i}" for i in range(4_000)] + ["@bench/*"]
deny = [f"@evil/server-{i}" for i in range(3_000)] + [f"@old/tool-{i}@1.0.{i}" for i in range(2_000)] + [f"@shady-{i}/*" for i in range(999)]
bundle = {
    "schema": 1, "org": "bench", "serial": 1, "issued_at": issued,
    "max_offline_age": "7d", "stale_mode": "warn",
    "mandatory": {"min_cert_level": 0},
    "org_policy": {"min_score": 10, "allow_list": allow, "deny_list": deny[:5_000]},
    "areas": {"prod": {"policy": {"deny_list": deny[5_000:]}, "servers": ["@bench/hello"]}},
    "servers": {"@bench/hello": {"min_cert_level": 1}},
    "catalog": [{"name": f"@bench/{n}", "version": "1.0.0", "origin": "verified", "cert_level": 2,
                 "score": 90, "status": "published",
                 "digest": digests["large" if n == "hello-large" else "small"]}
                for n in ("hello", "echo", "flood", "hello-large")],
}
entries = len(allow) + len(deny)
assert entries == 10_000, entries
json.dump(bundle, open(sys.argv[1], "w"))
PY
"$root/target/release/examples/sign_bundle" "$work/payload.json" bench-seed > "$work/envelope.json" 2> "$work/key.txt"
"$gatehouse" config set hub-url https://hub.example
"$gatehouse" config set organization bench
"$gatehouse" config set hub-key "$(cat "$work/key.txt")"
"$gatehouse" policy import "$work/envelope.json"

echo "registering 1,000 servers…"
# 996 named servers (clean npx specs: bound names, no facts), never started here.
for i in $(seq 1 996); do
  "$gatehouse" servers add "filler-$i" -- npx -y "@bench/allowed-$i@1.0.0" >/dev/null
done
# Four verified installs of the benchmark servers.
for name in hello echo flood hello-large; do
  bundle="$work/small.tar.gz"
  [ "$name" = hello-large ] && bundle="$work/large.tar.gz"
  "$gatehouse" install "@bench/$name@1.0.0" --bundle "$bundle" --manifest "$work/$name.manifest.json" >/dev/null
done
"$gatehouse" check @bench/hello >/dev/null
"$gatehouse" check @bench/hello-large >/dev/null

# BASELINE=<an older gatehouse binary> also measures it against this build, launch by launch
# in turn, on its own copy of the same data (BASELINE_LABEL names it in the results).
if [ -n "${BASELINE:-}" ]; then
  cp -a "$work/data" "$work/data-baseline"
  export BASELINE BASELINE_DATA="$work/data-baseline"
fi

out=bench/RESULTS-launch.md
{
  echo "# Launcher benchmark"
  echo
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), release build,"
  echo "1,000 registered servers (996 named, 4 verified installs), a signed hub bundle with"
  echo "10,000 allow/deny entries in force. The tree check row compares two verified installs"
  echo "of the same server: one holding only its binary, one with 500 more files (5 MB)."
  echo "Servers: bench/servers.c. Driver: bench/measure.py (Python; its own overhead is in both columns)."
  echo
  echo "Durability: the store runs in WAL mode with synchronous=NORMAL. The audit row of each launch is"
  echo "committed (in the WAL) before the server is spawned, so a crash of Gatehouse or of the client app"
  echo "never loses a decision that ran; no fsync is paid per launch, so a power cut can lose the last"
  echo "moments of rows (SQLite syncs the WAL at checkpoints). FULL would add an fsync to every launch."
  echo "Phase marks: GATEHOUSE_LAUNCH_TIMINGS (crates/desktop/src/phases.rs), one tracing event per phase."
  echo
  python3 bench/measure.py "$gatehouse" "$work/servers"
} | tee "$out"
