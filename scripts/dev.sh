#!/usr/bin/env bash
# One entry point for people and CI on a fresh Debian 12 box with only Node 20 + npm (as root):
#   bash scripts/dev.sh start   set up, build, compress the bundled reference model, serve the demo
#   bash scripts/dev.sh test    set up, run every test (Node unit, WebGPU-in-Node, Chromium)
#   bash scripts/dev.sh setup   only install what is missing
# Each step is skipped when already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
# chromium: browser tests and its SwiftShader Vulkan driver for WebGPU in Node; libvulkan1: Dawn's loader;
# dataset-fashion-mnist: the data the reference model is measured on; spirv-tools and python3: bench:pipelines
# (spirv-as assembles the SPIR-V Dawn dumps, scripts/gpu-host/pipeline_stats.py reads it).
APT_PACKAGES=(chromium libvulkan1 dataset-fashion-mnist spirv-tools python3)

log() { printf '\033[1m[pqweb]\033[0m %s\n' "$*"; }

setup_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_pnpm() {
  if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION"
    npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
  fi
}

setup_node_modules() {
  log "pnpm install"
  CI=true pnpm install --frozen-lockfile --reporter=silent
}

setup() {
  setup_apt
  setup_pnpm
  setup_node_modules
}

case "${1:-}" in
  setup)
    setup
    ;;
  test)
    setup
    bash scripts/test-all.sh
    ;;
  start)
    setup
    bash scripts/start.sh
    ;;
  *)
    echo "usage: bash scripts/dev.sh start|test|setup" >&2
    exit 2
    ;;
esac
