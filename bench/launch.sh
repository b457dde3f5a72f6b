#!/usr/bin/env bash
# Launcher benchmark (issue: the launcher), run by hand, not in CI:
#   (a) latency to the first byte of a trivial stdio server, direct vs `gatehouse run`, with
#       1,000 registered servers and a signed 10,000-entry hub policy in force;
#   (b) round-trip latency of 10,000 JSON-RPC pings through the proxy vs a direct pipe;
#   (c) throughput of 1 MiB messages.
# All side by side in one run on one machine. Results go to bench/RESULTS-launch.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p gatehouse-cli --bin gatehouse
cargo build --release --locked -p gatehouse-hub --example sign_bundle
gatehouse="$root/target/release/gatehouse"
cc -O2 -o "$work/servers" bench/servers.c

export GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_MCP_CONFIG="$work/config.yaml" HOME="$work/home"
export GATEHOUSE_MANAGED_SETTINGS="$work/none.yaml"

# A bundle with 10,000 list entries over the org, area and server layers, and a catalog.
python3 - "$work/payload.json" <<'PY'
import json, sys
allow = [f"@bench/allowed-{i}" for i in range(4_000)] + ["@bench/*"]
deny = [f"@evil/server-{i}" for i in range(3_000)] + [f"@old/tool-{i}@1.0.{i}" for i in range(2_000)] + [f"@shady-{i}/*" for i in range(999)]
bundle = {
    "schema": 1, "org": "bench", "serial": 1, "issued_at": "2026-11-21T00:00:00Z",
    "max_offline_age": "7d", "stale_mode": "warn",
    "mandatory": {"min_cert_level": 0},
    "org_policy": {"min_score": 10, "allow_list": allow, "deny_list": deny[:5_000]},
    "areas": {"prod": {"policy": {"deny_list": deny[5_000:]}, "servers": ["@bench/hello"]}},
    "servers": {"@bench/hello": {"min_cert_level": 1}},
    "catalog": [{"name": f"@bench/{n}", "version": "1.0.0", "origin": "verified", "cert_level": 2,
                 "score": 90, "status": "published"} for n in ("hello", "echo", "flood")],
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
for i in $(seq 1 997); do
  "$gatehouse" servers add "filler-$i" --name "@bench/allowed-$i" --version 1.0.0 -- /bin/true >/dev/null
done
"$gatehouse" servers add bench-hello --name @bench/hello --version 1.0.0 -- "$work/servers" hello >/dev/null
"$gatehouse" servers add bench-echo --name @bench/echo --version 1.0.0 -- "$work/servers" echo >/dev/null
"$gatehouse" servers add bench-flood --name @bench/flood --version 1.0.0 -- "$work/servers" flood 256 1048576 >/dev/null
"$gatehouse" check bench-hello >/dev/null

out=bench/RESULTS-launch.md
{
  echo "# Launcher benchmark"
  echo
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), release build,"
  echo "1,000 registered servers, a signed hub bundle with 10,000 allow/deny entries in force."
  echo "Servers: bench/servers.c. Driver: bench/measure.py (Python; its own overhead is in both columns)."
  echo
  python3 bench/measure.py "$gatehouse" "$work/servers"
} | tee "$out"
