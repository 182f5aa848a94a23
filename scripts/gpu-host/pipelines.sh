#!/usr/bin/env bash
# What the NVIDIA driver makes of pqweb's PQ pipelines (bench/pipelines.ts): register count and code size per
# pipeline, for the shapes, batches and tuning rows given. On the bare GPU host, from the repository root with
# .gpu/ (scripts/gpu-host/prepare.sh) carried along:
#   bash scripts/gpu-host/pipelines.sh --shapes 16384x16384,4096x4096 --batches 1,8 --tunings "per-code shifts"
# Writes pipelines-<adapter>.json and the SPIR-V of every pipeline to $OUT (or bench/results).
set -euo pipefail
PQWEB_GPU_ENTRY=pipelines exec bash "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
