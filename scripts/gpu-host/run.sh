#!/usr/bin/env bash
# Runs the kernel benchmark from the .gpu/ bundle (built by prepare.sh) on a bare NVIDIA host with no Node and
# no network, following shared/gpu-host.md. From the repository root, with .gpu/ carried along:
#   bash scripts/gpu-host/run.sh                  # full grid, about 7 minutes on an H200
#   bash scripts/gpu-host/run.sh --quick          # any bench:kernels option passes through
# The whole full grid does not fit one 600 s device command, so it runs in two: the first stops at its time budget,
# the second (bench:kernels --resume) times whole every cell the first left untimed and merges them into its JSON:
#   bash scripts/gpu-host/run.sh --full --no-tunings --budget-s 580
#   # here: copy the first command's $OUT/kernels-nvidia-h200.json to bench/results/, so the next command carries it
#   bash scripts/gpu-host/run.sh --full --no-tunings --budget-s 580 --resume bench/results/kernels-nvidia-h200.json
# (with PQWEB_BENCH_TIMEOUT_S above the budget, e.g. 595: the default stops the first command at 540 s; a run stopped
# that way resumes too, its unwritten cells being timed again). The benchmark runs from the repository root, so a
# relative --resume FILE or --out-dir is taken from there; the second command rewrites that FILE with the merged run.
# Writes kernels-<adapter>.json to bench/results/ (PQWEB_BENCH_RESULTS_DIR) and to $OUT when set, and the log to
# $OUT/bench-kernels.log. Without the NVIDIA Vulkan ICD (the dev machine) it skips the driver setup and Dawn
# uses whatever the Vulkan loader finds (SwiftShader), which is how the bundle is tested locally.
# PQWEB_GPU_ENTRY=pipelines runs bench/pipelines.ts instead (scripts/gpu-host/pipelines.sh): the driver's register
# counts and code sizes of the PQ pipelines, written as pipelines-<adapter>.json.
# PQWEB_GPU_ENTRY=wall-probe runs bench/wall-probe.ts: pqweb's wall time per run with every run submitted at once
# and with a few in flight, and what each submit costs the CPU (docs/kernel-attempts.md step 95).
# PQWEB_GPU_BUNDLE=FILE runs that bundle in place of .gpu/bundle/<entry>.mjs: a second build of the bench (say, of
# the commit before a kernel change, put in .gpu/ by hand after prepare.sh) to time two versions side by side in
# alternating processes on one host (docs/kernel-attempts.md step 88).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GPU_DIR="$ROOT/.gpu"
WORK="${PQWEB_BENCH_WORK:-/tmp/pqweb-gpu}"
RESULTS_DIR="${PQWEB_BENCH_RESULTS_DIR:-bench/results}"
# The device tool allows 10 minutes per command; stop the benchmark before that so its JSON and log come back.
# The benchmark's own time budget (bench/lib/grid.ts, FULL_BUDGET_S) normally ends it well before.
TIMEOUT_S="${PQWEB_BENCH_TIMEOUT_S:-540}"
# Where the NVIDIA container toolkit puts the driver's Vulkan ICD and EGL vendor files (shared/gpu-host.md).
NVIDIA_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
NVIDIA_EGL_VENDOR=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json

cd "$ROOT"
ENTRY="${PQWEB_GPU_ENTRY:-kernels}"
case "$ENTRY" in
  kernels | pipelines | wall-probe) ;;
  *)
    echo "error: PQWEB_GPU_ENTRY must be kernels, pipelines or wall-probe, got $ENTRY" >&2
    exit 2
    ;;
esac
PARTS=(node.xz webgpu.tar.xz "bundle/$ENTRY.mjs")
# onnxruntime-node only where a contender needs it (prepare.sh --no-ort leaves it out).
if [ "$ENTRY" = kernels ] && [[ " $* " != *" --no-ort "* ]]; then
  PARTS+=(onnxruntime.tar.xz)
fi
for part in "${PARTS[@]}"; do
  if [ ! -f "$GPU_DIR/$part" ]; then
    echo "error: $GPU_DIR/$part is missing; run bash scripts/gpu-host/prepare.sh on the dev machine and carry .gpu" \
      "(a bundle made with --no-ort runs bench:pipelines and run.sh --no-ort only)" >&2
    exit 1
  fi
done
if command -v sha256sum > /dev/null && [ -f "$GPU_DIR/SHA256SUMS" ]; then
  (cd "$GPU_DIR" && sha256sum --quiet -c SHA256SUMS)
fi

echo "unpacking into $WORK"
rm -rf "$WORK"
mkdir -p "$WORK/bench"
# Python's lzma and tarfile: the host has python3 but not necessarily xz (shared/gpu-host.md).
python3 - "$GPU_DIR" "$WORK" <<'PY'
import lzma, os, shutil, sys, tarfile
gpu_dir, work = sys.argv[1], sys.argv[2]
with lzma.open(os.path.join(gpu_dir, 'node.xz')) as source, open(os.path.join(work, 'node'), 'wb') as target:
    shutil.copyfileobj(source, target)
os.chmod(os.path.join(work, 'node'), 0o755)
for name in ('webgpu.tar.xz', 'onnxruntime.tar.xz'):
    if os.path.exists(os.path.join(gpu_dir, name)):
        with tarfile.open(os.path.join(gpu_dir, name)) as archive:
            archive.extractall(work)
PY
# Next to node_modules, so the bundle's bare imports ('webgpu', 'onnxruntime-node') resolve: ESM ignores NODE_PATH.
BUNDLE="${PQWEB_GPU_BUNDLE:-$GPU_DIR/bundle/$ENTRY.mjs}"
if [ ! -f "$BUNDLE" ]; then
  echo "error: PQWEB_GPU_BUNDLE $BUNDLE is not a file" >&2
  exit 1
fi
cp "$BUNDLE" "$WORK/bench/$ENTRY.mjs"

if [ -f "$NVIDIA_ICD" ]; then
  echo "NVIDIA Vulkan ICD found: installing the Vulkan and GL-dispatch loaders"
  if [ "$(id -u)" = 0 ]; then
    for deb in "$GPU_DIR"/debs/*.deb; do dpkg -x "$deb" /; done
    ldconfig
  else
    # Not root: unpack beside the run and point the dynamic loader there.
    for deb in "$GPU_DIR"/debs/*.deb; do dpkg -x "$deb" "$WORK/sysroot"; done
    export LD_LIBRARY_PATH="$WORK/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export PATH="$WORK/sysroot/usr/bin:$PATH"
  fi
  export VK_DRIVER_FILES="$NVIDIA_ICD"
  [ -f "$NVIDIA_EGL_VENDOR" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$NVIDIA_EGL_VENDOR"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv || true
else
  echo "no NVIDIA Vulkan ICD at $NVIDIA_ICD: using the Vulkan driver the loader finds (SwiftShader on the dev machine)"
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export NODE_PATH="$WORK/node_modules"

if [ "$ENTRY" = wall-probe ]; then
  # What pqweb's wall time per run is made of (bench/wall-probe.ts), into $OUT when set.
  PROBE_DIR="${OUT:-$RESULTS_DIR}"
  mkdir -p "$PROBE_DIR"
  echo "node $("$WORK/node" --version); probing pqweb's wall time per run (limit ${TIMEOUT_S} s)"
  timeout -k 10 "$TIMEOUT_S" "$WORK/node" --expose-gc "$WORK/bench/wall-probe.mjs" --out-dir "$PROBE_DIR" "$@"
  exit $?
fi

if [ "$ENTRY" = pipelines ]; then
  # One output directory: $OUT when set (it comes back from the host), else the results folder.
  PIPELINES_DIR="${OUT:-$RESULTS_DIR}"
  mkdir -p "$PIPELINES_DIR"
  echo "node $("$WORK/node" --version); dumping and compiling the PQ pipelines (limit ${TIMEOUT_S} s)"
  timeout -k 10 "$TIMEOUT_S" "$WORK/node" "$WORK/bench/pipelines.mjs" --out-dir "$PIPELINES_DIR" "$@"
  exit $?
fi

OUT_ARGS=(--out-dir "$RESULTS_DIR")
LOG=/dev/null
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  OUT_ARGS+=(--out-dir "$OUT")
  LOG="$OUT/bench-kernels.log"
fi
# The command as the JSON records it, with arguments that hold spaces quoted so that it can be pasted back.
RECORDED_COMMAND="bash scripts/gpu-host/run.sh"
for arg in "$@"; do
  case "$arg" in
    *[[:space:]]*) RECORDED_COMMAND+=" \"$arg\"" ;;
    *) RECORDED_COMMAND+=" $arg" ;;
  esac
done
echo "node $("$WORK/node" --version); running the benchmark (limit ${TIMEOUT_S} s)"
set +e
timeout -k 10 "$TIMEOUT_S" "$WORK/node" "$WORK/bench/$ENTRY.mjs" \
  --command "$RECORDED_COMMAND" "${OUT_ARGS[@]}" "$@" 2> >(tee "$LOG" >&2)
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "benchmark exited with status $status (124: stopped after ${TIMEOUT_S} s; the JSON holds what was measured)" >&2
fi
exit "$status"
