#!/usr/bin/env bash
# Checks the built .deb the way a person's machine meets it, one thing at a time: its
# contents and dependencies, `dpkg -i`, the installed launcher (`--version`, a `check`, entries
# wired to /usr/bin/gatehouse), the installed app's window on the display, an update from the
# reference hub (a forged one refused, a signed one installed), then `dpkg --purge`, leaving
# the machine as it was. Run under scripts/with-desktop.sh (the window needs a display).
# Usage: scripts/package-check.sh debug|release
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-debug}
# The checks below run Gatehouse in a throwaway home; the bundler needs the real one (rustup).
real_home=$HOME
step() { echo "package check: $*"; }
fail() { echo "package check FAILED: $*" >&2; exit 1; }

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "installing a package needs root (or sudo)"
  sudo=(sudo)
fi

debs=(target/"$profile"/bundle/deb/*.deb)
[ -f "${debs[0]}" ] || fail "no .deb in target/$profile/bundle/deb (run scripts/package.sh $profile)"
deb=${debs[0]}
rpms=(target/"$profile"/bundle/rpm/*.rpm)
[ -s "${rpms[0]}" ] || fail "no .rpm in target/$profile/bundle/rpm"
# An RPM file starts with its lead's magic number.
[ "$(head -c 4 "${rpms[0]}" | od -An -tx1 | tr -d ' \n')" = "edabeedb" ] || fail "${rpms[0]} is not an RPM"

package=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
step "$deb: $package $version"
# Paths as the archive lists them, without a leading `./` or trailing `/`.
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed -e 's#^\./##' -e 's#/$##' | grep -v '^$')
for wanted in usr/bin/gatehouse usr/bin/gatehouse-app usr/share/applications/Gatehouse.desktop; do
  grep -qx "$wanted" <<<"$contents" || fail "the package lacks /$wanted"
done
grep -q '^usr/share/icons/hicolor/.*/apps/gatehouse-app.png$' <<<"$contents" || fail "the package has no icons"
outside=$(grep -v -e '^usr$' -e '^usr/' <<<"$contents" || true)
[ -z "$outside" ] || fail "the package puts files outside /usr: $outside"
desktop=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*usr/share/applications/Gatehouse.desktop')
grep -qx 'Exec=gatehouse-app %u' <<<"$desktop" || fail "the desktop entry does not start gatehouse-app with the link it opens: $desktop"
# Enrollment links (gatehouse://enroll?…) open in the app.
grep -qx 'MimeType=x-scheme-handler/gatehouse;' <<<"$desktop" || fail "the desktop entry does not register gatehouse:// links: $desktop"
depends=$(dpkg-deb -f "$deb" Depends)
for library in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  grep -q "$library" <<<"$depends" || fail "Depends lacks $library: $depends"
done
step "contents and Depends ($depends)"

if dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed; then
  fail "$package is already installed on this machine; the check does not touch a real install"
fi
work=$(mktemp -d)
app_pid=""
hub_pid=""
cleanup() {
  [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true
  [ -z "$hub_pid" ] || kill "$hub_pid" 2>/dev/null || true
  "${sudo[@]}" dpkg --purge "$package" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"${sudo[@]}" dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb"
step "installed"

installed_version=$(/usr/bin/gatehouse --version) || fail "/usr/bin/gatehouse --version"
grep -q "${version%%-*}" <<<"$installed_version" || fail "--version says '$installed_version', the package is $version"
export HOME="$work/home" GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_MCP_CONFIG="$work/config.yaml"
mkdir -p "$HOME/.cursor"
printf 'policy:\n  deny_list: ["blocked"]\n' > "$GATEHOUSE_MCP_CONFIG"
/usr/bin/gatehouse servers add hello -- /bin/cat >/dev/null || fail "servers add"
/usr/bin/gatehouse check hello >/dev/null || fail "check of an allowed server"
set +e
/usr/bin/gatehouse servers add blocked -- /bin/cat >/dev/null
/usr/bin/gatehouse check blocked >/dev/null
code=$?
set -e
[ "$code" -eq 4 ] || fail "check of a denied server exited $code, not 4"
step "the installed launcher decides ($installed_version)"

printf '{"mcpServers": {"files": {"command": "/bin/cat", "args": []}}}' > "$HOME/.cursor/mcp.json"
/usr/bin/gatehouse clients wire --client cursor >/dev/null || fail "clients wire"
command=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mcpServers"]["files"]["command"])' "$HOME/.cursor/mcp.json")
[ "$command" = /usr/bin/gatehouse ] || fail "a wired entry calls $command, not /usr/bin/gatehouse"
[ ! -e "$GATEHOUSE_DATA_DIR/bin" ] || fail "an installed launcher made a copy of itself in the data folder"
step "wired entries call /usr/bin/gatehouse"

[ -n "${DISPLAY:-}" ] || fail "no display (run under scripts/with-desktop.sh)"
/usr/bin/gatehouse-app >"$work/app.log" 2>&1 &
app_pid=$!
shown=""
for _ in $(seq 1 120); do
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "the installed app exited"; }
  if xwininfo -root -tree 2>/dev/null | grep -q '"Gatehouse"'; then shown=yes; break; fi
  sleep 0.5
done
[ -n "$shown" ] || { cat "$work/app.log" >&2; fail "the installed app showed no window in 60 s"; }
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
app_pid=""
step "the installed app opens its window"

# Updates (HUB_API.md B5): the installed app asks the reference hub's feed, refuses a newer
# package whose signature is forged, and installs one signed with the key it was built with.
tauri="$PWD/ui/node_modules/.bin/tauri"
next="${version%.*}.$(( ${version##*.} + 1 ))"
launcher="$PWD/target/$profile/gatehouse"
files=$(printf '{"version":"%s","bundle":{"linux":{"deb":{"files":{"/usr/bin/gatehouse":"%s"}}}}}' "$next" "$launcher")
bundle_flags=(); [ "$profile" = debug ] && bundle_flags=(--debug)
(cd src-tauri && HOME="$real_home" "$tauri" bundle "${bundle_flags[@]}" --bundles deb --config tauri.bundle.json --config "$files" >"$work/bundle-next.log" 2>&1) \
  || { cat "$work/bundle-next.log" >&2; fail "bundling version $next"; }
feed="$work/hub/updates/linux/$(uname -m)/deb/$next"
mkdir -p "$feed"
next_deb=$(ls target/"$profile"/bundle/deb/*_"$next"_*.deb)
mv "$next_deb" "$feed/"
next_deb="$feed/$(basename "$next_deb")"
printf 'org: acme\ntokens: [package-check]\n' > "$work/hub/org.yaml"
# A forged signature: the test key's signature of other bytes.
cp "$deb" "$work/other.deb"
"$tauri" signer sign -f tests/update-keys/test.key -p "" "$work/other.deb" >/dev/null 2>&1 || fail "signing"
cp "$work/other.deb.sig" "$next_deb.sig"
"target/$profile/gatehouse-refhub" --dir "$work/hub" --listen 127.0.0.1:0 >"$work/hub.out" 2>"$work/hub.log" &
hub_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$work/hub.out" 2>/dev/null && break; sleep 0.1; done
hub_url=$(sed -n 's/^listening on //p' "$work/hub.out")
[ -n "$hub_url" ] || { cat "$work/hub.log" >&2; fail "the reference hub did not start"; }
printf 'updates: auto\nupdate_url: %s\n' "$hub_url" > "$work/managed.yaml"
export GATEHOUSE_MANAGED_SETTINGS="$work/managed.yaml"

# Waits up to 60 s for an audit event of kind $1 from the installed app it starts.
app_until_audited() {
  /usr/bin/gatehouse-app >"$work/app-update.log" 2>&1 &
  app_pid=$!
  local seen=""
  for _ in $(seq 1 120); do
    audited=$(/usr/bin/gatehouse audit export 2>/dev/null | grep "\"kind\":\"$1\"" || true)
    if [ -n "$audited" ]; then seen=yes; break; fi
    sleep 0.5
  done
  kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true
  app_pid=""
  [ -n "$seen" ] || { cat "$work/app-update.log" >&2; fail "no $1 event within 60 s"; }
}
app_until_audited update_refused
grep -q "signature verification failed" <<<"$audited" || fail "refused for another reason: $audited"
[ "$(dpkg-query -W -f='${Version}' "$package")" = "$version" ] || fail "a forged update changed the installed version"
step "a forged update ($next) is refused and nothing changes"

"$tauri" signer sign -f tests/update-keys/test.key -p "" "$next_deb" >/dev/null 2>&1 || fail "signing $next"
app_until_audited update_installed
[ "$(dpkg-query -W -f='${Version}' "$package")" = "$next" ] || fail "the signed update did not install $next"
kill "$hub_pid" 2>/dev/null || true
unset GATEHOUSE_MANAGED_SETTINGS
step "the installed app found, verified and installed $next from the reference hub"

"${sudo[@]}" dpkg --purge "$package" >/dev/null || fail "dpkg --purge"
[ ! -e /usr/bin/gatehouse ] && [ ! -e /usr/bin/gatehouse-app ] || fail "files left after removal"
if dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed; then
  fail "$package is still installed"
fi
step "removed; the machine is as it was"
