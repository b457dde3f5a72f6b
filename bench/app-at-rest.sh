#!/usr/bin/env bash
# The tray app at rest (issue 21), run by hand, not in CI, under the virtual desktop:
#   scripts/with-desktop.sh bench/app-at-rest.sh          (NO_BUILD=1 skips the build)
# Release build. Measures, in one run, the app and every process it started (WebKit's web
# and network processes):
#   (a) memory (proportional set size) and CPU while nothing happens: started as at login
#       (--hidden, the tray only), with the window open, and after the window was closed;
#   (b) opening the window as the tray does (a second start hands over to the running app):
#       to the window on the display, and to the Servers view having its list (the app's
#       own log line), five times.
# Results go to bench/RESULTS-app.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ -n "${DISPLAY:-}" ] || { echo "run under scripts/with-desktop.sh (needs a display)" >&2; exit 2; }
work=$(mktemp -d)
echo "work: $work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

if [ -z "${NO_BUILD:-}" ]; then
  make ui
  cargo build --release --locked -p gatehouse-app --bin gatehouse-app
fi
cc -O2 -o "$work/close-window" tests/e2e/fixtures/close-window.c -lX11

export GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_MCP_CONFIG="$work/config.yaml" HOME="$work/home"
export GATEHOUSE_MANAGED_SETTINGS="$work/none.yaml"
mkdir -p "$HOME"
python3 bench/at_rest.py "$root/target/release/gatehouse-app" "$work" | tee bench/RESULTS-app.md
