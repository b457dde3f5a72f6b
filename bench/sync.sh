#!/usr/bin/env bash
# Sync benchmark (issue: hub sync), run by hand, not in CI: storing a new signed bundle with
# 10,000 list entries and a 5,000-server catalog, and re-evaluating 1,000 registered servers
# against it (drop detection), as one `gatehouse policy import` process: the same verify,
# store and re-evaluate path `gatehouse sync` takes after its download. Reports wall time
# and peak memory (max RSS) of the whole process. Results go to bench/RESULTS-sync.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
echo "work: $work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p gatehouse-cli --bin gatehouse
cargo build --release --locked -p gatehouse-hub --example sign_bundle
gatehouse="$root/target/release/gatehouse"

export GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_MCP_CONFIG="$work/config.yaml" HOME="$work/home"
export GATEHOUSE_MANAGED_SETTINGS="$work/none.yaml"

# One small registry bundle that every benchmark server is installed from (verified
# installs: only those have the catalog's scores, whose drop the sync detects).
python3 - "$work" <<'PY'
import hashlib, io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
    data = b"#!/bin/sh\nexit 0\n"
    info = tarfile.TarInfo("server.sh"); info.size = len(data); info.mode = 0o755; info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
open(f"{sys.argv[1]}/bundle.tar.gz", "wb").write(buf.getvalue())
open(f"{sys.argv[1]}/digest.txt", "w").write("sha256:" + hashlib.sha256(buf.getvalue()).hexdigest())
PY

make_bundle() { # serial score-of-every-fifth-server output
python3 - "$1" "$2" "$3" "$(cat "$work/digest.txt")" <<'PY'
import json, sys
serial, low, out, digest = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
allow = [f"@bench/*"] + [f"@allowed/server-{i}" for i in range(3_999)]
deny = [f"@evil/server-{i}" for i in range(4_000)] + [f"@old/tool-{i}@1.0.{i}" for i in range(2_000)]
catalog = [{"name": f"@bench/server-{i}", "version": "1.0.0", "digest": digest, "origin": "verified", "cert_level": 2,
            "score": low if i % 5 == 0 else 90, "status": "published"} for i in range(5_000)]
bundle = {"schema": 1, "org": "bench", "serial": serial, "issued_at": "2026-11-21T00:00:00Z",
          "max_offline_age": "7d", "stale_mode": "warn",
          "org_policy": {"min_score": 70, "allow_list": allow, "deny_list": deny},
          "catalog": catalog}
assert len(allow) + len(deny) == 10_000
json.dump(bundle, open(out, "w"))
PY
}

make_bundle 1 90 "$work/one.json"
make_bundle 2 "${SECOND_SCORE:-60}" "$work/two.json"
"$root/target/release/examples/sign_bundle" "$work/one.json" bench-seed > "$work/one.env" 2> "$work/key.txt"
"$root/target/release/examples/sign_bundle" "$work/two.json" bench-seed > "$work/two.env" 2>/dev/null
"$gatehouse" config set hub-url https://hub.example
"$gatehouse" config set organization bench
"$gatehouse" config set hub-key "$(cat "$work/key.txt")"
"$gatehouse" policy import "$work/one.env" >/dev/null
echo "installing 1,000 servers…"
for i in $(seq 0 999); do
  printf '{"package":{"id":"@bench/server-%s","version":"1.0.0"},"entrypoints":[{"command":"./server.sh","args":[]}]}' "$i" > "$work/manifest.json"
  "$gatehouse" install "@bench/server-$i@1.0.0" --bundle "$work/bundle.tar.gz" --manifest "$work/manifest.json" >/dev/null
done

# Serial 2 drops every fifth server's score below the minimum: 200 servers get worse.
[ -z "${KEEP:-}" ] || cp -r "$work/data" "$work/data-before"
/usr/bin/time -f "%e %M" -o "$work/time.txt" "$gatehouse" policy import "$work/two.env" > "$work/import.txt" 2>&1
read -r seconds max_kb < "$work/time.txt"
dropped=$("$gatehouse" audit export | grep -c '"kind":"server_dropped"' || true)

out=bench/RESULTS-sync.md
{
  echo "# Sync benchmark"
  echo
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), release build."
  echo "One \`gatehouse policy import\` of a signed bundle with 10,000 allow/deny entries and a"
  echo "5,000-server catalog, with 1,000 registered servers to re-evaluate (200 of them drop)."
  echo
  echo "| measure | value | target |"
  echo "|---|---|---|"
  echo "| whole process, wall time | $(python3 -c "print(round($seconds * 1000))") ms | < 300 ms |"
  echo "| peak memory (max RSS) | $((max_kb / 1024)) MiB | < 100 MB |"
  echo "| server_dropped events recorded | $dropped | 200 |"
  echo "| bundle payload | $(stat -c %s "$work/two.json") bytes | |"
} | tee "$out"
