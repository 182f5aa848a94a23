#!/usr/bin/env bash
# The machine code (SASS) the NVIDIA driver makes of pqweb's PQ pipelines, on the bare GPU host, from the repository
# root with .gpu/ (scripts/gpu-host/prepare.sh, any flavour) carried along:
#   bash scripts/gpu-host/sass.sh [--filter REGEX] [bench:pipelines options]
#   bash scripts/gpu-host/sass.sh --filter 'b1-pq-d4-k256' --shapes 16384x16384 --batches 1 --tunings "rotated code words"
# Runs bench:pipelines (scripts/gpu-host/pipelines.sh), then for every module whose file name matches REGEX (default
# every gather) has pipeline_stats.py keep the driver's pipeline cache blob and sass.py disassemble the code in it
# with the host's CUDA toolkit (/usr/local/cuda/bin/nvdisasm). Writes one archive, sass.tar.gz, to $OUT (or
# bench/results): modules/*.sass (the disassembly), opcodes.txt (instructions by opcode per module), stats.jsonl
# and pipelines-<adapter>.json (register counts and code sizes).
set -euo pipefail
FILTER='gather'
if [ "${1:-}" = --filter ]; then
  FILTER="${2:?--filter needs a regular expression}"
  shift 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${OUT:-$ROOT/bench/results}/sass"
rm -rf "$DEST"
mkdir -p "$DEST/modules"
OUT="$DEST/pipelines" bash "$ROOT/scripts/gpu-host/pipelines.sh" "$@"
# spirv-as and zstd: where run.sh unpacked Debian's packages when not root (as root it unpacked them into /).
export PATH="${PQWEB_BENCH_WORK:-/tmp/pqweb-gpu}/sysroot/usr/bin:/usr/local/cuda/bin:$PATH"
for assembly in "$DEST"/pipelines/pipelines-*-spirv/*.spvasm; do
  name="$(basename "$assembly" .spvasm)"
  [[ "$name" =~ $FILTER ]] || continue
  version="$(sed -n 's/^; Version: \([0-9.]*\)$/\1/p' "$assembly" | head -1)"
  spirv-as --target-env "spv${version:-1.3}" "$assembly" -o "$DEST/modules/$name.spv"
done
if ! compgen -G "$DEST/modules/*.spv" > /dev/null; then
  echo "error: no module's file name matches $FILTER" >&2
  exit 2
fi
python3 "$ROOT/scripts/gpu-host/pipeline_stats.py" --cache-dir "$DEST/modules" "$DEST"/modules/*.spv > "$DEST/stats.jsonl"
set +e
python3 "$ROOT/scripts/gpu-host/sass.py" "$DEST"/modules/*.cache | tee "$DEST/opcodes.txt"
status=${PIPESTATUS[0]}
set -e
rm -f "$DEST"/modules/*.spv "$DEST"/modules/*.cache.code
cp "$DEST"/pipelines/pipelines-*.json "$DEST/"
tar -C "$DEST" -czf "$DEST.tar.gz" modules stats.jsonl opcodes.txt $(cd "$DEST" && ls pipelines-*.json)
rm -rf "$DEST"
echo "wrote $DEST.tar.gz"
exit "$status"
