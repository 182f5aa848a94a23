import { buildDenseOnnx } from '@pqweb/compress';
import { decodePqw, layerArrays, reconstructWeights } from '@pqweb/format';
import { writeFileAtomic } from '@pqweb/format/node';
import { readInputFile } from '../options';
import { formatBytes } from '../table';

/** .pqw → a standard ONNX with the reconstructed dense weights, checkable with any ONNX runtime. */
export async function runDecompress(path: string, flags: { output: string }): Promise<void> {
  const file = decodePqw(await readInputFile(path, 'model'));
  const { manifest } = file;
  const layers = manifest.layers.map((layer) => {
    const arrays = layerArrays(file, layer);
    return {
      name: layer.name,
      rows: layer.rows,
      cols: layer.cols,
      activation: layer.activation,
      bias: arrays.bias ?? null,
      weight: reconstructWeights(layer, arrays),
    };
  });
  const onnx = buildDenseOnnx({
    backbone: manifest.backbone ? file.bytes(manifest.backbone.section) : null,
    input: manifest.model.input,
    headInputName: manifest.backbone?.outputName ?? manifest.model.input.name,
    outputName: manifest.model.outputName,
    layers,
  });
  await writeFileAtomic(flags.output, onnx);
  process.stdout.write(
    `${flags.output}: ONNX with ${layers.length} reconstructed dense layer(s), ${formatBytes(onnx.byteLength)}\n`,
  );
}
