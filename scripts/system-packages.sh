#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages a purpose needs, and only those that are missing, so a
# second run costs nothing. Usage: scripts/system-packages.sh build|test
set -euo pipefail

build=(build-essential pkg-config file curl libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
  librsvg2-dev libssl-dev libxdo-dev nodejs npm)
# Desktop pieces for the end-to-end tests: a virtual display, WebDriver for WebKitGTK, a session
# bus, a Secret Service (gnome-keyring) and a notification daemon (dunst); sudo, through which
# the updater installs a package (the package check lets the installed app update itself).
test=(python3 python3-venv xvfb xauth x11-utils webkit2gtk-driver dbus dbus-x11 at-spi2-core gnome-keyring
  libsecret-tools keyutils dunst sudo)

case "${1:-}" in
  build) wanted=("${build[@]}") ;;
  test) wanted=("${build[@]}" "${test[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  # nodejs/npm may come from elsewhere (nvm, NodeSource); a working command is enough.
  case "$package" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    # Likewise a python3 (pyenv, …) that can make virtual environments.
    python3 | python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue ;;
  esac
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing system packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
