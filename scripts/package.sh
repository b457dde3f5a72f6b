#!/usr/bin/env bash
# Builds the installable packages (.deb and .rpm) with Tauri's bundler from the binaries of
# one cargo profile: `release` for `make package`, `debug` for the check `make test` runs
# (it packages the test build's binaries instead of compiling everything again).
# The bundle settings are in src-tauri/tauri.bundle.json; this adds the `gatehouse`
# launcher, which the bundler would otherwise leave out, at /usr/bin/gatehouse.
# AppImage is not built: its bundler downloads tools at build time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=${1:-release}
case "$profile" in
  release) flags=(--release); bundle_flags=() ;;
  debug) flags=(); bundle_flags=(--debug) ;;
  *) echo "usage: $0 release|debug" >&2; exit 2 ;;
esac
cargo=${CARGO:-cargo}

if [ "$profile" = release ]; then
  "$cargo" build --locked "${flags[@]}" -p gatehouse-app -p gatehouse-cli --bins
fi
for binary in gatehouse gatehouse-app; do
  [ -x "target/$profile/$binary" ] || { echo "no target/$profile/$binary: build it first" >&2; exit 1; }
done
launcher="$root/target/$profile/gatehouse"
files=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/gatehouse":"%s"}},"rpm":{"files":{"/usr/bin/gatehouse":"%s"}}}}}' "$launcher" "$launcher")

rm -rf "target/$profile/bundle/deb" "target/$profile/bundle/rpm"
cd src-tauri
"$root/ui/node_modules/.bin/tauri" bundle "${bundle_flags[@]}" --bundles deb,rpm \
  --config tauri.bundle.json --config "$files"
cd "$root"
ls -l target/"$profile"/bundle/deb/*.deb target/"$profile"/bundle/rpm/*.rpm
