#!/usr/bin/env bash
# Builds the git-ignored .gpu/ bundle that runs the kernel benchmark on a bare NVIDIA host with no network
# (shared/gpu-host.md): a stripped Node, Dawn for Node (npm `webgpu`, linux-x64 only), onnxruntime-node with
# onnxruntime-common, the Vulkan / GL-dispatch loaders and spirv-tools from Debian, and bench/kernels.ts and
# bench/pipelines.ts each bundled into one ESM file. Run here, from anywhere in the repository:
#   bash scripts/gpu-host/prepare.sh
# Then on the host, from the repository root with .gpu/ carried along:  bash scripts/gpu-host/run.sh
# With --no-ort the bundle leaves onnxruntime-node out (11 MiB): enough for bench:pipelines and for
# bench:kernels --no-ort, when the working tree and the full bundle would exceed what the device tool carries.
set -euo pipefail
WITH_ORT=1
for arg in "$@"; do
  case "$arg" in
    --no-ort) WITH_ORT=0 ;;
    *)
      echo "error: unknown option $arg (prepare.sh takes only --no-ort)" >&2
      exit 2
      ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GPU_DIR="$ROOT/.gpu"
# The device tool carries at most 64 MiB, the bundle and the working tree's tracked files together.
CARRY_LIMIT_BYTES=$((64 * 1024 * 1024))
# The loaders gpu-host.md lists: libvulkan1 alone fails with "Could not get 'vkCreateInstance' via
# 'vk_icdGetInstanceProcAddr' for ICD libGLX_nvidia.so.0"; the glvnd packages fix it. spirv-tools (bench:pipelines)
# and zstd (scripts/gpu-host/sass.py unpacks the driver's pipeline cache with it) are for the tools, not the bench.
DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 spirv-tools zstd liblz4-1)

cd "$ROOT"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# xz's x86 branch filter before LZMA2 packs the native code ~10% smaller (1 MiB on onnxruntime, more on Node), which
# is what lets the bundle with onnxruntime-node and the tracked tree fit the device tool's 64 MiB. Python's lzma (run.sh)
# reads the filter chain from the .xz header.
XZ=(xz -T0 --x86 --lzma2=preset=9e)
# xz -9e of Node takes minutes on 2 cores: keep node.xz when it was made from this very binary this very way.
NODE_BIN="$(command -v node)"
NODE_SUM="$(sha256sum "$NODE_BIN" | cut -d' ' -f1) ${XZ[*]}"
if [ -f "$GPU_DIR/node.xz" ] && [ "$(cat "$GPU_DIR/node.source-sha256" 2>/dev/null)" = "$NODE_SUM" ]; then
  mv "$GPU_DIR/node.xz" "$STAGE/node.xz"
fi
rm -rf "$GPU_DIR"
mkdir -p "$GPU_DIR/debs"

if [ -f "$STAGE/node.xz" ]; then
  echo "node: $(node --version), reusing node.xz"
  mv "$STAGE/node.xz" "$GPU_DIR/node.xz"
else
  echo "node: $(node --version), stripped and xz-compressed"
  strip -o "$STAGE/node" "$NODE_BIN"
  "${XZ[@]}" -c "$STAGE/node" > "$GPU_DIR/node.xz"
fi
echo "$NODE_SUM" > "$GPU_DIR/node.source-sha256"

# The real folder of package NAME as Node would find it from FROM_DIR (pnpm links packages; some, like
# onnxruntime-common, do not export ./package.json, so walk node_modules folders instead of require.resolve).
package_dir() { # package_dir NAME [FROM_DIR]
  local dir="${2:-$ROOT}"
  while [ "$dir" != "/" ]; do
    if [ -f "$dir/node_modules/$1/package.json" ]; then
      realpath "$dir/node_modules/$1"
      return
    fi
    dir="$(dirname "$dir")"
  done
  echo "error: package $1 not found from ${2:-$ROOT}; run pnpm install" >&2
  exit 1
}
WEBGPU_DIR="$(package_dir webgpu)"
ORT_DIR="$(package_dir onnxruntime-node)"
ORT_COMMON_DIR="$(package_dir onnxruntime-common "$ORT_DIR")"

echo "webgpu $(node -p "require('$WEBGPU_DIR/package.json').version") (dist/linux-x64 only)"
MODS="$STAGE/mods/node_modules"
mkdir -p "$MODS/webgpu/dist"
cp "$WEBGPU_DIR/package.json" "$WEBGPU_DIR/index.js" "$WEBGPU_DIR/LICENSE.md" "$MODS/webgpu/"
cp -r "$WEBGPU_DIR/dist/linux-x64" "$MODS/webgpu/dist/"
tar -C "$STAGE/mods" -cf - node_modules/webgpu | "${XZ[@]}" > "$GPU_DIR/webgpu.tar.xz"

if [ "$WITH_ORT" = 1 ]; then
  echo "onnxruntime-node $(node -p "require('$ORT_DIR/package.json').version") (linux-x64 binding) + onnxruntime-common"
  ORT_STAGE="$STAGE/ort/node_modules"
  mkdir -p "$ORT_STAGE/onnxruntime-node/bin/napi-v6/linux" "$ORT_STAGE/onnxruntime-common"
  cp -r "$ORT_DIR/package.json" "$ORT_DIR/dist" "$ORT_STAGE/onnxruntime-node/"
  cp -r "$ORT_DIR/bin/napi-v6/linux/x64" "$ORT_STAGE/onnxruntime-node/bin/napi-v6/linux/"
  cp -r "$ORT_COMMON_DIR/package.json" "$ORT_COMMON_DIR/dist" "$ORT_STAGE/onnxruntime-common/"
  tar -C "$STAGE/ort" -cf - node_modules | "${XZ[@]}" > "$GPU_DIR/onnxruntime.tar.xz"
else
  echo "onnxruntime-node left out (--no-ort)"
fi

echo "Debian packages: ${DEBS[*]}"
(cd "$GPU_DIR/debs" && apt-get download "${DEBS[@]}")
# bench:pipelines needs only spirv-as (statically linked) of spirv-tools' 3.7 MB: repack the deb with that one
# binary, so the bundle and the working tree fit the device tool's 64 MiB together.
SPIRV_DEB="$(ls "$GPU_DIR"/debs/spirv-tools_*.deb)"
mkdir -p "$STAGE/spirv/DEBIAN"
dpkg-deb -x "$SPIRV_DEB" "$STAGE/spirv-full"
dpkg-deb -e "$SPIRV_DEB" "$STAGE/spirv/DEBIAN"
install -D -m 755 "$STAGE/spirv-full/usr/bin/spirv-as" "$STAGE/spirv/usr/bin/spirv-as"
rm -f "$STAGE/spirv/DEBIAN/md5sums"
dpkg-deb -Zxz -b "$STAGE/spirv" "$SPIRV_DEB" > /dev/null

echo "bench bundle (vite, ?raw WGSL inlined; webgpu and onnxruntime-node external)"
pnpm vite build --config bench/vite.config.ts --outDir "$GPU_DIR/bundle"
PQWEB_BENCH_ENTRY=pipelines pnpm vite build --config bench/vite.config.ts --outDir "$GPU_DIR/bundle" --emptyOutDir false
PQWEB_BENCH_ENTRY=wall-probe pnpm vite build --config bench/vite.config.ts --outDir "$GPU_DIR/bundle" --emptyOutDir false

(cd "$GPU_DIR" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
TOTAL=$(du -sb "$GPU_DIR" | cut -f1)
du -ah "$GPU_DIR" | sort -k2
echo "total: $((TOTAL / 1024 / 1024)) MiB ($TOTAL bytes)"
# Tracked files moved aside for the carry (a large model, say) are not counted, and do not fail the sum.
TREE=$( (git ls-files -z | xargs -0 du -cb 2> /dev/null || true) | tail -1 | cut -f1)
echo "tracked files: $((TREE / 1024 / 1024)) MiB ($TREE bytes); together $(((TOTAL + TREE) / 1024 / 1024)) MiB"
if [ $((TOTAL + TREE)) -gt "$CARRY_LIMIT_BYTES" ]; then
  echo "error: .gpu/ ($TOTAL bytes) and the tracked files ($TREE bytes) exceed the $CARRY_LIMIT_BYTES bytes the device" \
    "tool carries; bash scripts/gpu-host/prepare.sh --no-ort leaves onnxruntime-node out, or move the reference" \
    "model (models/reference/fashion-vgg.onnx, which the kernel benchmark does not read) aside for the run" >&2
  exit 1
fi
