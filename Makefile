# The two commands of the README: `make run` and `make test`. Both install only what is
# missing, so a second run spends its time building and testing, not installing.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
# Tools the tests need live in a project-local root, so a run never depends on what an earlier
# build left in ~/.cargo/bin (or in whatever CARGO_HOME happens to be set).
TOOLS := $(CURDIR)/target/tools
export PATH := $(TOOLS)/bin:$(PATH)

.PHONY: run test package ui node system-build system-test tools fetch test-servers bindings fmt lint clean

## Start the tray app (builds the UI and the app first).
run: system-build ui
	$(CARGO) build --locked -p gatehouse-app -p gatehouse-cli --bins
	./target/debug/gatehouse-app

## Every check CI runs: formatting, clippy, unit, integration and end-to-end tests.
# The test build trusts the test update key (tests/update-keys/), so the package check can
# let the installed app update itself; no other build does.
test: export GATEHOUSE_UPDATE_PUBKEY := $(shell cat tests/update-keys/test.key.pub)
test: system-test fetch tools ui test-servers
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	# One build of binaries and tests together: building them apart compiles tauri twice.
	$(CARGO) build --locked --workspace --bins --tests
	GATEHOUSE_REQUIRE_REAL_SERVERS=1 scripts/with-desktop.sh $(CARGO) test --locked --workspace --no-fail-fast
	# The package, as its own step: bundled from the test build's binaries, installed with
	# dpkg, used, and removed again.
	CARGO=$(CARGO) scripts/package.sh debug
	scripts/with-desktop.sh scripts/package-check.sh debug

## The installable packages (.deb and .rpm, release build) in target/release/bundle/. Set
## GATEHOUSE_UPDATE_PUBKEY to the release update key's .pub text to build it in; without it,
## the packaged app cannot update itself.
package: system-build fetch ui
	CARGO=$(CARGO) scripts/package.sh release

system-build:
	scripts/system-packages.sh build

system-test:
	scripts/system-packages.sh test

# Every crate of the lock file, for every platform: the builds only download this platform's,
# but `cargo metadata` (the architecture test) reads them all. A few seconds; nothing when warm.
fetch:
	$(CARGO) fetch --locked

# tauri-driver bridges WebDriver to the app; WebKitWebDriver comes from webkit2gtk-driver.
tools: $(TOOLS)/bin/tauri-driver

$(TOOLS)/bin/tauri-driver:
	$(CARGO) install --locked --root $(TOOLS) tauri-driver --version '^2'

## Real MCP servers from npm and PyPI for the launcher tests, installed into tests/mcp-servers,
## and the exact published files of two of them, for the verified-copy tests.
test-servers: tests/mcp-servers/node_modules/.installed tests/mcp-servers/.venv/.installed \
	tests/mcp-servers/artifacts/.fetched

tests/mcp-servers/node_modules/.installed: tests/mcp-servers/package-lock.json
	scripts/check-node.sh
	cd tests/mcp-servers && npm ci --no-audit --no-fund
	touch $@

tests/mcp-servers/.venv/.installed: tests/mcp-servers/requirements.txt tests/mcp-servers/constraints.txt
	rm -rf tests/mcp-servers/.venv
	python3 -m venv tests/mcp-servers/.venv
	tests/mcp-servers/.venv/bin/pip install --quiet --disable-pip-version-check \
		-r tests/mcp-servers/requirements.txt -c tests/mcp-servers/constraints.txt
	touch $@

# `npm pack <spec>` and `pip download` keep the registry's own bytes, so their SHA-256 is the
# one a catalog certifies for the published package. The versions are the ones installed above.
tests/mcp-servers/artifacts/.fetched: tests/mcp-servers/node_modules/.installed tests/mcp-servers/.venv/.installed
	rm -rf tests/mcp-servers/artifacts
	mkdir -p tests/mcp-servers/artifacts/npm tests/mcp-servers/artifacts/pypi
	cd tests/mcp-servers/artifacts/npm && npm pack --silent \
		@modelcontextprotocol/server-everything@$$(node -p "require('../../package.json').dependencies['@modelcontextprotocol/server-everything']")
	tests/mcp-servers/.venv/bin/pip download --quiet --disable-pip-version-check --no-deps \
		--only-binary :all: -d tests/mcp-servers/artifacts/pypi -r tests/mcp-servers/requirements.txt
	touch $@

# `npm install` rather than `npm ci`: the registry these machines reach serves only this
# platform's build of rollup's native package, so the lock file cannot list the others, and
# `npm ci` refuses such a lock. `npm install` keeps the locked versions and leaves the lock as is.
ui/node_modules/.installed: ui/package-lock.json
	scripts/check-node.sh
	cd ui && npm install --no-audit --no-fund
	touch $@

## Build the web UI into ui/dist (what the app embeds).
ui: ui/node_modules/.installed
	cd ui && npm run build

## Regenerate the committed TypeScript bindings from the Rust types.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test --locked -p gatehouse-app --test app -- committed_bindings

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules artifacts tests/mcp-servers/node_modules tests/mcp-servers/.venv
