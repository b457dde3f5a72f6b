#!/usr/bin/env bash
# Stops early, with what to install, when the Node.js on PATH cannot build the UI: Vite 6 needs
# Node 18 or newer, and some distributions' own package is older (Ubuntu 22.04's `nodejs` is 12.x).
set -euo pipefail
minimum=18
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js is not installed; the UI build needs Node.js $minimum or newer." >&2
  echo "Install it with: sudo apt-get install nodejs npm (Debian 12, Ubuntu 24.04), or from https://nodejs.org" >&2
  exit 1
fi
version=$(node --version 2>/dev/null || echo "v0")
major=${version#v}
major=${major%%.*}
if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt "$minimum" ]; then
  echo "Node.js $version is too old: the UI build (Vite 6) needs Node.js $minimum or newer." >&2
  echo "On Ubuntu 22.04 the system package is 12.x; install Node.js 20 from https://nodejs.org" >&2
  echo "(or NodeSource's apt repository, or nvm), make sure \`node --version\` prints v$minimum or later, then run make again." >&2
  exit 1
fi
