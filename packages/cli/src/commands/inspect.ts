import { describeLayerParams, describeOnnx, splitDenseHead } from '@pqweb/compress';
import { decodePqw, modelStorage, type PqwManifest } from '@pqweb/format';
import { readInputFile } from '../options';
import { formatBytes, formatRate, textTable } from '../table';

function looksLikePqw(bytes: Uint8Array): boolean {
  // The .pqw magic starts with 0x89 'P' 'Q' 'W' (docs/format.md).
  return bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x51 && bytes[3] === 0x57;
}

function pqwSummary(manifest: PqwManifest, fileBytes: number) {
  const storage = modelStorage(manifest);
  const backbone = manifest.backbone
    ? (manifest.sections.find((s) => s.name === manifest.backbone?.section)?.length ?? 0)
    : 0;
  return {
    kind: 'pqw' as const,
    fileBytes,
    producer: manifest.producer,
    model: manifest.model,
    preprocessing: manifest.preprocessing,
    labels: manifest.labels,
    backboneBytes: backbone,
    layers: manifest.layers.map((layer, i) => ({
      name: layer.name,
      rows: layer.rows,
      cols: layer.cols,
      method: layer.method,
      params: describeLayerParams(layer),
      activation: layer.activation,
      storage: storage.layers[i],
    })),
    denseBytes: storage.denseBytes,
    compressedBytes: storage.totalBytes,
    rate: storage.rate,
  };
}

export async function runInspect(path: string, flags: { json?: boolean }): Promise<void> {
  const bytes = await readInputFile(path, 'file');
  if (looksLikePqw(bytes)) {
    const file = decodePqw(bytes);
    const summary = pqwSummary(file.manifest, bytes.byteLength);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const p = summary.preprocessing;
    process.stdout.write(
      `${path}: valid .pqw v${file.manifest.version} (${formatBytes(bytes.byteLength)}), written by ${summary.producer}\n` +
        `input ${summary.model.input.name} [${summary.model.input.shape.join(', ')}] ${summary.model.input.dtype}; ` +
        `preprocessing ${p.width}×${p.height}×${p.channels} ${p.layout}, mean ${p.mean.join(',')}, std ${p.std.join(',')}\n` +
        `labels (${summary.labels.length}): ${summary.labels.join(', ')}\n` +
        `backbone: ${summary.backboneBytes ? `ONNX, ${formatBytes(summary.backboneBytes)}` : 'none'}\n\n`,
    );
    const rows = summary.layers.map((l) => [
      l.name,
      `${l.rows}×${l.cols}`,
      l.method,
      l.params,
      l.activation,
      formatBytes(l.storage?.denseBytes ?? 0),
      formatBytes(l.storage?.totalBytes ?? 0),
      formatRate(l.storage?.rate ?? 0),
    ]);
    rows.push([
      'dense layers',
      '',
      '',
      '',
      '',
      formatBytes(summary.denseBytes),
      formatBytes(summary.compressedBytes),
      formatRate(summary.rate),
    ]);
    process.stdout.write(
      `${textTable(['layer', 'shape', 'method', 'params', 'act', 'before', 'after', 'rate'], rows)}\n`,
    );
    return;
  }
  const description = describeOnnx(bytes);
  const split = splitDenseHead(bytes);
  const summary = {
    kind: 'onnx' as const,
    fileBytes: bytes.byteLength,
    ...description,
    denseHead: split.layers.map((l) => ({
      name: l.name,
      rows: l.rows,
      cols: l.cols,
      activation: l.activation,
      bias: l.bias !== null,
    })),
    backboneBytes: split.backbone?.byteLength ?? 0,
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const denseParams = split.layers.reduce((s, l) => s + l.rows * l.cols + l.rows, 0);
  process.stdout.write(
    `${path}: ONNX opset ${description.opset}, ${description.nodes} nodes, producer ${description.producer || 'unknown'} ` +
      `(${formatBytes(bytes.byteLength)})\n` +
      `inputs: ${description.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join('; ')}; outputs: ${description.outputs.join(', ')}\n` +
      `dense head: ${split.layers.length} layer(s), ${denseParams.toLocaleString('en-US')} parameters (${formatBytes(4 * denseParams)}); ` +
      `backbone ${formatBytes(summary.backboneBytes)}\n\n` +
      `${textTable(
        ['layer', 'shape', 'activation', 'bias'],
        split.layers.map((l) => [l.name, `${l.rows}×${l.cols}`, l.activation, l.bias ? 'yes' : 'no']),
      )}\n`,
  );
}
