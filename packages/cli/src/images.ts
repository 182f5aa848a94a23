/** PNG and JPEG files → RGBA pixels, with kept libraries (pngjs, jpeg-js); anything else is a clear error. */
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UsageError } from './errors';

export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** jpeg-js refuses images above this many megapixels unless told otherwise; phone photos fit. */
const MAX_JPEG_MEGAPIXELS = 100;

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

export function decodeImage(bytes: Uint8Array, name: string): DecodedImage {
  try {
    if (startsWith(bytes, PNG_SIGNATURE)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { data: new Uint8Array(png.data), width: png.width, height: png.height };
    }
    if (startsWith(bytes, JPEG_SIGNATURE)) {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_JPEG_MEGAPIXELS,
      });
      return { data: image.data, width: image.width, height: image.height };
    }
  } catch (err) {
    throw new UsageError(`${name}: cannot decode image: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw new UsageError(`${name}: not a PNG or JPEG file`);
}

export async function readImage(path: string): Promise<DecodedImage> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new UsageError(`cannot read image ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return decodeImage(bytes, path);
}

/** RGBA pixels → PNG bytes (for test fixtures and the demo's gallery). */
export function encodePng(image: DecodedImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  return new Uint8Array(PNG.sync.write(png));
}
