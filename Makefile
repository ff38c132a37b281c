# The two commands: `make demo` (the main job) and `make test` (everything CI checks).
# Both install the pinned toolchain (package.json + package-lock.json) on first use.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Foundry comes from npm as its native platform packages (package.json pins them; the generic @foundry-rs/forge
# shim exits 0 even when forge fails, and npm ci cannot lock its optional platform packages here). Their bin/
# directories go first on PATH, the other npm tools after them.
PLATFORM := $(shell node -p "({linux:'linux',darwin:'darwin',win32:'win32'})[process.platform]+'-'+({x64:'amd64',arm64:'arm64'})[process.arch]" 2>/dev/null)
FOUNDRY_BINS := $(foreach t,forge anvil cast,$(CURDIR)/node_modules/@foundry-rs/$(t)-$(PLATFORM)/bin)
export PATH := $(subst $(eval) ,:,$(FOUNDRY_BINS)):$(CURDIR)/node_modules/.bin:$(PATH)

# CI runs the deeper profile (more fuzz runs and invariant depth, gas snapshots checked).
ifeq ($(CI),true)
export FOUNDRY_PROFILE ?= ci
endif

TOOLCHAIN := node_modules/.installed

.PHONY: help demo deploy test toolchain test-tools test-contracts test-rust fmt clean

help:
	@echo "make demo   play the whitepaper on an embedded local chain (sonm demo)"
	@echo "make deploy deploy to an embedded local chain, print the addresses and stop"
	@echo "make test   check formatting, build and run every test (Solidity and Rust)"

$(TOOLCHAIN): package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js >= 20 with npm is needed: https://nodejs.org"; exit 1; }
	@command -v cargo >/dev/null || { echo "Rust (cargo) is needed: https://rustup.rs"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

toolchain: $(TOOLCHAIN)
	@forge --version | head -1; anvil --version | head -1; tools/solc/solc --version | tail -1; cargo --version

demo: $(TOOLCHAIN)
	forge build --quiet
	cargo build --release --locked --quiet -p sonm-cli
	target/release/sonm demo

deploy: $(TOOLCHAIN)
	forge build --quiet
	tools/local-deploy.sh

test: test-tools test-contracts test-rust

test-tools: $(TOOLCHAIN)
	node --test tools/

test-contracts: $(TOOLCHAIN)
	forge fmt --check
	forge build
	forge test

test-rust: $(TOOLCHAIN)
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo test --workspace --locked --no-fail-fast

fmt: $(TOOLCHAIN)
	forge fmt
	cargo fmt --all

clean:
	rm -rf out cache target
