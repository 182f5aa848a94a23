#!/usr/bin/env bash
# The main job: compress the bundled reference model into the demo's public folder, build the demo, serve it.
# The uncompressed reference model (the demo's compare page) is served and emitted by the demo's Vite config
# straight from models/reference, so no copy of it lives in apps/demo/public.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${PQWEB_HOST:-127.0.0.1}
PORT=${PQWEB_PORT:-4173}
model=apps/demo/public/models/fashion-vgg.pqw

mkdir -p "$(dirname "$model")"
echo "[pqweb] compressing models/reference/fashion-vgg.onnx → $model"
pnpm --silent pqweb compress models/reference/fashion-vgg.onnx -o "$model" \
  --method pq --bits 4 --dim 4 --codebook float16 --mean 0.286041 --std 0.353024 --labels models/reference/labels.txt --quiet
echo "[pqweb] building the demo"
pnpm --filter @pqweb/demo build >/dev/null
echo "[pqweb] serving the demo at http://$HOST:$PORT/ (Ctrl-C stops)"
exec pnpm --filter @pqweb/demo exec vite preview --host "$HOST" --port "$PORT" --strictPort
