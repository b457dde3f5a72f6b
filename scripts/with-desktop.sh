#!/usr/bin/env bash
# Runs a command inside a throwaway desktop session: a virtual X display (Xvfb), a private
# D-Bus session bus, an unlocked Secret Service (gnome-keyring) and a notification daemon
# (dunst, started by D-Bus on the first notification). Everything is torn down afterwards.
#
# Sets GATEHOUSE_REQUIRE_DESKTOP=1, which turns a desktop test's "skipped" into a failure:
# under `make test` and CI these tests must really run.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 command [args...]" >&2
  exit 2
fi

# The display must exist before the bus starts, so D-Bus-activated dunst can open it.
display=""
for n in $(seq 90 140); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  xdpyinfo -display "$display" >/dev/null 2>&1 && break
  sleep 0.1
done
xdpyinfo -display "$display" >/dev/null 2>&1 || { echo "Xvfb did not start on $display" >&2; exit 1; }

export DISPLAY="$display"
export GATEHOUSE_REQUIRE_DESKTOP=1
keyring_home=$(mktemp -d)
export GATEHOUSE_KEYRING_HOME="$keyring_home"

# A private session bus and a fresh kernel keyring; inside, an unlocked login keyring (an empty
# password creates no login collection, so a throwaway one is used).
status=0
dbus-run-session -- keyctl session - bash -c '
  set -euo pipefail
  export XDG_DATA_HOME="$GATEHOUSE_KEYRING_HOME"
  eval "$(echo -n ci | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  exec "$@"
' with-desktop "$@" || status=$?
rm -rf "$keyring_home"
exit $status
