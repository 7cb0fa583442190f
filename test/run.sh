#!/usr/bin/env bash
# The whole test suite, as README's test command and .ci/run run it, on a fresh Debian machine
# as root: Shiplab's own code installs and starts the engine, builds the images and the mirror;
# this script adds the one thing only tests need (Debian's chromium) and runs every layer.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

# Debian's chromium for the browser tests, Debian's docker-compose for the deploy test.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian's ${missing[*]} for the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

step 'typecheck (server, wire layer without DOM or Node, web)'
npm run --silent typecheck

step 'lint (import layers; no Node in web/ or server/common; typescript-eslint recommended)'
npm run --silent lint

# Before the unit tests: one of them reads Docker's seccomp profile from a Debian package that the
# host bootstrap installs; on a fresh machine it would otherwise be skipped, asserting nothing.
step 'preparing the host: engine, Debian packages, image catalog, mirror (cold: ~2 minutes)'
npm run --silent shiplab -- images

step 'unit tests'
npx vitest run --project unit

step 'integration tests: real engine, sandboxes, containment, lifecycle'
npx vitest run --project integration

step 'end-to-end tests: real browser, terminals'
npx vitest run --project e2e

step 'lesson validation: every lesson, through the terminal path'
npm run --silent validate

step 'deploy: docker-compose.yml with its embedded engine (builds shiplab/server; cold: ~5 minutes)'
npx vitest run --project deploy

step 'all tests passed'
